"""One spec through verify: the plan (memoized), libclang on each ABI, findings, tables and data."""

from __future__ import annotations

from collections.abc import Sequence

from codegen.report import Outcome
from codegen.specfiles import SpecFile
from codegen.verify.abis import Abi
from codegen.verify.evaluate import AbiResult, evaluate, findings, size_mismatches
from codegen.verify.plan import Plan
from codegen.verify.planstore import load_plan
from codegen.verify.table import layout_data, tables


def verify_spec(spec_file: SpecFile, abis: Sequence[Abi]) -> Outcome:
    plan = load_plan(spec_file)
    return outcome_of(spec_file, plan, evaluate(plan, abis), abis)


def outcome_of(
    spec_file: SpecFile, plan: Plan, results: list[AbiResult], abis: Sequence[Abi], source: str = ""
) -> Outcome:
    """Findings, tables, the verdict line and JSON data of one spec's results (`source`: where the
    host's layout came from, when not the model)."""
    outcome = Outcome("verify")
    outcome.findings = findings(plan, results)
    outcome.exit_code = 1 if outcome.findings else 0
    count = len(plan.sites)
    if outcome.exit_code:
        failed = {site for r in results for site in r.failed}
        sizes = {r.abi.name: size_mismatches(plan, r) for r in results}
        bad = [r.abi.name for r in results if r.failed or r.errors or sizes[r.abi.name]]
        broken = " and the generated code does not compile" if any(r.errors for r in results) else ""
        wrong = max(sizes.values(), default=0)
        sized = f", {wrong} field{'s' if wrong > 1 else ''} of the wrong size" if wrong else ""
        verdict = (
            f"verify: {spec_file.display}: FAILED: {len(failed)} of {count} asserts fail{sized}{broken}"
            f" on {len(bad)} of {len(abis)} ABIs ({', '.join(bad)}){source}"
        )
    else:
        names = ", ".join(abi.name for abi in abis)
        verdict = f"verify: {spec_file.display}: ok: {count} asserts hold on {len(abis)} ABIs ({names})"
        verdict += source
    outcome.sections = [tables(plan, results), verdict]
    outcome.data["specs"] = [
        {
            "spec": spec_file.display,
            "host_model": plan.model,
            "asserts": [{"assert": s.text, "file": s.at.path, "line": s.at.line} for s in plan.sites],
            "abis": layout_data(plan, results),
        }
    ]
    return outcome
