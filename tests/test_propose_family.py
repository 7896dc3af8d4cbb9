"""`mirrorgen propose --tree KDIR FAMILY.yaml --add ...` on the real 7.2 tree: the family spec
is imported at test time, `--add` edits its struct and assert block as text, the proposal is
verified on the 11 ABIs against the tree's regions, and the patch applies with the real
`git apply --check`, passes the tree's checkpatch.pl, and makes `check --tree` exit 0 once
applied. propose reads a small copy of the tree (the family's files and the Makefile), never
the cached tree, and never writes the tree it reads."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from tests.conftest import require_tool, unavailable

MACROS = ("TABLE_MATCH", "FOLIO_MATCH", "IOPTDESC_MATCH")
PT_WORD = ["--add", "unsigned long _pt_word", "--host-field", "private", "--after", "_pt_pad_2"]


@pytest.fixture(scope="module")
def imported(tree_sid: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each family imported once from the 7.2 tree (import writes only the spec)."""
    out = tmp_path_factory.mktemp("imported")
    specs = {}
    for macro in MACROS:
        spec = out / f"{macro.lower()}.yaml"
        assert main(["import", "--tree", str(tree_sid), "--macro", macro, "-o", str(spec)]) == 0
        specs[macro] = spec
    return specs


def _files(spec: Path) -> list[str]:
    family = load_any(spec)
    assert isinstance(family, FamilySpec) and family.struct is not None
    return list(dict.fromkeys(["Makefile", family.file, family.struct.file]))


def _copy(tree: Path, files: list[str], into: Path) -> Path:
    for relative in files:
        (into / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / relative, into / relative)
    return into


@pytest.fixture
def case(imported: dict[str, Path], tree_sid: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """(spec, tree) for a family: the spec copied, the family's files copied into a small tree."""

    def make(macro: str) -> tuple[Path, Path]:
        spec = tmp_path / imported[macro].name
        shutil.copyfile(imported[macro], spec)
        return spec, _copy(tree_sid, _files(spec), tmp_path / "linux")

    return make


def _propose(spec: Path, tree: Path, *args: str,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["propose", "--tree", str(tree), str(spec), *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _rules(report: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["rule"], []).append(f"{f['severity']}: {f['message']}")
    return out


def _unchanged(tree: Path, tree_sid: Path, files: list[str]) -> None:
    for relative in files:
        assert (tree / relative).read_bytes() == (tree_sid / relative).read_bytes(), relative


def _apply_check(tree_sid: Path, files: list[str], patch: Path, into: Path) -> Path:
    """The real `git apply --check` on a clean copy of the tree's files, then the real apply."""
    require_tool("git")
    clean = _copy(tree_sid, files, into)
    proc = subprocess.run(["git", "apply", "--check", "-v", str(patch)], cwd=clean, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    subprocess.run(["git", "apply", str(patch)], cwd=clean, check=True)
    return clean


def _checkpatch(tree_sid: Path, patch: Path) -> str:
    require_tool("perl")
    script = tree_sid / "scripts" / "checkpatch.pl"
    if not script.is_file():
        unavailable(f"{script}")
    proc = subprocess.run(["perl", str(script), "--no-tree", "--strict", str(patch)], capture_output=True,
                          text=True, check=False, cwd=patch.parent)
    return proc.stdout + proc.stderr


def test_a_ptdesc_field_over_a_free_page_word_verifies_and_its_patch_applies(
    case: Any, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ptdesc leaves page->private to `_pt_pad_2`/`ptl` without an assert: a new field in that
    union arm sits on it on every ABI, gets its TABLE_MATCH use, and the patch is kernel-ready."""
    spec, tree = case("TABLE_MATCH")
    before = spec.read_text(encoding="utf-8")
    patch = tmp_path / "pt_word.patch"
    code, report = _propose(spec, tree, *PT_WORD, "-o", str(patch), capsys=capsys)
    assert code == 0, report["findings"]
    rules = _rules(report)
    assert list(rules) == ["field-added"], rules
    assert "overlaying struct page's private" in rules["field-added"][0]
    assert report["changes"] == [{"kind": "added", "struct": "ptdesc", "name": "_pt_word", "old_name": None}]
    # the spec gained exactly two lines: the field after _pt_pad_2 and the use after pt_index's
    after = spec.read_text(encoding="utf-8").splitlines()
    old = before.splitlines()
    added = [line for line in after if line not in old]
    assert [line.strip() for line in added] == ["- [private, _pt_word]",
                                                "- {type: unsigned long, name: _pt_word}"]
    assert len(after) == len(old) + 2
    assert after[after.index(added[0]) - 1].strip() == "- [__folio_index, pt_index]"
    assert after[after.index(added[1]) - 1].strip() == "- {type: unsigned long, name: _pt_pad_2}"
    files = _files(spec)
    _unchanged(tree, tree_sid, files)  # propose never writes the tree
    text = patch.read_text(encoding="utf-8")
    assert "Subject: [PATCH] mm: add _pt_word to struct ptdesc" in text
    assert "+\t\tunsigned long _pt_word;\n" in text and "+TABLE_MATCH(private, _pt_word);\n" in text
    clean = _apply_check(tree_sid, files, patch, tmp_path / "clean")
    report_text = _checkpatch(tree_sid, patch)
    assert "total: 0 errors" in report_text, report_text
    # once applied, the tree holds what the spec makes
    assert main(["check", "--tree", str(clean), str(spec)]) == 0
    assert main(["check", "--tree", str(tree), str(spec)]) == 1


def test_if_puts_the_field_and_its_use_under_the_same_ifdef(
    case: Any, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("TABLE_MATCH")
    patch = tmp_path / "memcg.patch"
    code, report = _propose(spec, tree, *PT_WORD, "--if", "CONFIG_MEMCG", "-o", str(patch), capsys=capsys)
    assert code == 0, report["findings"]
    family = load_any(spec)
    assert isinstance(family, FamilySpec)
    uses = [(u.host, u.mirror, cond) for g in family.groups for u, cond in g.uses()]
    assert ("private", "_pt_word", "#ifdef CONFIG_MEMCG") in uses
    text = patch.read_text(encoding="utf-8")
    assert "+#ifdef CONFIG_MEMCG\n+\t\tunsigned long _pt_word;\n+#endif\n" in text
    assert "+#ifdef CONFIG_MEMCG\n+TABLE_MATCH(private, _pt_word);\n+#endif\n" in text
    clean = _apply_check(tree_sid, _files(spec), patch, tmp_path / "clean")
    assert "total: 0 errors" in _checkpatch(tree_sid, patch)
    assert main(["check", "--tree", str(clean), str(spec)]) == 0


def test_a_field_off_its_word_is_exit_1_naming_field_word_offsets_and_abis(
    case: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the conditional pt_memcg_data, a new field lands past the last page word: its
    assert fails on every ABI and the struct outgrows struct page; no patch is written."""
    spec, tree = case("TABLE_MATCH")
    code, report = _propose(spec, tree, "--add", "unsigned long _pt_memcg2", "--host-field", "memcg_data",
                            "--after", "pt_memcg_data", "--if", "CONFIG_MEMCG", capsys=capsys)
    assert code == 1
    # after the conditional pt_memcg_data sits in, in a conditional of its own
    assert " #endif\n+#ifdef CONFIG_MEMCG\n+\tunsigned long _pt_memcg2;\n+#endif\n" in report["diff"]
    rules = _rules(report)
    failed = rules["assert-failed"]
    assert len(failed) == 1, failed
    assert failed[0].startswith("error: _pt_memcg2 is not on struct page's memcg_data: it sits at 64 "
                                "(the word at 56) on x86_64,"), failed[0]
    assert "36 (the word at 32) on i386" in failed[0] and "mips" in failed[0]
    assert "TABLE_MATCH(memcg_data, _pt_memcg2) fails" in failed[0]
    assert rules["size-limit-exceeded"] == ["error: sizeof(struct ptdesc) > sizeof(struct page): 72 > 64 "
                                            "on x86_64, aarch64, riscv64, s390x, powerpc64, loongarch64; "
                                            "40 > 36 on i386, arm, riscv32, powerpc, mips"]
    assert "host-word-shared" in rules  # pt_memcg_data already mirrors memcg_data
    patch = tmp_path / "bad.patch"
    assert main(["propose", "--tree", str(tree), str(spec), "-o", str(patch)]) == 1
    assert "no patch written" in capsys.readouterr().out
    assert not patch.exists()


def test_a_use_the_spec_drops_is_assert_removed(case: Any, capsys: pytest.CaptureFixture[str]) -> None:
    spec, tree = case("TABLE_MATCH")
    text = spec.read_text(encoding="utf-8")
    assert text.count("  - [rcu_head, pt_rcu_head]\n") == 1
    spec.write_text(text.replace("  - [rcu_head, pt_rcu_head]\n", ""), encoding="utf-8")
    code, report = _propose(spec, tree, capsys=capsys)
    assert code == 1
    assert _rules(report)["assert-removed"] == [
        "error: TABLE_MATCH(rcu_head, pt_rcu_head) for page[0] is in the tree, not in the spec: nothing "
        "keeps pt_rcu_head on struct page's rcu_head any more"]
    assert "-TABLE_MATCH(rcu_head, pt_rcu_head);\n" in report["diff"]


def test_a_folio_field_over_a_word_folio_already_mirrors_is_a_warning(
    case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("FOLIO_MATCH")
    code, report = _propose(spec, tree, "--add", "unsigned long _test_word", "--host-field", "private",
                            "--after", "swap", capsys=capsys)
    assert code == 0, report["findings"]
    rules = _rules(report)
    assert rules["host-word-shared"] == [
        "warning: _test_word overlays struct page's private, which private already mirrors: code that uses "
        "private reads and writes _test_word"]
    assert "+\t\t\t\tunsigned long _test_word;\n" in report["diff"]
    assert "+FOLIO_MATCH(private, _test_word);\n" in report["diff"]


def test_a_field_without_an_assert_is_an_error_unless_allowed(
    case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("TABLE_MATCH")
    code, report = _propose(spec, tree, "--add", "unsigned long _pt_bare", "--after", "_pt_pad_2",
                            capsys=capsys)
    assert code == 1
    assert _rules(report)["field-unasserted"] == [
        "error: _pt_bare is added to struct ptdesc with no TABLE_MATCH use: nothing keeps it on a word of "
        "struct page (--host-field WORD adds one)"]
    code, report = _propose(spec, tree, "--allow", "field-unasserted", capsys=capsys)
    assert code == 0
    assert _rules(report)["field-unasserted"][0].endswith("(allowed by --allow field-unasserted)")


def test_a_field_unasserted_on_purpose_is_a_note_with_its_reason(
    case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("TABLE_MATCH")
    code, _ = _propose(spec, tree, "--add", "unsigned long _pt_bare", "--after", "_pt_pad_2", capsys=capsys)
    assert code == 1
    text = spec.read_text(encoding="utf-8")
    assert text.count("name: _pt_bare}") == 1
    marked = text.replace("name: _pt_bare}", 'name: _pt_bare, unasserted: "a scratch word, never read"}')
    spec.write_text(marked, encoding="utf-8")
    code, report = _propose(spec, tree, capsys=capsys)
    assert code == 0, report["findings"]
    rules = _rules(report)
    assert "field-unasserted" not in rules
    assert rules["field-unasserted-on-purpose"] == [
        "note: _pt_bare is added to struct ptdesc with no TABLE_MATCH use, on purpose: "
        "a scratch word, never read"]


def test_ioptdesc_struct_and_asserts_in_two_files_make_one_patch_that_applies(
    case: Any, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("IOPTDESC_MATCH")
    patch = tmp_path / "iopt.patch"
    code, report = _propose(spec, tree, "--add", "pgoff_t iopt_index", "--host-field", "__folio_index",
                            "--after", "__index", "-o", str(patch), capsys=capsys)
    assert code == 0, report["findings"]
    text = patch.read_text(encoding="utf-8")
    assert "Subject: [PATCH] iommu: add iopt_index to struct ioptdesc" in text
    assert " 2 files changed, 2 insertions(+)" in text
    clean = _apply_check(tree_sid, _files(spec), patch, tmp_path / "clean")
    assert "total: 0 errors" in _checkpatch(tree_sid, patch)
    assert main(["check", "--tree", str(clean), str(spec)]) == 0


BAD = [
    (["--add", "int a, b", "--host-field", "private"], "--add:1:6: 'int a, b' is not one plain member"),
    (["--add", "unsigned long x", "--host-field", "nosuch"],
     "--host-field:1:1: struct page has no word 'nosuch'"),
    (["--add", "unsigned long x", "--host-field", "private", "--after", "nosuch"],
     "--after:1:1: struct ptdesc has no field 'nosuch'"),
    (["--add", "unsigned long x", "--host-field", "private", "--page", "2"],
     "--page:1:1: the TABLE_MATCH block has no group for page[2]"),
    (["--add", "unsigned long pt_index", "--host-field", "private"],
     "--add:1:15: struct ptdesc already has a field 'pt_index'"),
    (["--add", "foo_t x", "--host-field", "private"], "--add:1:1: unknown type foo_t"),
    (["--add", "unsigned long x", "--host-field", "private", "--if", ""], "--if:1:1: '' is not one"),
    (["--add", "unsigned long x", "--to", "ptdesc"], "mirrorgen propose: error: --to is for version-1 specs"),
]


@pytest.mark.parametrize(("args", "said"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_exit_2_one_line_nothing_written(
    args: list[str], said: str, case: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, tree = case("TABLE_MATCH")
    before = spec.read_bytes()
    patch = tmp_path / "x.patch"
    code = main(["propose", "--tree", str(tree), str(spec), *args, "-o", str(patch)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(said), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert spec.read_bytes() == before and not patch.exists()


def test_a_family_spec_without_a_tree_is_exit_2(case: Any, capsys: pytest.CaptureFixture[str]) -> None:
    spec, _ = case("TABLE_MATCH")
    before = spec.read_bytes()
    assert main(["propose", str(spec), "--add", "unsigned long x", "--host-field", "private"]) == 2
    assert "give --tree KDIR" in capsys.readouterr().err
    assert spec.read_bytes() == before


def test_a_field_in_the_middle_moves_the_others_and_breaks_their_asserts(
    case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new word right after pt_flags (outside any union): it sits on page->lru itself, but every
    field after it moves one word, which the tree's asserts and offsets-changed both report."""
    spec, tree = case("TABLE_MATCH")
    code, report = _propose(spec, tree, "--add", "unsigned long _early", "--host-field", "lru",
                            "--after", "pt_flags", capsys=capsys)
    assert code == 1
    rules = _rules(report)
    assert "_early is not on" not in " ".join(rules.get("assert-failed", []))  # the new use holds
    moved = rules["offsets-changed"]
    assert any(m.startswith("error: pt_index moves in struct ptdesc: 32 -> 40 on x86_64,") for m in moved)
    assert ("error: TABLE_MATCH(__folio_index, pt_index) fails: struct ptdesc's pt_index is not where struct "
            "page's __folio_index is: 32 == 40 on x86_64, aarch64, riscv64, s390x, powerpc64, loongarch64; "
            "16 == 20 on i386, arm, riscv32, powerpc, mips") in rules["assert-failed"]
    assert "size-limit-exceeded" in rules
    code, report = _propose(spec, tree, "--allow", "offsets-changed", "--allow", "size-limit-exceeded",
                            capsys=capsys)
    assert code == 1  # a failing assert is not policy: --allow cannot hide it
