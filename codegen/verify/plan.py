"""What verify compiles and how it maps back to the spec: the plan's records.

Plain data, importing nothing heavy: a warm `verify` reads its plan from the
memo (codegen/verify/planstore.py) without loading YAML, Jinja2 or clang-format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codegen.errors import InputError
from codegen.spec.model import Loc, Spec


@dataclass(frozen=True)
class MirrorField:
    name: str
    host: str  # the host field it overlays
    at: Loc


@dataclass(frozen=True)
class Limit:
    host_field: str  # sizeof(mirror) <= offsetof(host, host_field)
    at: Loc


@dataclass(frozen=True)
class RegionFile:
    name: str  # the region (mirror, alias, alias_asserts)
    file: str  # its #line file name in the translation unit
    text: str  # the formatted C text, as `generate` writes it


@dataclass(frozen=True)
class AssertSite:
    file: str  # the region's #line file name
    first: int  # lines of the statement in that region, 1-based
    last: int
    text: str  # as written, without the `;`: `NETMEM_DESC_ASSERT_OFFSET(pp, pp)`
    at: Loc  # the spec line a human edits: the field, or the size limit
    field: str | None  # the mirror field; None for the size assert

    def covers(self, file: str, line: int) -> bool:
        return file == self.file and self.first <= line <= self.last


@dataclass(frozen=True)
class Plan:
    spec: str  # as shown in messages
    host: str  # struct tags
    mirror: str
    alias: str | None
    fields: tuple[MirrorField, ...]
    limit: Limit | None
    members: tuple[tuple[str, Loc], ...]  # the alias's members, to place compile errors
    at: Loc  # the mirror block
    model: str  # the host model, as shown
    model_file: str  # its absolute path and digest: the memo entry is stale if it changed
    model_digest: str
    model_cols: tuple[tuple[int, int], ...]  # model line -> column of the member there
    regions: tuple[RegionFile, ...]
    sites: tuple[AssertSite, ...]
    text: str  # the translation unit

    @staticmethod
    def of(spec: Spec, **rest: Any) -> Plan:
        """The plan's spec-side records from `spec`; `rest` names the host model and the text."""
        limit = spec.mirror.size_limit
        return Plan(
            spec=spec.path,
            host=spec.host.struct,
            mirror=spec.mirror.struct,
            alias=spec.alias.struct if spec.alias else None,
            fields=tuple(MirrorField(f.name, f.host, f.loc) for f in spec.mirror.fields),
            limit=Limit(limit.host_field, limit.loc) if limit else None,
            members=tuple((m.name, m.loc) for m in spec.alias.members) if spec.alias else (),
            at=spec.mirror.loc,
            **rest,
        )

    def field(self, name: str) -> MirrorField | None:
        return next((f for f in self.fields if f.name == name), None)

    def host_fields(self) -> list[str]:
        return [f.host for f in self.fields] + ([self.limit.host_field] if self.limit else [])

    def model_error(self, line: int, message: str) -> InputError:
        col = dict(self.model_cols).get(line, 1)
        return InputError(self.model, line, col, message)
