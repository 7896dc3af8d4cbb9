"""A failing clang-format run (the real binary, a tree's broken .clang-format): exit 2, one line.

A kernel tree's own .clang-format is what mirrorgen passes to clang-format
(`--style=file:PATH`); when clang-format refuses it, no command may show a
traceback, write the header, or let the memo's fast path hide the failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT, unavailable

HEADER = "include/net/netmem.h"
SPEC_72 = str(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml")

BROKEN_STYLES = {
    "unknown-value": "BasedOnStyle: LLVM\nUseTab: Sometimes\n",
    "not-yaml": "{{{\n",
    "bad-number": "BasedOnStyle: LLVM\nColumnLimit: -3x\n",
}


@pytest.fixture
def tree(tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree holding a copy of the sid header (in step with SPEC_72) and the sid .clang-format."""
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "tree"
    (root / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_sid / HEADER, root / HEADER)
    shutil.copy(tree_sid / ".clang-format", root / ".clang-format")
    return root


@pytest.mark.parametrize("style", BROKEN_STYLES.values(), ids=BROKEN_STYLES.keys())
@pytest.mark.parametrize("command", ["check", "apply"])
def test_broken_style_is_one_line_exit_2(
    tree: Path, capsys: pytest.CaptureFixture[str], command: str, style: str
) -> None:
    assert main(["check", "--tree", str(tree), SPEC_72]) == 0  # in step with the tree's real style
    capsys.readouterr()
    (tree / ".clang-format").write_text(style, encoding="utf-8")
    before = sorted(p.name for p in (tree / HEADER).parent.iterdir())
    header = (tree / HEADER).read_bytes()
    assert main([command, "--tree", str(tree), SPEC_72]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    # The style file it refused is to blame, at the line and column clang-format names.
    style = re.escape(str(tree / ".clang-format"))
    assert re.match(rf"{style}:\d+:\d+: clang-format style: ", lines[0]), lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert (tree / HEADER).read_bytes() == header
    assert sorted(p.name for p in (tree / HEADER).parent.iterdir()) == before


def test_failure_is_not_remembered(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The memo fast path must not answer for a style clang-format refuses, however often asked."""
    (tree / ".clang-format").write_text(BROKEN_STYLES["unknown-value"], encoding="utf-8")
    for _ in range(2):
        assert main(["check", "--tree", str(tree), SPEC_72]) == 2
    assert capsys.readouterr().err.count("clang-format style: ") == 2


def test_broken_style_in_json_is_a_usage_error_document(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / ".clang-format").write_text(BROKEN_STYLES["not-yaml"], encoding="utf-8")
    assert main(["check", "--tree", str(tree), SPEC_72, "--format", "json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == 2
    [finding] = document["findings"]
    assert finding["severity"] == "error" and finding["message"].startswith("clang-format style: ")
    assert finding["file"] == str(tree / ".clang-format") and finding["line"] >= 1


def test_a_style_that_reflows_the_region_marker_is_one_line_exit_2(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All regions go through one clang-format call, joined by a marker comment; a (valid) style
    that reflows comments into a narrow column breaks the marker: exit 2, one line, no write."""
    style = (tree / ".clang-format").read_text(encoding="utf-8")
    style = re.sub(r"(?m)^ColumnLimit:.*$", "ColumnLimit: 20", style)
    style = re.sub(r"(?m)^ReflowComments:.*$", "ReflowComments: true", style)
    (tree / ".clang-format").write_text(style, encoding="utf-8")
    header = (tree / HEADER).read_bytes()
    for command in ("check", "apply"):
        assert main([command, "--tree", str(tree), SPEC_72]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"mirrorgen {command}: error: clang-format ") and err.count("\n") == 1, err
    assert (tree / HEADER).read_bytes() == header


# The wheel's binary made unusable, in a temp copy of the installed wheel put first on sys.path.


def _wheel_copy(site: Path) -> Path:
    """Copy the installed clang_format package and its dist-info into `site`; return the binary's path."""
    from codegen.format import wheel_binary

    real = wheel_binary()
    if real is None or not real.is_file():
        unavailable("the clang-format wheel's binary")
    assert real is not None
    package = real.parents[2]
    shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    for info in package.parent.glob("clang_format-*.dist-info"):
        shutil.copytree(info, site / info.name)
    return site / real.relative_to(package.parent)


def _generate_with(site: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "MIRRORGEN_CACHE": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "codegen", "generate", str(ROOT / "specs" / "netmem.yaml"),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip


def _unusable(binary: Path, how: str) -> None:
    if how == "missing":
        binary.unlink()
    elif how == "not-executable":
        binary.chmod(0o644)
    else:  # not a program at all
        binary.write_text("not a program\n", encoding="utf-8")
        binary.chmod(0o755)


@pytest.mark.parametrize("how", ["missing", "not-executable", "not-a-program"])
def test_unusable_binary_is_one_line_exit_2(tmp_path: Path, how: str) -> None:
    binary = _wheel_copy(tmp_path / "site")
    _unusable(binary, how)
    proc = _generate_with(tmp_path / "site", tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mirrorgen generate: error: clang-format"), proc.stderr
    assert str(binary) in lines[0]  # the copy is what ran: the real wheel was shadowed
    assert not (tmp_path / "out").exists()
