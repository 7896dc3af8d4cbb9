"""Findings say exactly where: each mutation of the pristine sid header, checked with the
upstream spec, gives one finding at the header line a human must look at and the spec line
a human must edit, both computed from the texts themselves; findings come in line order."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

HEADER = "include/net/netmem.h"
SPEC = ROOT / "specs" / "netmem-upstream.yaml"
FINDING = re.compile(r"^include/net/netmem\.h:(\d+):1: error: (.*) \((.*):(\d+):\d+\) \[tree-drift\]$")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def pristine(tree_sid: Path) -> str:
    return (tree_sid / HEADER).read_text(encoding="utf-8")


def line_no(text: str, exact: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if line == exact]
    return lines[nth - 1]


def spec_line(fragment: str) -> int:
    [number] = [i for i, line in enumerate(SPEC.read_text(encoding="utf-8").splitlines(), start=1)
                if fragment in line]
    return number


def findings(tree_sid: Path, tmp_path: Path, header: str,
             capsys: pytest.CaptureFixture[str]) -> list[tuple[int, str, int]]:
    """(header line, message, spec line) of each finding, in printed order."""
    kdir = tmp_path / "linux"
    (kdir / HEADER).parent.mkdir(parents=True)
    (kdir / HEADER).write_text(header, encoding="utf-8")
    shutil.copyfile(tree_sid / ".clang-format", kdir / ".clang-format")
    capsys.readouterr()
    assert main(["check", "--tree", str(kdir), str(SPEC)]) == 1
    out = []
    for line in capsys.readouterr().err.splitlines():
        match = FINDING.match(line)
        if match:
            assert Path(match.group(3)).resolve() == SPEC
            out.append((int(match.group(1)), match.group(2), int(match.group(4))))
    return out


USE = "NETMEM_DESC_ASSERT_OFFSET(pp, pp);"


def test_a_duplicated_assert_use_is_a_duplicate_at_its_line(
    tree_sid: Path, pristine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = pristine.replace(USE + "\n", USE + "\n" + USE + "\n", 1)
    assert findings(tree_sid, tmp_path, header, capsys) == [
        (line_no(header, USE, 2), "NETMEM_DESC_ASSERT_OFFSET(pp, pp) is used again; the spec has it once",
         spec_line("{name: pp, type:")),
    ]


def test_a_deleted_middle_assert_is_located_where_it_belongs(
    tree_sid: Path, pristine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = pristine.replace(USE + "\n", "", 1)
    following = "NETMEM_DESC_ASSERT_OFFSET(_pp_mapping_pad, _pp_mapping_pad);"
    assert line_no(header, following) < line_no(header, "#undef NETMEM_DESC_ASSERT_OFFSET")
    assert findings(tree_sid, tmp_path, header, capsys) == [
        (line_no(header, following),
         "NETMEM_DESC_ASSERT_OFFSET has no use for field 'pp' (NETMEM_DESC_ASSERT_OFFSET(pp, pp))",
         spec_line("{name: pp, type:")),
    ]


def test_a_changed_comment_line_points_at_that_line_of_the_spec(
    tree_sid: Path, pristine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = " * page or netmem_desc."
    header = pristine.replace(line + "\n", " * page or a netmem_desc.\n", 1)
    assert findings(tree_sid, tmp_path, header, capsys) == [
        (line_no(header, " * page or a netmem_desc."),
         "the comment above struct netmem_desc differs from the spec",
         spec_line("     * page or netmem_desc.")),
    ]


def test_a_renamed_field_is_one_finding(
    tree_sid: Path, pristine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = pristine.replace("\tstruct page_pool *pp;\n", "\tstruct page_pool *pool;\n", 1)
    assert findings(tree_sid, tmp_path, header, capsys) == [
        (line_no(header, "\tstruct page_pool *pool;"),
         "struct netmem_desc: field 'pool' is named 'pp' in the spec", spec_line("{name: pp, type:")),
    ]


def test_findings_come_in_line_order(
    tree_sid: Path, pristine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = (pristine.replace("NETMEM_DESC_ASSERT_OFFSET(dma_addr, dma_addr);\n", "", 1)
              .replace("\tstruct page_pool *pp;\n", "\tstruct page_pool *pool;\n", 1)
              .replace(" * page or netmem_desc.\n", " * page or a netmem_desc.\n", 1))
    found = findings(tree_sid, tmp_path, header, capsys)
    assert [line for line, _, _ in found] == [
        line_no(header, " * page or a netmem_desc."),
        line_no(header, "\tstruct page_pool *pool;"),
        line_no(header, "NETMEM_DESC_ASSERT_OFFSET(pp_ref_count, pp_ref_count);"),
    ]
