"""`mirrorgen check` on generated/: fresh, hand-edited, stale, missing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

SPEC = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")


def test_committed_tree_is_fresh() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_fresh_twice(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert main(["check"]) == 0  # the memo's fast path agrees with the slow one
    assert capsys.readouterr().err == ""


def test_every_line_hand_edited_is_caught(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = project / "generated" / "netmem.h"
    original = header.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    for number, line in enumerate(lines):
        # One character changed on this line: the first letter or digit flips case or value,
        # or a space is added before the newline on lines with neither.
        found = re.search(r"[A-Za-z0-9]", line)
        if found:
            ch = found.group()
            new = ch.swapcase() if ch.isalpha() else str((int(ch) + 1) % 10)
            edited = line[: found.start()] + new + line[found.end() :]
        else:
            edited = line.rstrip("\n") + " \n"
        header.write_text("".join([*lines[:number], edited, *lines[number + 1 :]]), encoding="utf-8")
        assert main(["check"]) == 1, f"line {number + 1} edited, check passed"
        err = capsys.readouterr().err
        assert "edited by hand: checksum mismatch" in err, err
        assert "to fix, run: mirrorgen generate specs/netmem.yaml" in err
    header.write_text(original, encoding="utf-8")
    assert main(["check"]) == 0


def _field_edits() -> list[tuple[str, str, str]]:
    """(spec text before, after, word the explanation must name) for every field."""
    edits = []
    for name, ftype in re.findall(r"- \{name: (\w+), type: ([^,}]+)", SPEC):
        line = next(x for x in SPEC.splitlines() if f"{{name: {name}," in x)
        edits.append((line, line.replace(f"type: {ftype}", "type: u32"), name))
        # A rename keeps what the field overlays (generate refuses a host field the model lacks).
        renamed = line.replace(f"name: {name}", f"name: {name}_x")
        if "host:" not in renamed:
            renamed = renamed.replace("}", f", host: {name}}}")
        edits.append((line, renamed, name))
        edits.append((line + "\n", "", name))
    return edits


@pytest.mark.parametrize(("before", "after", "field"), _field_edits())
def test_every_field_change_is_stale_output(
    project: Path, capsys: pytest.CaptureFixture[str], before: str, after: str, field: str
) -> None:
    spec = project / "specs" / "netmem.yaml"
    spec.write_text(SPEC.replace(before, after, 1), encoding="utf-8")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "is stale:" in captured.err and f"'{field}" in captured.err, captured.err
    assert "edited by hand" not in captured.err
    assert captured.out.startswith("--- a/generated/netmem.h\n+++ b/generated/netmem.h\n")
    assert main(["generate"]) == 0
    assert main(["check"]) == 0


def test_missing_output_is_drift(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "generated" / "netmem.h").unlink()
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "generated/netmem.h is missing" in err
    assert "to fix, run: mirrorgen generate specs/netmem.yaml" in err


def test_check_writes_nothing(project: Path) -> None:
    header = project / "generated" / "netmem.h"
    header.write_text(header.read_text() + "\n", encoding="utf-8")
    before = header.stat().st_mtime_ns
    assert main(["check"]) == 1
    assert header.stat().st_mtime_ns == before
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["netmem-upstream.h", "netmem.h"]


def test_explanation_names_the_anonymous_struct(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The generated file keeps a field in net_iov's anonymous struct the spec dropped."""
    spec = project / "specs" / "netmem.yaml"
    spec.write_text(SPEC.replace("    - {name: pp_ref_count, type: atomic_long_t}\n", ""), encoding="utf-8")
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "struct net_iov: anonymous struct has field 'pp_ref_count', which the spec does not have" in err
    assert "NETMEM_DESC_ASSERT_OFFSET(pp_ref_count, pp_ref_count) is not in the spec" in err
