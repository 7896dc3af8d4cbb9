"""Spec version 2 (`kind: family`) is validated with the same care as version 1: each bad
input is exit 2 with one `path:line:col: message` at the YAML node, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.cli import main

GOOD = """\
version: 2
kind: family
file: mm/zpdesc.h
macro: ZPDESC_MATCH
host: page
mirror: zpdesc
clang_format: false
layout: {escape: single, blank_after_define: true}
groups:
- params: [pg, zp]
  uses:
  - [flags, flags]
  - conditional:
    - ifdef: CONFIG_MEMCG
      then: [[memcg_data, memcg_data]]
bounds:
- sizeof: struct zpdesc
  at_most: {sizeof: struct page}
"""

BAD = [
    (
        "layout: {escape: single, blank_after_define: true}",
        "layout: {escape: single, colum: 3}",
        8,
        "unknown key 'colum' in layout",
    ),
    (
        "layout: {escape: single, blank_after_define: true}",
        "layout: {escape: tab-column}",
        8,
        "escape 'tab-column' needs 'column'",
    ),
    ("    - ifdef: CONFIG_MEMCG", "    - elif: CONFIG_MEMCG", 14, "must be #ifdef, #ifndef or #if"),
    ("  - [flags, flags]\n", "  - [flags, flags]\n  - [flags, flags]\n", 13, "duplicate use (flags, flags)"),
    ("- params: [pg, zp]", "- params: [pg, 9zp]", 10, "is not a valid C identifier"),
    (
        "  at_most: {sizeof: struct page}",
        "  at_most: {offsetof: [folio, lru]}",
        18,
        "is not the host struct 'page'",
    ),
]


def _tree(tmp_path: Path) -> Path:
    header = tmp_path / "tree" / "mm" / "zpdesc.h"
    header.parent.mkdir(parents=True)
    header.write_bytes(b"")
    return header.parent.parent


@pytest.mark.parametrize(("old", "new", "line", "message"), BAD, ids=[b[3] for b in BAD])
def test_bad_family_spec_is_exit_2_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    spec = tmp_path / "zp.yaml"
    spec.write_text(GOOD.replace(old, new))
    tree = _tree(tmp_path)
    assert main(["check", "--tree", str(tree), str(spec)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{spec}:{line}:"), err
    assert message in err[0]
    assert (tree / "mm" / "zpdesc.h").read_bytes() == b""


def test_good_family_spec_says_where_the_block_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "zp.yaml"
    spec.write_text(GOOD)
    assert main(["check", "--tree", str(_tree(tmp_path)), str(spec)]) == 1
    assert "region ZPDESC_MATCH block missing" in capsys.readouterr().err


def test_version_1_commands_refuse_a_family_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "zp.yaml"
    spec.write_text(GOOD)
    assert main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert f"{spec}:1:10: a family spec (version 2)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


STRUCT = (
    GOOD
    + """\
struct:
  name: zpdesc
  layout: {marker_tabs: 1}
  body:
  - {type: unsigned long, name: flags}
  - union:
    - {type: unsigned long, name: memcg_data}
    - {type: unsigned, name: inuse, bits: 16}
"""
)

BAD_STRUCT = [
    (
        "  - {type: unsigned long, name: flags}",
        "  - {type: unsigned long, nmae: flags}",
        "unknown key 'nmae'",
    ),
    (
        "  - {type: unsigned long, name: flags}",
        "  - {type: unsigned long, name: 9flags}",
        "is not a valid C identifier",
    ),
    ("  - {type: unsigned long, name: flags}", "  - {type: 'int;', name: flags}", "is not a C type"),
    (
        "    - {type: unsigned, name: inuse, bits: 16}",
        "    - {type: unsigned, name: inuse, bits: 0}",
        "struct.body[1].union[1].bits",
    ),
    (
        "    - {type: unsigned, name: inuse, bits: 16}",
        "    - {type: unsigned, name: inuse, bits: 99}",
        "struct.body[1].union[1].bits",
    ),
    ("  name: zpdesc", "  name: zp-desc", "is not a valid C identifier"),
    ("  layout: {marker_tabs: 1}", "  layout: {marker_tab: 1}", "unknown key 'marker_tab'"),
    (
        "  - {type: unsigned long, name: flags}",
        "  - {type: unsigned long, name: flags, sep: ' '}",
        "needs both 'sep' and 'comment'",
    ),
    (
        "  - {type: unsigned long, name: flags}",
        "  - {type: unsigned long, name: flags, sep: ' ', comment: x}",
        "a comment is one C block comment",
    ),
    (
        "  - {type: unsigned long, name: flags}",
        "  - {type: unsigned long}",
        "a field without 'name' is an anonymous tagged member",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD_STRUCT, ids=[b[2] + b[1][-12:] for b in BAD_STRUCT])
def test_bad_struct_section_is_exit_2_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in STRUCT
    spec = tmp_path / "zp.yaml"
    text = STRUCT.replace(old, new, 1)
    spec.write_text(text)
    line = text.split("\n").index(new.split("\n")[0]) + 1
    tree = _tree(tmp_path)
    for command in ("check", "apply"):
        assert main([command, "--tree", str(tree), str(spec)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"{spec}:{line}:"), err
        assert message in err[0], err
    assert (tree / "mm" / "zpdesc.h").read_bytes() == b""


def test_good_struct_section_says_where_the_struct_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "zp.yaml"
    spec.write_text(STRUCT)
    assert main(["check", "--tree", str(_tree(tmp_path)), str(spec)]) == 1
    err = capsys.readouterr().err
    assert "struct zpdesc missing, and apply cannot insert it" in err
