"""A verify plan, loaded from the memo when its inputs are unchanged, else made and memoized.

Making the plan needs YAML, Jinja2 and clang-format; it depends only on the
spec, the host model and mirrorgen's own code and tools, so it is kept in
the memo (codegen/memo.py) as JSON (codegen/verify/plancodec.py) and
revalidated against the host model file's digest. This module imports
nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

from codegen import memo
from codegen.specfiles import SpecFile
from codegen.verify.plan import Plan
from codegen.verify.plancodec import decode, encode


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
