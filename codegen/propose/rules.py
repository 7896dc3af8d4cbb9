"""The proposal rules: stable kebab-case names, a severity and a one-line reason each.

Documented in docs/propose.md; the names are a contract for `--allow` and
for JSON readers, so rename none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from codegen.report import Finding, Severity


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    reason: str


_TABLE = (
    Rule("field-added", "note", "a new field; its layout is shown and checked by the other rules"),
    Rule("field-removed", "error", "code that uses the field stops compiling (breaking)"),
    Rule("field-renamed", "error", "code that uses the old name stops compiling (breaking)"),
    Rule("field-retyped", "error", "code that uses the field sees a different type (breaking)"),
    Rule("field-moved", "warning", "a member that overlays nothing moves on some ABI"),
    Rule("host-field-changed", "warning", "the field now overlays a different host field"),
    Rule("host-union-sibling", "warning",
         "the host field shares storage with another host field that its owner may use"),
    Rule("size-limit-exceeded", "error", "the mirror grows past its size limit on some ABI"),
    Rule("no-host-field", "error", "a mirror field overlays no host field, or overlays padding"),
    Rule("offsets-changed", "error",
         "an existing mirror field moves on some ABI: the overlay changes (breaking)"),
    Rule("field-unasserted", "error",
         "a family spec's new field has no assert: nothing keeps it on its word of the host"),
    Rule("field-unasserted-on-purpose", "note",
         "a family spec's new field has no assert, and the spec says why (`unasserted: REASON`)"),
    Rule("assert-removed", "error",
         "a family spec drops an assert the tree has: the field is no longer kept on its host word"),
    Rule("host-word-shared", "warning",
         "a family spec's new field overlays a host word another field already mirrors"),
)
RULES: dict[str, Rule] = {rule.name: rule for rule in _TABLE}

# Findings that verify reports: the generated code does not build. They are not
# policy, so `--allow` cannot downgrade them.
VERIFY_RULES = ("assert-failed", "compile-error")


def finding(rule: str, where: tuple[str, int, int], message: str) -> Finding:
    path, line, col = where
    return Finding(path, line, col, rule, RULES[rule].severity, message)


def allow(findings: list[Finding], allowed: set[str]) -> list[Finding]:
    """Downgrade the errors of the allowed rules to warnings that say they were allowed."""
    out: list[Finding] = []
    for f in findings:
        if f.rule in allowed and f.severity == "error":
            f = replace(f, severity="warning", message=f"{f.message} (allowed by --allow {f.rule})")
        out.append(f)
    return out


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.severity == "error" for f in findings) else 0


def counts(findings: list[Finding]) -> str:
    """"1 error, 0 warnings, 2 notes": the summary line of a proposal."""
    parts = []
    for severity in ("error", "warning", "note"):
        n = sum(1 for f in findings if f.severity == severity)
        parts.append(f"{n} {severity}{'' if n == 1 else 's'}")
    return ", ".join(parts)
