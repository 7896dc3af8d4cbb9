"""SARIF 2.1.0 (the OASIS standard code-scanning dashboards read) for scan's hazards.

Plain dicts: the log has one run, one rule per hazard kind, and one result per
hazard located at its file and line under the SRCROOT base (the tree); a hazard
a family spec acknowledges (a field `unasserted` on purpose) is a result with an
external, accepted suppression whose justification is the spec's reason. A
stable `partialFingerprints` entry (the baseline key) lets dashboards follow a
hazard across line moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codegen import __version__
from codegen.scan.hazards import RULES, Hazard

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def sarif_log(
    hazards: list[Hazard], tree: Path | None, errors: Sequence[tuple[str, int, str]] = ()
) -> dict[str, Any]:
    """The log; `errors` (file, line, message) become tool notifications of a failed run."""
    rules = list(RULES)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "mirrorgen",
                "version": __version__,
                "informationUri": "https://pypi.org/project/mirrorgen/",
                "rules": [
                    {"id": rule, "shortDescription": {"text": text}} for rule, text in RULES.items()
                ],
            }
        },
        "results": [_result(h, rules) for h in hazards],
        "invocations": [{"executionSuccessful": not errors, **({"toolExecutionNotifications": [
            _notification(*e) for e in errors]} if errors else {})}],
    }  # fmt: skip
    if tree is not None:
        run["originalUriBaseIds"] = {"SRCROOT": {"uri": tree.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(hazard: Hazard, rules: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": hazard.rule,
        "ruleIndex": rules.index(hazard.rule),
        "level": _LEVEL[hazard.severity],
        "message": {"text": hazard.text()},
        "locations": [_location(hazard.file, hazard.line)],
        "partialFingerprints": {"mirrorgenHazard/v1": hazard.key},
        "properties": {"family": hazard.family, "mirror": hazard.mirror, "abis": hazard.abis},
    }
    if hazard.acknowledged:  # the spec (a file apart from the source) says why: an external suppression
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": hazard.reason,
                                "properties": {"spec": hazard.by}}]
    return out


def _location(file: str, line: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": file, "uriBaseId": "SRCROOT"}}
    if line > 0:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _notification(file: str, line: int, message: str) -> dict[str, Any]:
    out: dict[str, Any] = {"level": "error", "message": {"text": message}}
    if file:
        out["locations"] = [_location(file, line)]
    return out
