"""One proposal: the spec against its revision, verified on every ABI, classified, tabled."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.propose.classify import Classified, classify
from codegen.propose.history import Baseline
from codegen.propose.layouts import Layouts, Verified, host_model, other_layouts, verify_new
from codegen.propose.rules import allow, counts, exit_code
from codegen.propose.table import LayoutTable, build
from codegen.report import Finding
from codegen.spec.model import Spec
from codegen.verify.abis import ABIS


@dataclass(frozen=True)
class Proposal:
    spec: Spec
    baseline: Baseline
    classified: Classified
    findings: list[Finding]  # rule findings, then verify's that no rule explains; --allow applied
    verified: Verified
    layout: LayoutTable

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def counts(self) -> str:
        return counts(self.findings)


def propose(spec: Spec, baseline: Baseline, allowed: set[str]) -> Proposal:
    model = host_model(spec)
    verified = verify_new(spec, model, ABIS)
    old, hosts = other_layouts(baseline.spec, model, ABIS)
    new: Layouts = {r.abi.name: {**r.structs, spec.host.struct: hosts[r.abi.name]} for r in verified.results}
    classified = classify(baseline.spec, spec, model, new, old, baseline.label)
    findings = allow(classified.findings + _unexplained(spec, classified, verified), allowed)
    return Proposal(spec, baseline, classified, findings, verified, build(spec, new, classified))


def _unexplained(spec: Spec, classified: Classified, verified: Verified) -> list[Finding]:
    """verify's findings, less those a rule already reports at the same spec line: a missing
    host field's assert (no-host-field) and the size assert (size-limit-exceeded)."""
    explained: set[tuple[int, int]] = set()
    rules = {f.rule for f in classified.findings}
    for f in classified.findings:
        if f.rule == "no-host-field":
            explained.add((f.line, f.col))
    limit = spec.mirror.size_limit
    if limit is not None and "size-limit-exceeded" in rules:
        explained.add((limit.loc.line, limit.loc.col))
    return [f for f in verified.findings if (f.line, f.col) not in explained]
