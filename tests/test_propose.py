"""`mirrorgen propose`: real git history, real libclang verify on all 11 ABIs, real spec files.

Each test makes a throwaway git repository with a copy of a spec (and
specs/hosts/), commits it, edits the spec (by hand or with --add) and
proposes. Kernel trees, checkpatch and kbuild are in test_propose_tree.py.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from codegen.propose.rules import RULES, VERIFY_RULES
from tests.conftest import ROOT, require_tool

BUNDLED = ROOT / "specs" / "netmem.yaml"
SPEC_612 = ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml"
PREPATCH_612 = ROOT / "tests" / "specs" / "netmem-linux-6.12-prepatch.yaml"
# Pointer width decides every layout here; clang's own layouts are what the tests read.
ABI_64 = ["x86_64", "aarch64", "riscv64", "s390x", "powerpc64", "loongarch64"]
ABI_32 = ["i386", "arm", "riscv32", "powerpc", "mips"]
FRAG = ["--add", "unsigned int frag_cnt", "--host-field", "page_type", "--after", "pp_ref_count"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return out.stdout


def spec_repo(tmp_path: Path, source: Path = BUNDLED, commit: bool = True) -> Path:
    """A git repository holding a copy of `source` where it sits in this checkout (so its
    host.model path still resolves) plus specs/hosts/; returns the spec's path in it."""
    require_tool("git")
    repo = tmp_path / "repo"
    relative = source.relative_to(ROOT)
    (repo / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, repo / relative)
    shutil.copytree(ROOT / "specs" / "hosts", repo / "specs" / "hosts", dirs_exist_ok=True)
    if commit:
        git(tmp_path, "init", "-q", str(repo))
        git(repo, "config", "user.name", "Spec Author")
        git(repo, "config", "user.email", "author@example.org")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "spec")
    return repo / relative


class Runner:
    """`mirrorgen propose` in this process, from the spec's repository."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def _main(self, spec: Path, args: tuple[str, ...]) -> int:
        self.monkeypatch.chdir(_repo_of(spec))
        return main(["propose", str(spec.relative_to(Path.cwd())), *args])

    def json(self, spec: Path, *args: str) -> tuple[int, dict[str, Any]]:
        code = self._main(spec, (*args, "--format", "json"))
        return code, json.loads(self.capsys.readouterr().out)

    def text(self, spec: Path, *args: str) -> tuple[int, str, str]:
        code = self._main(spec, args)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(capsys, monkeypatch)


def _repo_of(spec: Path) -> Path:
    for parent in spec.parents:
        if (parent / "specs" / "hosts").is_dir():
            return parent
    raise AssertionError(f"no repository above {spec}")


def by_rule(doc: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] == rule]


def table(doc: dict[str, Any], struct: str) -> dict[str, Any]:
    return next(t for t in doc["layout"] if t["struct"] == struct)


def row(doc: dict[str, Any], struct: str, name: str) -> dict[str, Any]:
    return next(r for r in table(doc, struct)["rows"] if r["name"] == name)


def column(doc: dict[str, Any], struct: str, abi: str) -> int:
    return next(i for i, group in enumerate(table(doc, struct)["abis"]) if abi in group)


def edit(spec: Path, old: str, new: str) -> None:
    text = spec.read_text()
    assert text.count(old) == 1, old
    spec.write_text(text.replace(old, new))


# -- the realistic proposals: the 4 bytes of page_type/_mapcount before _refcount ---------------


def test_frag_cnt_in_netmem_desc_fits_32_bit_but_not_64_bit(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, doc = run.json(spec, *FRAG)

    # The field ends at 52 on 64-bit, but sizeof(struct netmem_desc) counts the tail padding
    # to its 8-byte alignment: 56 > 52. gcc agrees (test_propose_tree.py builds it).
    assert code == 1
    [size] = by_rule(doc, "size-limit-exceeded")
    assert size["severity"] == "error"
    over, fits = size["message"].split("; it still fits on ")
    assert over.startswith("sizeof(struct netmem_desc) > offsetof(struct page, _refcount): "
                           "56 > 52 (fields end at 52) on " + ", ".join(ABI_64))
    assert "padding" in over
    assert fits == ", ".join(ABI_32) + " (28 <= 28)"
    [sibling] = by_rule(doc, "host-union-sibling")
    assert sibling["severity"] == "warning" and "_mapcount" in sibling["message"]
    [added] = by_rule(doc, "field-added")
    assert added["severity"] == "note"
    entry = "    - {name: frag_cnt, type: unsigned int, host: page_type}"
    line = spec.read_text().splitlines().index(entry) + 1
    assert (added["file"], added["line"]) == ("specs/netmem.yaml", line)

    frag = row(doc, "netmem_desc", "frag_cnt")
    assert frag["mark"] == "+" and frag["overlays"] == "page_type"
    assert frag["cells"][column(doc, "netmem_desc", "x86_64")].split() == ["48", "4"]
    assert frag["cells"][column(doc, "netmem_desc", "i386")].split() == ["24", "4"]
    limit = row(doc, "netmem_desc", "(sizeof vs limit)")["cells"]
    assert limit[column(doc, "netmem_desc", "x86_64")] == "56 > 52 !"
    assert limit[column(doc, "netmem_desc", "i386")] == "28 <= 28"
    ends = row(doc, "netmem_desc", "(fields end)")["cells"]
    assert ends[column(doc, "netmem_desc", "x86_64")].strip() == "52"
    assert sorted(map(sorted, table(doc, "netmem_desc")["abis"])) == sorted([sorted(ABI_64), sorted(ABI_32)])
    # The union grows, so struct net_iov's own members move: a warning, not a break.
    assert {f["message"].split()[0] for f in by_rule(doc, "field-moved")} == {"owner", "type"}


def test_frag_cnt_text_output(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, out, err = run.text(spec, *FRAG)
    assert code == 1
    assert "  + frag_cnt " in out and "56 > 52 !" in out and "28 <= 28" in out
    assert "x86_64 stands for " + ", ".join(ABI_64) in out
    for line in err.strip().splitlines():  # every finding: specs/x.yaml:LINE:COL: severity: message [rule]
        where, _, rest = line.partition(": ")
        path, row_, col = where.rsplit(":", 2)
        assert path == "specs/netmem.yaml" and row_.isdigit() and col.isdigit(), line
        assert rest.split(":")[0] in ("error", "warning", "note") and rest.endswith("]")


def test_grown_unsigned_long_exceeds_the_limit_on_every_64_bit_abi(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, doc = run.json(spec, "--add", "unsigned long grown", "--host-field", "page_type",
                        "--after", "pp_ref_count")
    assert code == 1
    [size] = by_rule(doc, "size-limit-exceeded")
    over, fits = size["message"].split("; it still fits on ")
    assert "56 > 52 on " + ", ".join(ABI_64) in over  # the field itself runs to 56: no padding note
    assert "padding" not in over
    assert fits == ", ".join(ABI_32) + " (28 <= 28)"
    limit = row(doc, "netmem_desc", "(sizeof vs limit)")["cells"]
    assert limit[column(doc, "netmem_desc", "mips")] == "28 <= 28"
    assert limit[column(doc, "netmem_desc", "s390x")] == "56 > 52 !"


def test_a_field_without_a_host_field_names_the_free_ones(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, doc = run.json(spec, "--add", "unsigned int frag_cnt")
    assert code == 1
    [missing] = by_rule(doc, "no-host-field")
    assert missing["severity"] == "error"
    assert "frag_cnt overlays no struct page field" in missing["message"]
    assert "free at its offset (48 on " + ", ".join(ABI_64) + "; 24 on " + ", ".join(ABI_32) + "): " \
        "page_type, _mapcount (" in missing["message"]
    # The assert verify could not compile is this finding, not a second error at the same line.
    assert not [f for f in doc["findings"] if f["line"] == missing["line"] and f["rule"] in VERIFY_RULES]


def test_a_field_over_a_used_word_is_not_offered(
    tmp_path: Path, run: Runner
) -> None:
    """In the middle of the mirror every host word is taken: nothing is suggested as free."""
    spec = spec_repo(tmp_path)
    code, doc = run.json(spec, "--add", "unsigned long extra", "--after", "pp",
                       )
    assert code == 1
    [missing] = by_rule(doc, "no-host-field")
    assert "no host field is free at its offset (24 on" in missing["message"]
    moved = {f["message"].split()[0] for f in by_rule(doc, "offsets-changed")}
    assert moved == {"_pp_mapping_pad", "dma_addr", "pp_ref_count"}


# -- breaking changes against HEAD, and --allow ---------------------------------------------------


def test_removing_a_field_is_breaking_unless_allowed(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    edit(spec, "    - {name: pp_ref_count, type: atomic_long_t}\n", "")
    code, doc = run.json(spec)
    assert code == 1
    [removed] = by_rule(doc, "field-removed")
    assert removed["severity"] == "error" and removed["message"].startswith("pp_ref_count ")
    assert [f for f in doc["findings"] if f["severity"] == "error"] == [removed]

    code, doc = run.json(spec, "--allow", "field-removed")
    assert code == 0
    [removed] = by_rule(doc, "field-removed")
    assert removed["severity"] == "warning"
    assert removed["message"].endswith("(allowed by --allow field-removed)")
    assert [(c["kind"], c["struct"], c["name"]) for c in doc["changes"]] == [
        ("removed", "netmem_desc", "pp_ref_count"),
        ("moved", "net_iov", "owner"),
        ("moved", "net_iov", "type"),
    ]


def test_renaming_a_field_is_breaking_unless_allowed(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    edit(spec, "{name: pp_ref_count, type: atomic_long_t}",
         "{name: pp_refs, type: atomic_long_t, host: pp_ref_count}")
    code, doc = run.json(spec)
    assert code == 1
    [renamed] = by_rule(doc, "field-renamed")
    assert renamed["severity"] == "error"
    assert renamed["message"] == "pp_refs was pp_ref_count in struct netmem_desc at HEAD"
    assert not by_rule(doc, "field-removed") and not by_rule(doc, "field-added")

    code, doc = run.json(spec, "--allow", "field-renamed")
    assert code == 0
    assert row(doc, "netmem_desc", "pp_refs")["mark"] == "~"


def test_reordering_two_fields_is_breaking_unless_allowed(
    tmp_path: Path, run: Runner
) -> None:
    """Swap two words and the host fields they overlay: every assert still holds, yet code that
    reached dma_addr through struct page now finds it elsewhere."""
    spec = spec_repo(tmp_path)
    edit(spec, "    - {name: _pp_mapping_pad, type: unsigned long}\n"
               "    - {name: dma_addr, type: unsigned long}\n",
               "    - {name: dma_addr, type: unsigned long, host: _pp_mapping_pad}\n"
               "    - {name: _pp_mapping_pad, type: unsigned long, host: dma_addr}\n")
    code, doc = run.json(spec)
    assert code == 1
    moved = {f["message"] for f in by_rule(doc, "offsets-changed")}
    assert moved == {
        "dma_addr moves in struct netmem_desc: 32 -> 24 on " + ", ".join(ABI_64) + "; 16 -> 12 on "
        + ", ".join(ABI_32) + "; the overlay on struct page changes",
        "_pp_mapping_pad moves in struct netmem_desc: 24 -> 32 on " + ", ".join(ABI_64) + "; 12 -> 16 on "
        + ", ".join(ABI_32) + "; the overlay on struct page changes",
    }
    assert len(by_rule(doc, "host-field-changed")) == 2
    assert {f["rule"] for f in doc["findings"] if f["severity"] == "error"} == {"offsets-changed"}

    code, doc = run.json(spec, "--allow", "offsets-changed")
    assert code == 0


def test_a_plain_reorder_also_fails_the_asserts_which_allow_cannot_hide(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    edit(spec, "    - {name: pp_magic, type: unsigned long}\n    - {name: pp, type: struct page_pool *}\n",
         "    - {name: pp, type: struct page_pool *}\n    - {name: pp_magic, type: unsigned long}\n")
    code, doc = run.json(spec, "--allow", "offsets-changed")
    assert code == 1
    assert {f["message"].split()[0] for f in by_rule(doc, "offsets-changed")} == {"pp", "pp_magic"}
    assert all(f["severity"] == "warning" for f in by_rule(doc, "offsets-changed"))
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert errors and {f["rule"] for f in errors} <= set(VERIFY_RULES)
    lines = {f["line"] for f in errors}
    text = spec.read_text().splitlines()
    assert lines == {text.index("    - {name: pp, type: struct page_pool *}") + 1,
                     text.index("    - {name: pp_magic, type: unsigned long}") + 1}


def test_retyping_within_the_host_word_is_breaking(
    tmp_path: Path, run: Runner
) -> None:
    """Code that uses the field sees another type, even where nothing moves: exit 1."""
    spec = spec_repo(tmp_path)
    edit(spec, "{name: pp_magic, type: unsigned long}", "{name: pp_magic, type: u32}")
    code, doc = run.json(spec)
    # verify checks sizes too: a u32 does not fill the 8-byte host word on 64-bit ABIs.
    assert code == 1
    [short] = by_rule(doc, "size-mismatch")
    assert short["message"].startswith("pp_magic (u32) does not fill struct page's pp_magic: 4 bytes")
    [retyped] = by_rule(doc, "field-retyped")
    assert retyped["severity"] == "error"
    assert retyped["message"] == "pp_magic changes type from unsigned long to u32"
    # pp keeps its own alignment, so nothing after pp_magic moves on any ABI.
    assert not by_rule(doc, "offsets-changed")
    assert row(doc, "netmem_desc", "pp_magic")["mark"] == "~"


def test_a_wider_field_moves_the_rest_on_32_bit_only(
    tmp_path: Path, run: Runner
) -> None:
    """u64 is the same size as unsigned long on 64-bit ABIs, twice it on 32-bit ones."""
    spec = spec_repo(tmp_path)
    edit(spec, "{name: dma_addr, type: unsigned long}", "{name: dma_addr, type: u64}")
    code, doc = run.json(spec)
    assert code == 1
    [moved] = by_rule(doc, "offsets-changed")
    assert moved["message"] == ("pp_ref_count moves in struct netmem_desc: 20 -> 24 on "
                                + ", ".join(ABI_32) + "; the overlay on struct page changes")
    # i386 aligns a u64 to 4 bytes, the other 32-bit ABIs to 8: only they pad the struct to 32.
    [size] = by_rule(doc, "size-limit-exceeded")
    assert "32 > 28 (fields end at 28) on arm, riscv32, powerpc, mips;" in size["message"]
    fits = "; it still fits on " + ", ".join(ABI_64) + " (48 <= 52); i386 (28 <= 28)"
    assert size["message"].endswith(fits)
    assert len(table(doc, "netmem_desc")["abis"]) == 3
    # pp_ref_count no longer sits on its host field there: verify's assert fails too.
    failed = [f for f in doc["findings"] if f["rule"] in VERIFY_RULES]
    assert failed and all(not any(abi in f["message"] for abi in ABI_64) for f in failed)


def test_unknown_rule_to_allow_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["propose", "--allow", "no-such-rule"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_rules_are_kebab_case_and_documented() -> None:
    doc = (ROOT / "docs" / "propose.md").read_text()
    for name, rule in RULES.items():
        assert name == name.lower() and " " not in name and "_" not in name
        assert f"| `{name}` | {rule.severity} |" in doc, name
    for name in VERIFY_RULES:
        assert f"`{name}`" in doc


# -- history -------------------------------------------------------------------------------------


def test_no_history_compares_with_an_empty_spec(
    tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path, commit=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above tmp_path either
    code, doc = run.json(spec)
    added = {f["message"].split()[0] for f in by_rule(doc, "field-added")}
    fields = {"_flags", "pp_magic", "pp", "_pp_mapping_pad", "dma_addr", "pp_ref_count"}
    assert added == fields | {"desc", "owner", "type"}
    assert doc["against"] == "HEAD (no history: empty)"
    assert code == 0  # nothing existed, so nothing broke; the overlays are warnings
    assert not by_rule(doc, "offsets-changed")


def test_a_spec_new_in_the_repository_compares_with_empty(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    new = spec.with_name("other.yaml")
    shutil.copy(spec, new)
    code, out, _ = run.text(new)
    assert code == 0
    assert "propose: specs/other.yaml does not exist at HEAD: comparing with an empty spec" in out


def test_against_an_older_revision(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    repo = _repo_of(spec)
    edit(spec, "    - {name: pp_ref_count, type: atomic_long_t}\n", "")
    git(repo, "commit", "-q", "-am", "drop pp_ref_count")
    code, doc = run.json(spec)
    assert code == 0 and doc["changes"] == []  # HEAD is the edited spec
    code, doc = run.json(spec, "--against", "HEAD~1")
    assert code == 1
    assert [f["rule"] for f in doc["findings"]] == ["field-removed", "field-moved", "field-moved"]


def test_an_unknown_revision_is_bad_input(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, _, err = run.text(spec, "--against", "no-such-branch")
    assert code == 2
    assert err.startswith("--against:1:1: unknown revision 'no-such-branch'") and err.count("\n") == 1


def test_a_spec_that_is_invalid_at_the_revision_is_named_there(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    edit(spec, "{name: pp, type: struct page_pool *}", "{name: pp, type: struct page_pool *, colour: red}")
    git(_repo_of(spec), "commit", "-q", "-am", "bad")
    edit(spec, "{name: pp, type: struct page_pool *, colour: red}", "{name: pp, type: struct page_pool *}")
    code, _, err = run.text(spec)
    assert code == 2
    assert err.startswith("HEAD:specs/netmem.yaml:45:") and "colour" in err


# -- the convenience edit ------------------------------------------------------------------------


def only_added_lines(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` changed or went away."""
    added = []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        assert line[:1] in (" ", "+", "?"), f"changed or removed: {line!r}"
        if line.startswith("+ "):
            added.append(line[2:])
    return added


@pytest.mark.parametrize(
    ("source", "args", "expected"),
    [
        (BUNDLED, FRAG, ["    - {name: frag_cnt, type: unsigned int, host: page_type}\n"]),
        (BUNDLED, ["--add", "unsigned int frag_cnt;", "--to", "net_iov", "--after", "desc"],
         ["    - unsigned int frag_cnt\n"]),
        # The pre-patch form declares mirror fields inline in net_iov: both lists grow, each in
        # the style of its neighbours (flow mapping, block mapping).
        (PREPATCH_612, FRAG, ["    - {name: frag_cnt, type: unsigned int, host: page_type}\n",
                              "    - field: frag_cnt\n"]),
    ],
)
def test_add_only_adds_lines(
    tmp_path: Path, source: Path, args: list[str], expected: list[str],
    run: Runner
) -> None:
    spec = spec_repo(tmp_path, source)
    before = spec.read_text()
    run.json(spec, *args)
    assert only_added_lines(before, spec.read_text()) == expected
    diff = git(_repo_of(spec), "diff", "--numstat")
    assert diff.split()[:2] == [str(len(expected)), "0"]


def test_add_into_the_pre_patch_form_passes_with_the_sibling_warning(
    tmp_path: Path, run: Runner
) -> None:
    """6.12's pre-patch form has no size assert: page_type's 4 bytes are the real limit."""
    spec = spec_repo(tmp_path, PREPATCH_612)
    code, doc = run.json(spec, *FRAG)
    assert code == 0
    assert "_mapcount" in by_rule(doc, "host-union-sibling")[0]["message"]
    frag = row(doc, "net_iov", "frag_cnt")
    assert frag["mark"] == "+" and frag["cells"][column(doc, "net_iov", "x86_64")].split() == ["48", "4"]


def test_add_keeps_crlf_line_endings(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    text = spec.read_text().replace("\n", "\r\n")
    spec.write_bytes(text.encode())
    run.json(spec, "--add", "u32 frag_cnt", "--to", "net_iov")
    last = "    - enum net_iov_type type\r\n"
    assert spec.read_bytes().decode() == text.replace(last, last + "    - u32 frag_cnt\r\n")


def test_add_after_an_unterminated_last_line(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    text = spec.read_text()
    text = text[: text.index("  # NET_IOV_ASSERT_OFFSET(mirror field")].rstrip("\n")  # no alias asserts
    assert text.endswith("    - enum net_iov_type type")
    spec.write_text(text)
    run.json(spec, "--add", "u32 frag_cnt", "--to", "net_iov")
    assert spec.read_text() == text + "\n    - u32 frag_cnt\n"


@pytest.mark.parametrize(
    ("declaration", "col", "says"),
    [
        ("int a, b", 6, "',' cannot appear"),
        ("unsigned int frag_cnt[4]", 22, "'[' cannot appear"),
        ("void (*cb)(void)", 6, "'(' cannot appear"),
        ("struct page_pool", 1, "must be followed by a tag name"),
        ("unsigned int", 1, "a C type followed by a name"),
        ("int x : 3", 7, "':' cannot appear"),
        ("#define x 1", 1, "'#' cannot appear"),
    ],
)
def test_add_refuses_anything_but_one_plain_member(
    tmp_path: Path, declaration: str, col: int, says: str,
    run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    before = spec.read_bytes()
    code, _, err = run.text(spec, "--add", declaration)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"--add:1:{col}: '{declaration}' is not one plain member declaration: ")
    assert says in err
    assert spec.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["--add", "unsigned long pp"], "specs/netmem.yaml:49:14: duplicate field 'pp'"),
        (["--add", "unsigned long owner"], "specs/netmem.yaml:"),  # clashes with a net_iov member
        (["--add", "u32 x", "--after", "nope"],
         "specs/netmem.yaml:43:5: --after nope: struct netmem_desc has no member 'nope'"),
        (["--add", "u32 x", "--to", "page"], "--to:1:1: 'page' is neither struct"),
        (["--add", "u32 x", "--to", "net_iov", "--host-field", "page_type"], "--host-field:1:1: "),
    ],
)
def test_add_refuses_a_bad_edit_and_writes_nothing(
    tmp_path: Path, args: list[str], starts: str,
    run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    before = spec.read_bytes()
    code, _, err = run.text(spec, *args)
    assert code == 2
    assert err.startswith(starts) and err.count("\n") == 1, err
    assert spec.read_bytes() == before


def test_a_tree_without_the_target_header_is_refused_before_the_edit(tmp_path: Path, run: Runner) -> None:
    spec = spec_repo(tmp_path)
    before = spec.read_bytes()
    (tmp_path / "not-a-kernel").mkdir()
    code, _, err = run.text(spec, *FRAG, "--tree", str(tmp_path / "not-a-kernel"))
    assert code == 2
    assert err == f"{tmp_path / 'not-a-kernel'}/include/net/netmem.h:1:1: target file not found in the tree\n"
    assert spec.read_bytes() == before


def test_add_writes_the_spec_even_when_the_proposal_fails(
    tmp_path: Path, run: Runner
) -> None:
    spec = spec_repo(tmp_path)
    code, out, _ = run.text(spec, "--add", "unsigned int frag_cnt")
    assert code == 1
    wrote = "propose: wrote specs/netmem.yaml: unsigned int frag_cnt added to struct netmem_desc at line 49"
    assert wrote in out
    assert "frag_cnt" in git(_repo_of(spec), "diff")
    # Atomic: a rename, so the spec is a new inode and no temp file is left behind.
    assert [p.name for p in spec.parent.iterdir() if p.name.startswith(".")] == []


def test_propose_with_several_specs_wants_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path)
    shutil.copy(spec, spec.with_name("second.yaml"))
    monkeypatch.chdir(_repo_of(spec))
    assert main(["propose"]) == 2
    assert "propose works on one spec" in capsys.readouterr().err


def test_github_format_annotates_each_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path)
    monkeypatch.chdir(_repo_of(spec))
    code = main(["propose", "specs/netmem.yaml", *FRAG, "--format", "github"])
    out = capsys.readouterr().out
    assert code == 1
    assert "::error file=specs/netmem.yaml,line=49,col=14,title=size-limit-exceeded::" in out
    assert "::warning file=specs/netmem.yaml,line=49,col=14,title=host-union-sibling::" in out


def test_git_missing_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path)
    monkeypatch.chdir(_repo_of(spec))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert main(["propose", "specs/netmem.yaml"]) == 2
    assert "git is not installed" in capsys.readouterr().err


def test_patch_text_never_splits_a_comparison() -> None:
    from codegen.propose.patch import WIDTH, _wrap

    text = ("sizeof(struct netmem_desc) > offsetof(struct page, _refcount): 56 > 52 on x86_64, "
            "aarch64, riscv64, s390x, powerpc64, loongarch64; it still fits on i386, arm, riscv32, "
            "powerpc, mips (28 <= 28) [size-limit-exceeded] and moves 8 -> 16 somewhere")
    for indent in ("", "  ", "    "):
        for width_shift in range(40):
            wrapped = _wrap("x" * width_shift + " " + text, indent)
            assert all(len(line) <= WIDTH for line in wrapped.splitlines())
            for kept in ("56 > 52", "(28 <= 28)", "8 -> 16"):
                assert kept in wrapped, (width_shift, wrapped)
