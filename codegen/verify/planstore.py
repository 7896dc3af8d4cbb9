"""A verify plan, loaded from the memo when its inputs are unchanged, else made and memoized.

Making the plan needs YAML, Jinja2 and clang-format; it depends only on the
spec, the host model and mirrorgen's own code and tools, so it is kept in
the memo (codegen/memo.py) as JSON, and revalidated against the host model
file's digest. This module imports nothing heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codegen import memo
from codegen.spec.model import Loc
from codegen.specfiles import SpecFile
from codegen.verify.plan import AssertSite, Limit, MirrorField, Plan, RegionFile


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
        plan = decode(cached)
        if plan is not None and _model_digest(plan.model_file) == plan.model_digest:
            return plan
    return None


def remember_plan(spec_file: SpecFile, plan: Plan) -> None:
    memo.store(_plan_key(spec_file), encode(plan))


def _model_digest(path: str) -> str | None:
    try:
        return memo.digest(Path(path).read_bytes())
    except OSError:
        return None


def encode(plan: Plan) -> str:
    return json.dumps(asdict(plan), ensure_ascii=True)


def decode(text: str) -> Plan | None:
    """A memoized plan, or None when the entry cannot be read (a miss, not an error)."""
    try:
        raw: dict[str, Any] = json.loads(text)

        def at(d: dict[str, Any]) -> Loc:
            return Loc(d["path"], d["line"], d["col"])

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
