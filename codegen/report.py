"""Findings: what every command reports, in one shape for text, JSON and CI output."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

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
