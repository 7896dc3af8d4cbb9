"""The host struct's layout on each ABI: the spec-side model (codegen/spec/host.py) laid out by libclang.

No C layout rules live here: clang lays the model out, once per ABI, on
first use. Loading checks the model with one x86_64 compile, so a model
that does not compile fails at its YAML line (exit 2).

API for later checks:
    model = load_host_model(spec)
    model.offset("pp", "x86_64"); model.size("pp", "i386")
    model.siblings("page_type") -> {"_mapcount"}
    model.fields_at(8, "x86_64") -> ["lru", "pp_magic", ...]
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from codegen.errors import InputError
from codegen.spec.host import HostField, HostMember, HostStruct, Version
from codegen.spec.hostload import load_host_struct, spec_host_struct
from codegen.spec.model import Spec
from codegen.verify.abis import ABIS, Abi
from codegen.verify.abis import abi as abi_named
from codegen.verify.clangtu import HOST_FILE, FieldLayout, StructLayout
from codegen.verify.ktypes import check_known

__all__ = ["HostModel", "Version", "load_host_model", "load_model_file"]


class HostModel:
    """A host model with its layouts, computed by libclang per ABI on first use."""

    def __init__(self, data: HostStruct) -> None:
        self.data = data
        self._layouts: dict[str, StructLayout] = {}

    @property
    def path(self) -> str:
        return self.data.path

    @property
    def struct(self) -> str:
        return self.data.struct

    @property
    def header(self) -> str | None:
        return self.data.header

    @property
    def members(self) -> tuple[HostMember, ...]:
        return self.data.members

    @property
    def fields(self) -> dict[str, HostField]:
        return self.data.fields

    def field(self, name: str) -> HostField:
        return self.data.field(name)

    def for_kernel(self, version: Version) -> HostModel:
        return HostModel(self.data.for_kernel(version))

    def error_at(self, line: int, message: str) -> InputError:
        return self.data.error_at(line, message)

    @cached_property
    def c_text(self) -> str:
        from codegen.verify import tu  # Jinja2: only when a layout is not seeded or memoized

        return tu.host_tu(self.data)

    def remember_layout(self, abi: str, layout: StructLayout) -> None:
        """Seed the layout of one ABI computed elsewhere (propose lays out the host anyway)."""
        self._layouts.setdefault(abi, layout)

    def layout(self, abi: Abi | str) -> StructLayout:
        target = abi if isinstance(abi, Abi) else abi_named(abi)
        if target.name not in self._layouts:
            from codegen.verify.clangtu import compile_c

            compiled = compile_c(self.c_text, target.triple, [self.struct])
            if compiled.errors:
                error = compiled.errors[0]
                if error.file == HOST_FILE:
                    raise self.error_at(error.line, error.message)
                raise InputError(
                    self.path, 1, 1, f"the host model does not compile for {target.name}: {error.message}"
                )
            self._layouts[target.name] = compiled.structs[self.struct]
        return self._layouts[target.name]

    def offset(self, field: str, abi: Abi | str) -> int:
        return self._placed(field, abi).offset

    def size(self, field: str, abi: Abi | str) -> int:
        return self._placed(field, abi).size

    def _placed(self, field: str, abi: Abi | str) -> FieldLayout:
        self.field(field)
        placed = self.layout(abi).field(field)
        if placed is None:
            raise InputError(self.path, self.field(field).loc.line, 1, f"clang dropped member {field}")
        return placed

    def siblings(self, field: str) -> set[str]:
        """Members that share storage with `field` through a union, in some kernel, on some ABI."""
        return {
            other
            for other in self.fields
            if other != field
            and self.data.union_siblings(field, other)
            and any(self._overlap(field, other, abi) for abi in ABIS)
        }

    def _overlap(self, a: str, b: str, abi: Abi) -> bool:
        fa, fb = self._placed(a, abi), self._placed(b, abi)
        return bool(fa.offset < fb.offset + fb.size and fb.offset < fa.offset + fa.size)

    def fields_at(self, offset: int, abi: Abi | str) -> list[str]:
        """Members whose storage covers byte `offset`, in declaration order."""
        return [f.name for f in self.layout(abi).fields if f.offset <= offset < f.offset + f.size]


def load_model_file(path: Path, display: str | None = None) -> HostModel:
    """Load and validate one host model file; the layout is checked with one x86_64 compile."""
    return _checked(HostModel(load_host_struct(path, display)))


def load_host_model(spec: Spec, mirror_fields: bool = True) -> HostModel:
    """The model a spec's `host.model` names, checked against the spec and compiled once."""
    return _checked(HostModel(spec_host_struct(spec, mirror_fields)))


def _checked(model: HostModel) -> HostModel:
    """Every member's type is one the prelude knows, and the whole compiles (on x86_64)."""
    for field in model.fields.values():
        check_known(field.type, field.loc, {model.struct})
    model.layout("x86_64")
    return model
