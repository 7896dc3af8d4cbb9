"""Drift check of a header under generated/.

Fast path: the memo says which output these exact inputs produce; if the
file hashes to it, the file is fresh. Otherwise regenerate in memory and
compare, and on a difference say why: missing, edited by hand (checksum
mismatch), or stale (the spec or the tools changed), with what changed.
"""

from __future__ import annotations

from pathlib import Path

from codegen import memo
from codegen.errors import InputError
from codegen.place import generated
from codegen.place.reading import read_regular
from codegen.specfiles import SpecFile, display_path

TYPE_CHECKING = False  # not `typing`: importing it costs check's fast path ~3 ms
if TYPE_CHECKING:
    from codegen.report import Outcome
    from codegen.spec.model import Spec


def _memo_key(spec_file: SpecFile, out_dir: Path) -> str:
    spec_bytes = spec_file.path.read_bytes() if spec_file.path.is_file() else b""
    return memo.key("generated", spec_bytes, str(spec_file.path), str(out_dir.resolve()))


def _read(target: Path, shown: str | None = None) -> bytes | None:
    """The file's bytes, None if it is missing; a FIFO or device is bad input, never read."""
    try:
        return read_regular(target, shown)
    except FileNotFoundError:
        return None


def _fresh_by_memo(on_disk: bytes | None, spec_file: SpecFile, out_dir: Path) -> bool:
    """The memo says these exact inputs produce exactly `on_disk`."""
    return on_disk is not None and memo.lookup(_memo_key(spec_file, out_dir)) == memo.digest(on_disk)


def is_fresh_by_memo(spec_file: SpecFile, out_dir: Path) -> bool:
    """The fast path: no YAML, Jinja2, clang-format or tree-sitter is loaded."""
    try:
        on_disk = _read(generated.output_path(spec_file.name, out_dir))
    except (OSError, InputError):  # the slow path says what is wrong
        return False
    return _fresh_by_memo(on_disk, spec_file, out_dir)


def check_generated(spec_file: SpecFile, out_dir: Path) -> Outcome:
    from codegen.check.diff import unified
    from codegen.pipeline import expected_header  # the slow path: YAML, Jinja2, clang-format
    from codegen.report import Finding, Outcome

    target = generated.output_path(spec_file.name, out_dir)
    on_disk = _read(target, display_path(target.resolve()))
    if _fresh_by_memo(on_disk, spec_file, out_dir):
        return Outcome("check")
    spec, expected = expected_header(spec_file, out_dir)
    memo.store(_memo_key(spec_file, out_dir), memo.digest(expected.encode()))
    if on_disk == expected.encode():
        return Outcome("check")

    shown = display_path(target.resolve())
    outcome = Outcome("check", exit_code=1, fix=generated.fix_command([spec_file], out_dir))
    text = on_disk.decode("utf-8", errors="replace") if on_disk is not None else ""
    outcome.diff = unified(text, expected, shown)
    for line, rule, message in _drift(spec_file, spec, on_disk is None, text, expected, shown):
        outcome.findings.append(Finding(shown, line, 1, rule, "error", message))
    return outcome


def _drift(
    spec_file: SpecFile, spec: Spec, missing: bool, text: str, expected: str, shown: str
) -> list[tuple[int, str, str]]:
    """(line, rule, message) of why the file differs: missing, edited by hand, or stale."""
    from codegen.check.explain import explain
    from codegen.place import checksum

    if missing:
        return [
            (1, "missing-output", f"{shown} is missing: it has never been generated from {spec_file.display}")
        ]
    if not checksum.verify(text):
        message = (
            f"{shown} was edited by hand: checksum mismatch (change {spec_file.display} "
            "instead; regenerating discards the edit)"
        )
        return [(_first_changed_line(text, expected), "hand-edit", message)]
    reasons = explain(expected, text, spec)
    if not reasons:
        message = (
            f"{shown} is stale: same constructs, different text (templates, "
            "clang-format version or banner changed)"
        )
        return [(_first_changed_line(text, expected), "stale-output", message)]
    return [
        (r.line or 1, "stale-output", f"{shown} is stale: {r.message}" + (f" ({r.spec})" if r.spec else ""))
        for r in reasons
    ]


def _first_changed_line(old: str, new: str) -> int:
    """The first line that differs, the banner's checksum aside (it differs whenever anything does)."""
    from codegen.place.checksum import unsealed

    for a_text, b_text in ((unsealed(old), unsealed(new)), (old, new)):
        a_lines, b_lines = a_text.splitlines(), b_text.splitlines()
        for number, (a, b) in enumerate(zip(a_lines, b_lines, strict=False), start=1):
            if a != b:
                return number
        if len(a_lines) != len(b_lines):
            return min(len(a_lines), len(b_lines)) + 1
    return 1
