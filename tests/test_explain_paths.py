"""Each explanation codegen/check/explain.py can give, from a real `mirrorgen check` run.

generated/: the committed header is edited in one specific way and resealed
(its banner checksum recomputed here, independently of the code under test),
as if an older spec had produced it: `check` then has to say what differs, in
kernel terms, on the right line of the header and at the right spec node.
--tree: the layout and whitespace-only explanations, on a copy of the sid
tree's header.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT
from tests.specedit import Edit, both, drop_block, position, sub

HEADER = (ROOT / "generated" / "netmem.h").read_text(encoding="utf-8")
SPEC = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")
SHOWN = "generated/netmem.h"
_SUM = re.compile(r"sha256:[0-9a-f]{64}")


def reseal(text: str) -> str:
    """The banner's sha256 of the file with the sum zeroed (README), recomputed for `text`."""
    assert len(_SUM.findall(text)) == 1
    zeroed = _SUM.sub("sha256:" + "0" * 64, text)
    return _SUM.sub("sha256:" + hashlib.sha256(zeroed.encode()).hexdigest(), zeroed)


@dataclass(frozen=True)
class Case:
    id: str
    edit: Edit
    at: str | None  # `@` marks the header line the finding must be on; None: line 1 (construct absent)
    phrase: str
    spec_at: str | None = None  # `@` marks the spec node the finding must cite


MIRROR = "  @struct: netmem_desc"
ALIAS = "  @struct: net_iov"
MIRROR_ASSERT = "    @macro: NETMEM_DESC_ASSERT_OFFSET"
ALIAS_ASSERT = "    @macro: NET_IOV_ASSERT_OFFSET"
SIZE = "    @host_field: _refcount"
SIZE_ASSERT = "static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount));\n"

CASES = [
    Case("struct-missing", drop_block("struct netmem_desc {", "};"), None,
         "struct netmem_desc is missing", MIRROR),
    Case("struct-comment", sub(" * CAUTION: Do not update", " * CAUTION: Do not change"),
         "@ * CAUTION: Do not change", "the comment above struct netmem_desc differs from the spec",
         "    @ * CAUTION: Do not update"),
    Case("field-type", sub("{\n\tunsigned long _flags;\n\tunsigned long pp_magic;",
             "{\n\tunsigned long _flags;\n\tu64 pp_magic;"),
         "\tunsigned long _flags;\n@\tu64 pp_magic;",
         "struct netmem_desc: field 'pp_magic' has type 'u64', the spec says 'unsigned long'",
         "{name: @pp_magic, type"),
    Case("fields-out-of-order",
         sub("\n\tunsigned long pp_magic;\n\tstruct page_pool *pp;\n",
             "\n\tstruct page_pool *pp;\n\tunsigned long pp_magic;\n"),
         "{\n\tunsigned long _flags;\n@\tstruct page_pool *pp;",
         "struct netmem_desc: fields out of order: 'pp' where the spec has 'pp_magic'",
         "{name: @pp_magic, type"),
    Case("anonymous-struct-comment", sub("\t\t * of niov->pp.", "\t\t * of niov->desc."),
         "@\t\tstruct {\n\t\t\tunsigned long _flags;",
         "the comment above the anonymous struct differs from the spec", ALIAS),
    Case("extra-anonymous-union",
         sub("\t};\n\tstruct net_iov_area *owner;",
             "\t};\n\tunion {\n\t\tint spare;\n\t};\n\tstruct net_iov_area *owner;"),
         "@\tunion {\n\t\tint spare;", "struct net_iov has an anonymous union the spec does not have", ALIAS),
    Case("define-missing", drop_block("#define NET_IOV_ASSERT_OFFSET", "#undef NET_IOV_ASSERT_OFFSET"), None,
         "#define NET_IOV_ASSERT_OFFSET is missing", ALIAS_ASSERT),
    Case("define-comment", sub(" * and must never be mirrored", " * and must not be mirrored"),
         "@ * and must not be mirrored",
         "the comment above #define NET_IOV_ASSERT_OFFSET differs from the spec",
         "      @ * and must never be mirrored"),
    Case("define-params",
         both(sub("ASSERT_OFFSET(pg, desc)", "ASSERT_OFFSET(page, desc)"),
              sub("offsetof(struct page, pg) ==", "offsetof(struct page, page) ==")),
         "@#define NETMEM_DESC_ASSERT_OFFSET(page, desc)",
         "NETMEM_DESC_ASSERT_OFFSET has parameters (page, desc), the spec says (pg, desc)", MIRROR_ASSERT),
    Case("define-body", sub("offsetof(struct page, pg) ==", "offsetof(struct page, pg) <="),
         "@#define NETMEM_DESC_ASSERT_OFFSET(pg, desc)", "NETMEM_DESC_ASSERT_OFFSET is defined as '",
         MIRROR_ASSERT),
    Case("uses-out-of-order",
         sub("NET_IOV_ASSERT_OFFSET(pp_magic, pp_magic);\nNET_IOV_ASSERT_OFFSET(pp, pp);\n",
             "NET_IOV_ASSERT_OFFSET(pp, pp);\nNET_IOV_ASSERT_OFFSET(pp_magic, pp_magic);\n"),
         "@NET_IOV_ASSERT_OFFSET(pp, pp);",
         "NET_IOV_ASSERT_OFFSET uses out of order: (pp, pp) where the spec has (pp_magic, pp_magic)",
         ALIAS_ASSERT),
    Case("undef-missing", sub("#undef NET_IOV_ASSERT_OFFSET\n", ""),
         "@NET_IOV_ASSERT_OFFSET(pp_ref_count, pp_ref_count);", "#undef NET_IOV_ASSERT_OFFSET is missing",
         ALIAS_ASSERT),
    Case("size-assert-missing", sub(SIZE_ASSERT, ""), None,
         "the size assert for struct netmem_desc is missing", SIZE),
    Case("size-assert-text", sub("struct page, _refcount));", "struct page, _mapcount));"),
         "@static_assert(sizeof(struct netmem_desc)",
         "the size assert for struct netmem_desc reads 'static_assert(sizeof(struct netmem_desc) <= "
         "offsetof(struct page, _mapcount));', the spec says", SIZE),
    Case("size-assert-comment", sub(" * slab, to avoid conflicting", " * slab, to avoid clashing"),
         "@ * slab, to avoid clashing",
         "the comment above the size assert for struct netmem_desc differs",
         "      @ * slab, to avoid conflicting"),
]  # fmt: skip


def _finding_on(err: str, line: int, phrase: str) -> str:
    prefix = f"{SHOWN}:{line}:1: error: {SHOWN} is stale: "
    found = [x for x in err.splitlines() if x.startswith(prefix) and phrase in x]
    assert found, f"no finding on line {line} with {phrase!r} in:\n{err}"
    return found[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_explanation(project: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    text = case.edit(HEADER)
    header = project / SHOWN
    header.write_text(reseal(text), encoding="utf-8")
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "edited by hand" not in err and "Traceback" not in err, err
    line = position(text, case.at)[0] if case.at else 1
    finding = _finding_on(err, line, case.phrase)
    if case.spec_at:
        spec_line, spec_col = position(SPEC, case.spec_at)
        assert finding.endswith(f"(specs/netmem.yaml:{spec_line}:{spec_col}) [stale-output]"), finding
    assert main(["generate"]) == 0 and main(["check"]) == 0  # the explanation's fix makes it fresh


def test_same_constructs_different_text(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A blank line inside a struct changes no construct: the finding says so, on that line."""
    text = sub("\tunsigned long _flags;\n\tunsigned long pp_magic;\n\tstruct",
               "\tunsigned long _flags;\n\n\tunsigned long pp_magic;\n\tstruct")(HEADER)  # fmt: skip
    (project / SHOWN).write_text(reseal(text), encoding="utf-8")
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    blank = position(text, "\tunsigned long _flags;\n@\n\tunsigned long pp_magic;\n\tstruct")[0]
    _finding_on(err, blank, "same constructs, different text")
    assert err.count(" is stale: ") == 1, err


# --tree: what explain cannot name is layout, located at its construct.

TREE_HEADER = "include/net/netmem.h"
SPEC_72 = str(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml")


def _tree_with(tree_sid: Path, into: Path, edit: Edit) -> tuple[Path, str]:
    original = (tree_sid / TREE_HEADER).read_text(encoding="utf-8")
    text = edit(original)
    assert text != original
    (into / TREE_HEADER).parent.mkdir(parents=True)
    (into / TREE_HEADER).write_bytes(text.encode())
    shutil.copy(tree_sid / ".clang-format", into / ".clang-format")
    return into, text


TREE_CASES = [
    ("struct",
     sub("\tunsigned long pp_magic;\n\tstruct page_pool *pp;\n\tunsigned long _pp_mapping_pad;\n",
         "\tunsigned long pp_magic;\n\n\tstruct page_pool *pp;\n\tunsigned long _pp_mapping_pad;\n"),
     "\tunsigned long pp_magic;\n@\n\tstruct page_pool *pp;\n\tunsigned long _pp_mapping_pad;\n",
     "struct netmem_desc: layout differs from the spec's formatted text"),
    ("macro", sub("\nNETMEM_DESC_ASSERT_OFFSET(pp, pp);", "\nNETMEM_DESC_ASSERT_OFFSET(pp,  pp);"),
     "@NETMEM_DESC_ASSERT_OFFSET(pp,  pp);",
     "NETMEM_DESC_ASSERT_OFFSET: layout differs from the spec's formatted text"),
    ("size-assert", sub(SIZE_ASSERT, SIZE_ASSERT.replace(" <= ", " <=  ")),
     "@static_assert(sizeof(struct netmem_desc) <=  ",
     "the size assert for struct netmem_desc: layout differs from the spec's formatted text"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "at", "phrase"), [c[1:] for c in TREE_CASES],
                         ids=[c[0] for c in TREE_CASES])
def test_tree_layout_is_located(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    edit: Edit, at: str, phrase: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    tree, text = _tree_with(tree_sid, tmp_path / "tree", edit)
    assert main(["check", "--tree", str(tree), SPEC_72]) == 1
    err = capsys.readouterr().err
    line = position(text, at)[0]
    assert f"{TREE_HEADER}:{line}:1: error: {phrase}" in err, err


def test_tree_whitespace_only(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CRLF line end inside a region is no construct and no layout: it is said to be whitespace only."""
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    edit = sub("\nNETMEM_DESC_ASSERT_OFFSET(pp, pp);\n", "\nNETMEM_DESC_ASSERT_OFFSET(pp, pp);\r\n")
    tree, _ = _tree_with(tree_sid, tmp_path / "tree", edit)
    assert main(["check", "--tree", str(tree), SPEC_72]) == 1
    err = capsys.readouterr().err
    assert "differs from the spec's text in whitespace only" in err, err
    assert err.count(": error: ") == 1, err


# A header with a line doubled (a bad merge, a paste twice) is drift, not a crash.

LAST_FIELD = "\tatomic_long_t pp_ref_count;\n"
DOUBLED_FIELD = sub(LAST_FIELD + "};\n\n#define NETMEM", LAST_FIELD * 2 + "};\n\n#define NETMEM")
DOUBLED_USE = sub("NET_IOV_ASSERT_OFFSET(pp_ref_count, pp_ref_count);\n",
                  "NET_IOV_ASSERT_OFFSET(pp_ref_count, pp_ref_count);\n" * 2)  # fmt: skip


def test_doubled_field_is_a_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = DOUBLED_FIELD(HEADER)
    (project / SHOWN).write_text(reseal(text), encoding="utf-8")
    assert main(["check"]) == 1
    second = position(text, "\tatomic_long_t pp_ref_count;\n@\tatomic_long_t pp_ref_count;\n};\n\n#define")[0]
    assert f"{SHOWN}:{second}:1: error: " in capsys.readouterr().err


def test_doubled_assert_use_is_a_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = DOUBLED_USE(HEADER)
    (project / SHOWN).write_text(reseal(text), encoding="utf-8")
    assert main(["check"]) == 1
    prefix = "NET_IOV_ASSERT_OFFSET(pp_ref"
    uses = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(prefix)]
    assert f"{SHOWN}:{uses[1]}:1: error: " in capsys.readouterr().err


def test_doubled_assert_use_in_a_tree_is_a_finding(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    use = "\nNETMEM_DESC_ASSERT_OFFSET(pp_ref_count, pp_ref_count);\n"
    tree, text = _tree_with(tree_sid, tmp_path / "tree", sub(use, use + use[1:]))
    assert main(["check", "--tree", str(tree), SPEC_72]) == 1
    second = position(text, use[1:] + "@" + use[1:])[0]
    assert f"{TREE_HEADER}:{second}:1: error: " in capsys.readouterr().err
