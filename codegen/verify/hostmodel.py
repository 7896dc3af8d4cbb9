"""The host struct (`struct page`) as data: a YAML model shipped with the specs.

The model lists the host's members up to the mirror's size limit, with the
anonymous structs and unions that decide offsets and shared storage. It is
validated at load (`path:line:col: message`, exit 2), including one compile
with libclang, which also computes every layout: no C layout rules live here.

API for later checks:
    model = load_host_model(spec)
    model.offset("pp", "x86_64"); model.size("pp", "i386")
    model.siblings("page_type") -> {"_mapcount"}
    model.fields_at(8, "x86_64") -> ["lru", "pp_magic", ...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from codegen.errors import InputError
from codegen.spec import ctypes
from codegen.spec.model import Loc, Spec
from codegen.spec.yamlload import Document, PathKey, load
from codegen.specfiles import display_path
from codegen.verify.abis import ABIS, Abi
from codegen.verify.abis import abi as abi_named
from codegen.verify.clangtu import FieldLayout, StructLayout

Version = tuple[int, int]
_VERSION = re.compile(r"(\d+)\.(\d+)\Z")
_CONFIG = re.compile(r"CONFIG_[A-Z0-9_]+\Z")
_HEADER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.h\Z")
_FIELD_KEYS = {"name", "type", "since", "until", "config"}
_GROUP_KEYS = {"since", "until"}


@dataclass(frozen=True)
class Span:
    """The kernels that have a member: from `since` up to `until`, both inclusive."""

    since: Version | None = None
    until: Version | None = None

    def admits(self, version: Version) -> bool:
        return (self.since is None or version >= self.since) and (self.until is None or version <= self.until)

    def meets(self, other: Span) -> bool:
        """Some kernel has both members."""
        lows = [v for v in (self.since, other.since) if v is not None]
        highs = [v for v in (self.until, other.until) if v is not None]
        return not lows or not highs or max(lows) <= min(highs)

    def within(self, outer: Span) -> Span:
        lows = [v for v in (self.since, outer.since) if v is not None]
        highs = [v for v in (self.until, outer.until) if v is not None]
        return Span(max(lows) if lows else None, min(highs) if highs else None)


@dataclass(frozen=True)
class HostField:
    name: str
    type: str
    loc: Loc
    span: Span  # effective: narrowed by the enclosing groups
    config: str | None

    @property
    def kind(self) -> Literal["field"]:
        return "field"


@dataclass(frozen=True)
class HostGroup:
    """An anonymous struct or union inside the host struct."""

    kind: Literal["struct", "union"]
    members: tuple[HostMember, ...]
    loc: Loc
    span: Span


HostMember = HostField | HostGroup
# Where a field sits: for each enclosing union, (the union's loc, the arm index).
_Arms = tuple[tuple[Loc, int], ...]


class HostModel:
    """A validated host model; layouts come from libclang, per ABI, on first use."""

    def __init__(
        self, path: str, struct: str, members: tuple[HostMember, ...], header: str | None = None
    ) -> None:
        self.path = path  # as shown in messages
        self.struct = struct
        self.header = header  # the kernel header that declares it, as #include'd
        self.members = members
        self.fields: dict[str, HostField] = {}
        self._arms: dict[str, _Arms] = {}
        self._index(members, ())
        self._layouts: dict[str, StructLayout] = {}

    def _index(self, members: tuple[HostMember, ...], arms: _Arms) -> None:
        for member in members:
            if isinstance(member, HostField):
                self.fields[member.name] = member
                self._arms[member.name] = arms
            elif member.kind == "union":
                for i, arm in enumerate(member.members):
                    self._index((arm,), (*arms, (member.loc, i)))
            else:
                self._index(member.members, arms)

    def field(self, name: str) -> HostField:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"struct {self.struct} has no member '{name}' in {self.path}") from None

    def for_kernel(self, version: Version) -> HostModel:
        """The members a kernel of this version has (by `since` / `until`)."""
        return HostModel(self.path, self.struct, _select(self.members, version), self.header)

    @cached_property
    def c_text(self) -> str:
        from codegen.verify import tu

        return tu.host_tu(self)

    def remember_layout(self, abi: str, layout: StructLayout) -> None:
        """Seed the layout of one ABI computed elsewhere (propose lays out the host anyway)."""
        self._layouts.setdefault(abi, layout)

    def layout(self, abi: Abi | str) -> StructLayout:
        target = abi if isinstance(abi, Abi) else abi_named(abi)
        if target.name not in self._layouts:
            from codegen.verify.clangtu import compile_c
            from codegen.verify.plan import HOST_FILE

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

    def error_at(self, line: int, message: str) -> InputError:
        """An error at the model entry that starts on `line` (clang sees the YAML lines via #line)."""
        col = next((f.loc.col for f in self.fields.values() if f.loc.line == line), 1)
        return InputError(self.path, line, col, message)

    def offset(self, field: str, abi: Abi | str) -> int:
        return self._placed(field, abi).offset

    def size(self, field: str, abi: Abi | str) -> int:
        return self._placed(field, abi).size

    def _placed(self, field: str, abi: Abi | str) -> FieldLayout:
        self.field(field)
        placed = self.layout(abi).field(field)
        assert placed is not None, f"clang dropped member {field}"
        return placed

    def siblings(self, field: str) -> set[str]:
        """Members that share storage with `field` through a union, in some kernel, on some ABI."""
        me = self.field(field)
        mine = self._arms[field]
        out: set[str] = set()
        for other in self.fields.values():
            if other.name == field or not me.span.meets(other.span):
                continue
            theirs = self._arms[other.name]
            shared = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), None)
            if shared is None or mine[shared][0] != theirs[shared][0]:
                continue  # no union puts them in different arms
            if any(self._overlap(field, other.name, abi) for abi in ABIS):
                out.add(other.name)
        return out

    def _overlap(self, a: str, b: str, abi: Abi) -> bool:
        fa, fb = self._placed(a, abi), self._placed(b, abi)
        return bool(fa.offset < fb.offset + fb.size and fb.offset < fa.offset + fa.size)

    def fields_at(self, offset: int, abi: Abi | str) -> list[str]:
        """Members whose storage covers byte `offset`, in declaration order."""
        return [f.name for f in self.layout(abi).fields if f.offset <= offset < f.offset + f.size]


def _select(members: tuple[HostMember, ...], version: Version) -> tuple[HostMember, ...]:
    out: list[HostMember] = []
    for member in members:
        if not member.span.admits(version):
            continue
        if isinstance(member, HostGroup):
            inner = _select(member.members, version)
            if not inner:
                continue
            member = HostGroup(member.kind, inner, member.loc, member.span)
        out.append(member)
    return tuple(out)


def parse_version(text: str) -> Version | None:
    m = _VERSION.match(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def load_model_file(path: Path, display: str | None = None) -> HostModel:
    """Load and validate one host model file; the layout is checked with one x86_64 compile."""
    doc = load(path, display or display_path(path))
    model = _Builder(doc).model()
    model.layout("x86_64")
    return model


def model_file(spec: Spec) -> Path:
    """The file a spec's host.model names: a path relative to the spec, or a bare name."""
    from codegen.specfiles import host_model_path

    return host_model_path(spec.path, spec.host.model or "")


def load_host_model(spec: Spec) -> HostModel:
    """The model a spec's `host.model` names, checked against the host fields the spec uses."""
    if spec.host.model is None:
        raise _spec_error(
            spec,
            ("host",),
            f"host struct {spec.host.struct} has no layout model: "
            "add host.model (e.g. hosts/page.yaml, relative to the spec)",
        )
    path = model_file(spec)
    if not path.is_file():
        raise _spec_error(
            spec, ("host", "model"), f"host model '{spec.host.model}' not found (looked at {path})"
        )
    model = load_model_file(path)
    if model.struct != spec.host.struct:
        raise _spec_error(
            spec,
            ("host", "model"),
            f"{model.path} models struct {model.struct}, not struct {spec.host.struct}",
        )
    known = ", ".join(model.fields)
    for field in spec.mirror.fields:
        if field.host not in model.fields:
            raise InputError(
                field.loc.path,
                field.loc.line,
                field.loc.col,
                f"host field '{field.host}' is not in {model.path} (known: {known})",
            )
    limit = spec.mirror.size_limit
    if limit and limit.host_field not in model.fields:
        raise InputError(
            limit.loc.path,
            limit.loc.line,
            limit.loc.col,
            f"size limit '{limit.host_field}' is not in {model.path} (known: {known})",
        )
    return model


def _spec_error(spec: Spec, key: PathKey, message: str) -> InputError:
    # The spec model keeps no location for host.*; read it again (only on this error path).
    try:
        return load(Path(spec.path), spec.path).error(key, message)
    except InputError:
        return InputError(spec.path, 1, 1, message)


class _Builder:
    """YAML document -> HostModel, failing at the offending node."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.names: dict[str, Loc] = {}

    def loc(self, key: PathKey) -> Loc:
        line, col = self.doc.where(key)
        return Loc(self.doc.path, line, col)

    def fail(self, key: PathKey, message: str, at_key: bool = False) -> InputError:
        return self.doc.error(key, message, at_key=at_key)

    def model(self) -> HostModel:
        data = self.doc.data
        if not isinstance(data, dict):
            raise self.fail((), "a host model is a mapping with version, struct and members")
        self.only(data, (), {"version", "struct", "header", "members"})
        for key in ("version", "struct", "members"):
            if key not in data:
                raise self.fail((), f"missing required key '{key}'")
        if data["version"] != 1:
            raise self.fail(("version",), "version must be 1")
        struct = self.ident(("struct",), data["struct"], "struct")
        header = data.get("header")
        if header is not None and not (
            isinstance(header, str) and _HEADER.match(header) and ".." not in header
        ):
            raise self.fail(
                ("header",), f"header must be an include path like linux/mm_types.h, not {header!r}"
            )
        return HostModel(
            self.doc.path, struct, self.members(("members",), data["members"], Span(), 1), header
        )

    def only(self, raw: dict[str, Any], key: PathKey, allowed: set[str]) -> None:
        unknown = sorted(k for k in raw if k not in allowed)
        if unknown:
            raise self.fail(
                (*key, unknown[0]),
                f"unknown key '{unknown[0]}' (known: {', '.join(sorted(allowed))})",
                at_key=True,
            )

    def ident(self, key: PathKey, value: Any, what: str) -> str:
        if not isinstance(value, str) or not ctypes.is_identifier(value):
            raise self.fail(key, f"{what} must be a C identifier, not {value!r}")
        return value

    def members(self, key: PathKey, raw: Any, outer: Span, least: int) -> tuple[HostMember, ...]:
        if not isinstance(raw, list) or len(raw) < least:
            raise self.fail(key, f"expected a list of at least {least} member{'s' if least > 1 else ''}")
        return tuple(self.member((*key, i), item, outer) for i, item in enumerate(raw))

    def member(self, key: PathKey, raw: Any, outer: Span) -> HostMember:
        shapes = "a member is {name: NAME, type: TYPE}, {struct: [members]} or {union: [members]}"
        if not isinstance(raw, dict):
            raise self.fail(key, shapes)
        span = self.span(key, raw).within(outer)
        kinds = [k for k in ("struct", "union") if k in raw]
        if kinds and ("name" in raw or "type" in raw or len(kinds) > 1):
            raise self.fail(key, shapes)
        if kinds:
            kind: Literal["struct", "union"] = "struct" if kinds[0] == "struct" else "union"
            self.only(raw, key, {kind, *_GROUP_KEYS})
            # A union of one arm shares nothing: it is a mistake in the model.
            members = self.members((*key, kind), raw[kind], span, 2 if kind == "union" else 1)
            return HostGroup(kind, members, self.loc(key), span)
        if "name" not in raw or "type" not in raw:
            raise self.fail(key, shapes)
        self.only(raw, key, _FIELD_KEYS)
        name = self.ident((*key, "name"), raw["name"], "member name")
        if name in self.names:
            raise self.fail(
                (*key, "name"), f"duplicate member '{name}' (first at line {self.names[name].line})"
            )
        try:
            ctype = ctypes.normalize_type(str(raw["type"]))
        except ctypes.CTypeError as exc:
            raise self.fail((*key, "type"), f"invalid C type {raw['type']!r}: {exc}") from None
        config = raw.get("config")
        if config is not None and not (isinstance(config, str) and _CONFIG.match(config)):
            raise self.fail(
                (*key, "config"), f"config must name a kernel option like CONFIG_MEMCG, not {config!r}"
            )
        loc = self.loc((*key, "name"))
        self.names[name] = loc
        return HostField(name, ctype, loc, span, config)

    def span(self, key: PathKey, raw: dict[str, Any]) -> Span:
        bounds: list[Version | None] = []
        for bound in ("since", "until"):
            value = raw.get(bound)
            version = parse_version(value) if isinstance(value, str) else None
            if value is not None and version is None:
                raise self.fail(
                    (*key, bound), f'{bound} must be a quoted kernel version like "6.12", not {value!r}'
                )
            bounds.append(version)
        span = Span(bounds[0], bounds[1])
        if span.since and span.until and span.since > span.until:
            raise self.fail((*key, "until"), "until is older than since")
        return span
