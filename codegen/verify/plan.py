"""What verify compiles and how it maps back to the spec: a plan, memoized per input.

Making the plan needs YAML, Jinja2 and clang-format; it depends only on the
spec, the host model and mirrorgen's own code and tools, so it is kept in
the memo (codegen/memo.py) as JSON. A warm `verify` then loads none of
those and spends its time where the verification is: libclang compiling
the translation unit for every ABI. This module imports nothing heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codegen import memo
from codegen.errors import InputError
from codegen.specfiles import SpecFile

HOST_FILE = "<host model>"  # the host model's #line file name in the translation unit


@dataclass(frozen=True)
class At:
    """A spec (or host model) location; the spec model's Loc, without importing the spec loader."""

    path: str
    line: int
    col: int


@dataclass(frozen=True)
class MirrorField:
    name: str
    host: str  # the host field it overlays
    at: At


@dataclass(frozen=True)
class Limit:
    host_field: str  # sizeof(mirror) <= offsetof(host, host_field)
    at: At


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
    at: At  # the spec line a human edits: the field, or the size limit
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
    members: tuple[tuple[str, At], ...]  # the alias's members, to place compile errors
    at: At  # the mirror block
    model: str  # the host model, as shown
    model_file: str  # its absolute path and digest: the memo entry is stale if it changed
    model_digest: str
    model_cols: tuple[tuple[int, int], ...]  # model line -> column of the member there
    regions: tuple[RegionFile, ...]
    sites: tuple[AssertSite, ...]
    text: str  # the translation unit

    def field(self, name: str) -> MirrorField | None:
        return next((f for f in self.fields if f.name == name), None)

    def host_fields(self) -> list[str]:
        return [f.host for f in self.fields] + ([self.limit.host_field] if self.limit else [])

    def model_error(self, line: int, message: str) -> InputError:
        col = dict(self.model_cols).get(line, 1)
        return InputError(self.model, line, col, message)


def load_plan(spec_file: SpecFile) -> Plan:
    """The plan from the memo when every input is unchanged, else made afresh (and memoized)."""
    plan = cached_plan(spec_file)
    if plan is not None:
        return plan
    from codegen.verify.planner import make_plan  # the slow path: YAML, Jinja2, clang-format

    plan = make_plan(spec_file)
    remember_plan(spec_file, plan)
    return plan


def _plan_key(spec_file: SpecFile) -> str:
    try:
        spec_bytes = spec_file.path.read_bytes()
    except OSError:
        spec_bytes = b""
    return memo.key("verify-plan", spec_bytes, str(spec_file.path), spec_file.display)


def cached_plan(spec_file: SpecFile) -> Plan | None:
    """The memoized plan of this spec file, if its inputs (and host model) are unchanged."""
    cached = memo.lookup(_plan_key(spec_file))
    if cached is not None:
        plan = _decode(cached)
        if plan is not None and _model_digest(plan.model_file) == plan.model_digest:
            return plan
    return None


def remember_plan(spec_file: SpecFile, plan: Plan) -> None:
    memo.store(_plan_key(spec_file), json.dumps(asdict(plan), ensure_ascii=True))


def _model_digest(path: str) -> str | None:
    try:
        return memo.digest(Path(path).read_bytes())
    except OSError:
        return None


def _decode(text: str) -> Plan | None:
    """A memoized plan, or None when the entry cannot be read (a miss, not an error)."""
    try:
        raw: dict[str, Any] = json.loads(text)

        def at(d: dict[str, Any]) -> At:
            return At(d["path"], d["line"], d["col"])

        limit = raw["limit"]
        return Plan(
            spec=raw["spec"],
            host=raw["host"],
            mirror=raw["mirror"],
            alias=raw["alias"],
            fields=tuple(MirrorField(f["name"], f["host"], at(f["at"])) for f in raw["fields"]),
            limit=Limit(limit["host_field"], at(limit["at"])) if limit else None,
            members=tuple((name, at(where)) for name, where in raw["members"]),
            at=at(raw["at"]),
            model=raw["model"],
            model_file=raw["model_file"],
            model_digest=raw["model_digest"],
            model_cols=tuple((line, col) for line, col in raw["model_cols"]),
            regions=tuple(RegionFile(r["name"], r["file"], r["text"]) for r in raw["regions"]),
            sites=tuple(
                AssertSite(s["file"], s["first"], s["last"], s["text"], at(s["at"]), s["field"])
                for s in raw["sites"]
            ),
            text=raw["text"],
        )
    except (ValueError, KeyError, TypeError):
        return None
