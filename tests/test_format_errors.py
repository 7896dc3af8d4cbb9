"""A failing clang-format run (the real binary, a tree's broken .clang-format): exit 2, one line.

A kernel tree's own .clang-format is what mirrorgen passes to clang-format
(`--style=file:PATH`); when clang-format refuses it, no command may show a
traceback, write the header, or let the memo's fast path hide the failure.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

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
    assert lines[0].startswith(f"mirrorgen {command}: error: clang-format failed: "), lines[0]
    assert str(tree / ".clang-format") in lines[0]  # clang-format names the style file it refused
    assert "Traceback" not in captured.err and captured.out == ""
    assert (tree / HEADER).read_bytes() == header
    assert sorted(p.name for p in (tree / HEADER).parent.iterdir()) == before


def test_failure_is_not_remembered(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The memo fast path must not answer for a style clang-format refuses, however often asked."""
    (tree / ".clang-format").write_text(BROKEN_STYLES["unknown-value"], encoding="utf-8")
    for _ in range(2):
        assert main(["check", "--tree", str(tree), SPEC_72]) == 2
    assert capsys.readouterr().err.count("clang-format failed") == 2


def test_broken_style_in_json_is_a_usage_error_document(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / ".clang-format").write_text(BROKEN_STYLES["not-yaml"], encoding="utf-8")
    assert main(["check", "--tree", str(tree), SPEC_72, "--format", "json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == 2
    [finding] = document["findings"]
    assert finding["severity"] == "error" and finding["message"].startswith("clang-format failed: ")
