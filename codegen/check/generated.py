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


def _memo_key(spec_file: SpecFile, out_dir: Path) -> str:
    spec_bytes = spec_file.path.read_bytes() if spec_file.path.is_file() else b""
    return memo.key("generated", spec_bytes, str(spec_file.path), str(out_dir.resolve()))


def is_fresh_by_memo(spec_file: SpecFile, out_dir: Path) -> bool:
    """The fast path: no YAML, Jinja2, clang-format or tree-sitter is loaded."""
    try:
        on_disk = read_regular(generated.output_path(spec_file.name, out_dir))
    except (OSError, InputError):  # the slow path says what is wrong
        return False
    return memo.lookup(_memo_key(spec_file, out_dir)) == memo.digest(on_disk)


def check_generated(spec_file: SpecFile, out_dir: Path) -> Outcome:
    from codegen.check.diff import unified
    from codegen.pipeline import expected_header  # the slow path: YAML, Jinja2, clang-format
    from codegen.place import checksum
    from codegen.report import Finding, Outcome

    target = generated.output_path(spec_file.name, out_dir)
    shown = display_path(target.resolve())
    fix = generated.fix_command([spec_file], out_dir)
    try:
        on_disk: bytes | None = read_regular(target, shown)
    except FileNotFoundError:
        on_disk = None
    memo_key = _memo_key(spec_file, out_dir)
    if on_disk is not None and memo.lookup(memo_key) == memo.digest(on_disk):
        return Outcome("check")

    spec, expected = expected_header(spec_file, out_dir)
    memo.store(memo_key, memo.digest(expected.encode()))
    if on_disk is not None and on_disk == expected.encode():
        return Outcome("check")

    outcome = Outcome("check", exit_code=1, fix=fix)
    if on_disk is None:
        outcome.findings.append(
            Finding(
                shown,
                1,
                1,
                "missing-output",
                "error",
                f"{shown} is missing: it has never been generated from {spec_file.display}",
            )
        )
        outcome.diff = unified("", expected, shown)
        return outcome
    text = on_disk.decode("utf-8", errors="replace")
    outcome.diff = unified(text, expected, shown)
    if not checksum.verify(text):
        line = _first_changed_line(text, expected)
        outcome.findings.append(
            Finding(
                shown,
                line,
                1,
                "hand-edit",
                "error",
                f"{shown} was edited by hand: checksum mismatch (change {spec_file.display} "
                "instead; regenerating discards the edit)",
            )
        )
        return outcome
    from codegen.check.explain import explain

    reasons = explain(expected, text, spec)
    for reason in reasons:
        where = f" ({reason.spec})" if reason.spec else ""
        outcome.findings.append(
            Finding(
                shown,
                reason.line or 1,
                1,
                "stale-output",
                "error",
                f"{shown} is stale: {reason.message}{where}",
            )
        )
    if not reasons:
        line = _first_changed_line(text, expected)
        outcome.findings.append(
            Finding(
                shown,
                line,
                1,
                "stale-output",
                "error",
                f"{shown} is stale: same constructs, different text (templates, "
                "clang-format version or banner changed)",
            )
        )
    return outcome


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
