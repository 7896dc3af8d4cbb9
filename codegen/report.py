"""Findings: what every command reports, in one shape for text, JSON and CI output."""

from __future__ import annotations

import os
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
    """Human output: the diff and sections on stdout, findings and the fix on stderr.

    Colour only on a terminal, and never when NO_COLOR is set (no-color.org);
    without colour the text is exactly what `--format text` has always been.
    """
    colour_out, colour_err = _colour(out), _colour(err)
    if outcome.diff:
        diff = outcome.diff if outcome.diff.endswith("\n") else outcome.diff + "\n"
        out.write(_paint_diff(diff) if colour_out else diff)
    for section in outcome.sections:
        out.write(section if section.endswith("\n") else section + "\n")
    for finding in outcome.findings:
        text = finding.text()
        if colour_err:  # paint only the severity word that follows "file:line:col: "
            where = len(f"{finding.file}:{finding.line}:{finding.col}: ")
            end = where + len(finding.severity)
            severity = _paint(_SEVERITY_COLOUR[finding.severity], text[where:end])
            text = text[:where] + severity + text[end:]
        err.write(text + "\n")
    if outcome.fix and outcome.exit_code:
        prefix = _paint("1", "to fix, run:") if colour_err else "to fix, run:"
        err.write(f"{prefix} {outcome.fix}\n")


_SEVERITY_COLOUR = {"error": "1;31", "warning": "1;33", "note": "1;36"}
_DIFF_COLOUR = {"+": "32", "-": "31", "@": "36"}


def _colour(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return not os.environ.get("NO_COLOR") and bool(isatty and isatty())


def _paint(code: str, text: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def _paint_diff(diff: str) -> str:
    lines = diff.split("\n")
    return "\n".join(_paint(_DIFF_COLOUR[x[0]], x) if x[:1] in _DIFF_COLOUR else x for x in lines)
