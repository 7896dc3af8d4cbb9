"""Findings: what every command reports, in one shape for text, JSON and CI output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, TextIO

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Finding:
    """One thing a command found, located where a human fixes it."""

    file: str
    line: int
    col: int
    rule: str  # short kebab-case name, e.g. "stale-output", "hand-edit", "assert-failed"
    severity: Severity
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Outcome:
    """What one command concluded: findings, a diff, how to fix, and extra data.

    `sections` are pre-rendered human text (layout tables, verdict lines);
    `data` is the same information as JSON-ready values for `--format json`.
    """

    command: str
    exit_code: int = 0
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    fix: str | None = None
    sections: list[str] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)

    def merge(self, other: Outcome) -> None:
        self.exit_code = max(self.exit_code, other.exit_code)
        self.findings.extend(other.findings)
        self.diff += other.diff
        self.fix = self.fix or other.fix
        self.sections.extend(other.sections)
        for key, value in other.data.items():
            if isinstance(value, list) and isinstance(self.data.get(key), list):
                self.data[key].extend(value)  # type: ignore[attr-defined]
            else:
                self.data[key] = value


def emit_text(outcome: Outcome, out: TextIO, err: TextIO) -> None:
    """Human output: the diff and sections on stdout, findings and the fix on stderr."""
    if outcome.diff:
        out.write(outcome.diff if outcome.diff.endswith("\n") else outcome.diff + "\n")
    for section in outcome.sections:
        out.write(section if section.endswith("\n") else section + "\n")
    for finding in outcome.findings:
        err.write(finding.text() + "\n")
    if outcome.fix and outcome.exit_code:
        err.write(f"to fix, run: {outcome.fix}\n")
