"""`mirrorgen check --tree KDIR`: real Debian kernel trees, real clang-format, the CLI in-process.

Trees are never modified: a test that edits the header works on a small tree
holding a copy of the header at the same path plus the tree's .clang-format.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

HEADER = "include/net/netmem.h"
SPEC_72 = str(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml")
SPEC_612 = str(ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml")
SPEC_PREPATCH = str(ROOT / "tests" / "specs" / "netmem-linux-6.12-prepatch.yaml")
BUNDLED = str(ROOT / "specs" / "netmem.yaml")
ONE_ERROR_LINE = re.compile(r"^[^\n:]+:\d+:\d+: [^\n]+\n$")


def header_tree(source: Path, into: Path, text: bytes | None = None, style: bool = True) -> Path:
    """A tree holding only the header (optionally replaced by `text`) and .clang-format."""
    (into / HEADER).parent.mkdir(parents=True, exist_ok=True)
    (into / HEADER).write_bytes(text if text is not None else (source / HEADER).read_bytes())
    if style:
        shutil.copy(source / ".clang-format", into / ".clang-format")
    return into


def line_of(text: str, prefix: str, start: int = 1) -> int:
    """1-based number of the first line at or after `start` that starts with `prefix`."""
    lines = text.splitlines()
    return next(n for n in range(start, len(lines) + 1) if lines[n - 1].startswith(prefix))


def drop_line(text: str, exact: str) -> str:
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == exact)
    return "".join(lines[:index] + lines[index + 1 :])


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


def check(tree: Path, *specs: str, fmt: str = "text") -> int:
    return main(["check", "--tree", str(tree), *specs, "--format", fmt])


def test_current_upstream_spec_matches_the_sid_tree(tree_sid: Path) -> None:
    assert check(tree_sid, SPEC_72) == 0
    assert check(tree_sid, SPEC_72) == 0  # again, through the memo's fast path


def test_prepatch_spec_matches_the_pristine_612_tree(tree_612: Path, prepatch_612_spec: Path) -> None:
    assert check(tree_612, str(prepatch_612_spec)) == 0


def test_committed_prepatch_spec_lacks_only_the_kernel_comment(
    tree_612: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the kernel's comment the only finding is that comment."""
    assert check(tree_612, SPEC_PREPATCH) == 1
    err = capsys.readouterr().err
    findings = [line for line in err.splitlines() if ": error: " in line]
    assert len(findings) == 1 and "the comment above #define NET_IOV_ASSERT_OFFSET" in findings[0], err


def test_memo_never_hides_drift(tree_sid: Path, tmp_path: Path) -> None:
    tree = header_tree(tree_sid, tmp_path / "tree")
    assert check(tree, SPEC_72) == 0
    header = tree / HEADER
    header.write_bytes(header.read_bytes().replace(b"\tenum net_iov_type type;\n", b""))
    assert check(tree, SPEC_72) == 1


def test_union_spec_on_the_embedded_form_explains_in_kernel_terms(
    tree_sid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tree_sid, BUNDLED) == 1
    out, err = capsys.readouterr()
    text = (tree_sid / HEADER).read_text(encoding="utf-8")
    desc = line_of(text, "\tstruct netmem_desc desc;")
    assert out.startswith(f"--- a/{HEADER}\n+++ b/{HEADER}\n")
    assert "+\tunion {\n" in out and "-\tstruct netmem_desc desc;\n" in out
    assert f"{HEADER}:{desc}:1: error: struct net_iov has field 'desc', which the spec does not have" in err
    assert "struct net_iov lacks its union" in err
    area_end = line_of(text, "};", line_of(text, "struct net_iov_area {"))
    assert f"{HEADER}:{area_end}:1: error: region R3 (NET_IOV_ASSERT_OFFSET) missing" in err
    assert f"to fix, run: mirrorgen apply --tree {tree_sid}" in err


def test_field_missing_from_the_anonymous_struct(
    tree_612: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seed form, made by apply on a copy of the 6.12 header, then one field dropped.
    tree = header_tree(tree_612, tmp_path / "tree")
    assert main(["apply", "--tree", str(tree), BUNDLED]) == 0
    text = drop_line((tree / HEADER).read_text(encoding="utf-8"), "\t\t\tunsigned long dma_addr;")
    (tree / HEADER).write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert check(tree, BUNDLED) == 1
    err = capsys.readouterr().err
    first, last = line_of(text, "struct net_iov {"), line_of(text, "};", line_of(text, "struct net_iov {"))
    found = re.search(
        rf"^{HEADER}:(\d+):1: error: struct net_iov: anonymous struct lacks field 'dma_addr' "
        r"present in struct netmem_desc \(.*specs/netmem\.yaml:(\d+):\d+\)",
        err, re.MULTILINE,
    )
    assert found, err
    assert first <= int(found.group(1)) <= last
    spec_line = Path(BUNDLED).read_text(encoding="utf-8").splitlines()[int(found.group(2)) - 1]
    assert "name: dma_addr" in spec_line
    assert "NET_IOV_ASSERT_OFFSET" not in err  # the asserts still name dma_addr: no finding there


def test_missing_assert_use_is_named(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = drop_line((tree_sid / HEADER).read_text(encoding="utf-8"), "NETMEM_DESC_ASSERT_OFFSET(pp, pp);")
    tree = header_tree(tree_sid, tmp_path / "tree", text.encode())
    assert check(tree, SPEC_72) == 1
    out, err = capsys.readouterr()
    # Located where it belongs: before the next use, not at the #undef.
    where = line_of(text, "NETMEM_DESC_ASSERT_OFFSET(_pp_mapping_pad, _pp_mapping_pad);")
    assert f"{HEADER}:{where}:1: error: NETMEM_DESC_ASSERT_OFFSET has no use for field 'pp'" in err
    assert "+NETMEM_DESC_ASSERT_OFFSET(pp, pp);\n" in out


def test_missing_mirror_block_is_a_missing_region(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (tree_sid / HEADER).read_text(encoding="utf-8")
    start = text.index("/* These fields in struct page")
    end = text.index("/* net_iov */")
    tree = header_tree(tree_sid, tmp_path / "tree", (text[:start] + text[end:]).encode())
    assert check(tree, SPEC_72) == 1
    err = capsys.readouterr().err
    marker = line_of(text[:start] + text[end:], "/* net_iov */")
    assert f"{HEADER}:{marker}:1: error: region R1 (struct netmem_desc) missing" in err


def test_mirror_block_the_spec_does_not_have(tree_sid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tree_sid, SPEC_PREPATCH) == 1
    out, err = capsys.readouterr()
    top = line_of((tree_sid / HEADER).read_text(encoding="utf-8"), "/* These fields")
    assert f"{HEADER}:{top}:1: error: region R1 (struct netmem_desc) is in the header but the spec" in err
    assert "-struct netmem_desc {\n" in out


def test_the_trees_own_clang_format_is_used(tree_sid: Path, tmp_path: Path) -> None:
    tree = header_tree(tree_sid, tmp_path / "tree")
    assert check(tree, SPEC_72) == 0
    style = tree / ".clang-format"
    style.write_text(style.read_text(encoding="utf-8").replace("UseTab: Always", "UseTab: Never"))
    assert check(tree, SPEC_72) == 1  # the tree now asks for spaces: its tabs are drift
    style.unlink()
    assert check(tree, SPEC_72) == 0  # the bundled style reproduces the kernel's


def test_json_findings_name_the_header_relative_to_the_tree(
    tree_sid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tree_sid, BUNDLED, fmt="json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == 1
    assert {f["file"] for f in document["findings"]} == {HEADER}
    assert document["diff"].startswith(f"--- a/{HEADER}")


@pytest.mark.parametrize("case", ["no-tree", "no-header", "two-structs", "split-region", "two-markers"])
def test_bad_trees_exit_2_with_one_line(
    case: str, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (tree_sid / HEADER).read_text(encoding="utf-8")
    tree = tmp_path / "tree"
    expect = ""
    if case == "no-tree":
        expect = "kernel tree not found"
    elif case == "no-header":
        tree.mkdir()
        expect = "target file not found in the tree"
    elif case == "two-structs":
        second = "struct netmem_desc {\n\tint x;\n};\n\n"
        extra = text.replace("struct net_iov_area {", second + "struct net_iov_area {")
        header_tree(tree_sid, tree, extra.encode())
        expect = f"two candidates for struct netmem_desc (lines {line_of(extra, 'struct netmem_desc {')} and "
    elif case == "split-region":
        # The size assert moved below struct net_iov_area: R1 would swallow human code.
        size = "static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount));\n"
        moved = text.replace(size, "").replace("\tunsigned long base_virtual;\n};\n",
                                               "\tunsigned long base_virtual;\n};\n" + size)
        header_tree(tree_sid, tree, moved.encode())
        expect = "R1 (struct netmem_desc) is split: the size assert on struct netmem_desc"
    else:
        start = text.index("/* These fields in struct page")
        end = text.index("/* net_iov */")
        doubled = text[:start] + "/* net_iov */\n\n" + text[end:]
        header_tree(tree_sid, tree, doubled.encode())
        expect = "two candidates for the line '/* net_iov */'"
    assert check(tree, SPEC_72) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ONE_ERROR_LINE.match(captured.err), captured.err
    assert expect in captured.err
    assert captured.err.startswith(str(tree))
