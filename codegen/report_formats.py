"""Machine output of an Outcome: one JSON document, or GitHub workflow commands.

The JSON shape is a contract (docs/integrations.md): bump JSON_VERSION on any
change that can break a reader; adding keys is not such a change.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import PurePath
from typing import TextIO

from codegen.report import Finding, Outcome

JSON_VERSION = 1
_RESERVED = ("version", "command", "exit_code", "findings", "diff", "fix")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def json_document(outcome: Outcome) -> dict[str, object]:
    clash = sorted(set(_RESERVED) & outcome.data.keys())
    if clash:  # a programming error in a command, not bad input
        raise ValueError(f"outcome.data may not use reserved keys: {', '.join(clash)}")
    document: dict[str, object] = {
        "version": JSON_VERSION,
        "command": outcome.command,
        "exit_code": outcome.exit_code,
        "findings": [f.as_dict() for f in outcome.findings],
        "diff": outcome.diff,
        "fix": outcome.fix,
    }
    document.update(outcome.data)
    return document


def _jsonable(value: object) -> object:
    # Commands may put dataclasses (layouts) or paths into data; say them as JSON.
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"cannot put {type(value).__name__} into JSON output")


def emit_json(outcome: Outcome, out: TextIO) -> None:
    json.dump(json_document(outcome), out, indent=2, default=_jsonable)
    out.write("\n")


def escape_data(text: str) -> str:
    """A workflow command's message (GitHub's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (GitHub's escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    props = []
    if finding.file:
        props.append(f"file={escape_property(finding.file)}")
        if finding.line > 0:  # 0 means "no location", which GitHub should not be told
            props.append(f"line={finding.line}")
            if finding.col > 0:
                props.append(f"col={finding.col}")
    props.append(f"title={escape_property(finding.rule)}")
    level = _GITHUB_LEVEL[finding.severity]
    return f"::{level} {','.join(props)}::{escape_data(finding.message)}"


def emit_github(outcome: Outcome, out: TextIO) -> None:
    """Annotations for each finding; the diff and the human sections in folded groups."""
    for finding in outcome.findings:
        out.write(annotation(finding) + "\n")
    _group(out, "diff", outcome.diff)
    _group(out, f"mirrorgen {outcome.command}", "".join(_lines(s) for s in outcome.sections))
    if outcome.fix and outcome.exit_code:
        out.write(f"::notice title=to fix::{escape_data('run: ' + outcome.fix)}\n")


def _group(out: TextIO, title: str, body: str) -> None:
    if not body:
        return
    # Lines of a diff start with ' ', '+', '-' or '@', so none reads as a command.
    out.write(f"::group::{escape_data(title)}\n{_lines(body)}::endgroup::\n")


def _lines(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
