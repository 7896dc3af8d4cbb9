"""`mirrorgen propose --tree KDIR -o FILE` on the real Debian 6.12 tree: the patch applies with
git and patch, passes the tree's own checkpatch.pl, and the kernel's own build agrees with
propose's verdict (kbuild on x86_64 and i386).

The tree is a hard-linked copy (`cp -al`) of the cached one, brought to the seed form with
`mirrorgen apply` (which writes by rename, so the cached tree's header keeps its bytes).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from tests.conftest import require_tool, unavailable
from tests.test_propose import FRAG, SPEC_612, git, spec_repo

HEADER = "include/net/netmem.h"
NET_IOV_MEMBER = ["--add", "unsigned int frag_cnt", "--to", "net_iov"]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for this module: the kbuild tests share their build directories (warm rebuilds)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_cache(shared_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(shared_cache))
    # git identity from a config file of the test's own, never the machine's
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Tree Developer\n\temail = dev@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def copy_tree(tree_612: Path, into: Path) -> Path:
    copy = into / "linux"
    subprocess.run(["cp", "-al", str(tree_612), str(copy)], check=True)
    if main(["apply", "--tree", str(copy), str(SPEC_612)]) != 0:
        raise AssertionError("mirrorgen apply of the 6.12 seed spec failed")
    assert (copy / HEADER).stat().st_ino != (tree_612 / HEADER).stat().st_ino
    return copy


@pytest.fixture(scope="module")
def prepared(tree_612: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 6.12 tree in the seed form. Tests that patch its header put the bytes back."""
    pristine = (tree_612 / HEADER).read_bytes()
    copy = copy_tree(tree_612, tmp_path_factory.mktemp("tree"))
    yield copy
    assert (tree_612 / HEADER).read_bytes() == pristine, "the cached tree was modified"


@pytest.fixture
def restored(prepared: Path) -> Iterator[Path]:
    header = prepared / HEADER
    seed_form = header.read_bytes()
    yield prepared
    header.unlink()  # a new inode: never write through a hard link
    header.write_bytes(seed_form)


def propose_json(spec: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["propose", str(spec), *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def propose_text(spec: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["propose", str(spec), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def git_apply_check(tree: Path, patch: Path) -> None:
    require_tool("git")
    proc = subprocess.run(["git", "apply", "--check", "-v", str(patch)], cwd=tree, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(["patch", "--dry-run", "-p1", "-i", str(patch)], cwd=tree, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def checkpatch(tree: Path, patch: Path) -> str:
    require_tool("perl")
    script = tree / "scripts" / "checkpatch.pl"
    if not script.is_file():
        unavailable(f"{script}")
    proc = subprocess.run(["perl", str(script), "--no-tree", "--strict", str(patch)], cwd=tree,
                          capture_output=True, text=True, check=False)
    return proc.stdout + proc.stderr


def git_apply(tree: Path, patch: Path) -> None:
    header = tree / HEADER
    assert header.stat().st_nlink == 1, "the header still shares its inode with the cached tree"
    subprocess.run(["git", "apply", str(patch)], cwd=tree, check=True)


def kbuild(tree: Path, spec: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    for tool in ("gcc", "make", "bc", "bison", "flex"):
        require_tool(tool)
    code = main(["kbuild", "--tree", str(tree), "--arch", "x86_64,i386", str(spec), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def message_lines(patch: str) -> list[str]:
    """The commit message: after the headers' blank line, up to the `---` line."""
    rest = patch.partition("\n\n")[2]
    return rest.split("\n---\n", 1)[0].splitlines()


def changed_lines(patch: str) -> list[str]:
    """The diff's added and removed lines, between the file header and the `-- ` signature."""
    hunks = patch.split(f"+++ b/{HEADER}\n", 1)[1].split("\n-- \n", 1)[0]
    return [line for line in hunks.splitlines() if line.startswith(("+", "-"))]


@pytest.mark.slow
@pytest.mark.kbuild
def test_a_net_iov_member_makes_a_patch_that_applies_passes_checkpatch_and_builds(
    restored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = restored
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "frag.patch"
    code, out, err = propose_text(spec, *NET_IOV_MEMBER, "--tree", str(tree), "-o", str(patch), capsys=capsys)
    assert code == 0, err
    assert f"propose: wrote {patch}" in out

    text = patch.read_text()
    assert text.startswith("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                           "From: Tree Developer <dev@example.org>\nDate: ")
    assert "\nSubject: [PATCH] netmem: add frag_cnt to struct net_iov\n" in text
    assert "\nSigned-off-by: Tree Developer <dev@example.org>\n---\n" in text
    assert f"\ndiff --git a/{HEADER} b/{HEADER}\n" in text
    assert all(len(line) <= 75 for line in message_lines(text))
    # Exactly the owned region changes: one line in struct net_iov.
    assert changed_lines(text) == ["+\tunsigned int frag_cnt;"]

    git_apply_check(tree, patch)
    report = checkpatch(tree, patch)
    assert "total: 0 errors, 0 warnings" in report, report

    git_apply(tree, patch)
    assert main(["check", "--tree", str(tree), str(spec)]) == 0  # the tree now holds what the spec makes
    code, built = kbuild(tree, spec, capsys)
    assert code == 0, built["findings"]
    assert [(a["arch"], a["ok"]) for a in built["arches"]] == [("x86_64", True), ("i386", True)]


@pytest.mark.slow
@pytest.mark.kbuild
def test_frag_cnt_in_netmem_desc_is_refused_and_gcc_agrees(
    restored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 bytes fit before _refcount, but sizeof(struct netmem_desc) pads them to 8 on 64-bit ABIs:
    propose says so, writes no patch; with --allow it writes one that the real build rejects on
    x86_64 (the size static_assert) and accepts on i386, as the layout table says."""
    tree = restored
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "frag.patch"
    code, out, _ = propose_text(spec, *FRAG, "--tree", str(tree), "-o", str(patch), capsys=capsys)
    assert code == 1
    assert "no patch written" in out and not patch.exists()

    code, doc = propose_json(spec, "--allow", "size-limit-exceeded", "--tree", str(tree), "-o", str(patch),
                             capsys=capsys)
    assert code == 0
    assert {f["rule"]: f["severity"] for f in doc["findings"]}["size-limit-exceeded"] == "warning"
    text = patch.read_text()
    assert "\nSubject: [PATCH] netmem: add frag_cnt to struct netmem_desc\n" in text
    message = "\n".join(message_lines(text))
    assert "  + frag_cnt " in message and "56 > 52 !" in message and "28 <= 28" in message
    assert "[host-union-sibling]" in message and "_mapcount" in message
    assert "(allowed by --allow size-limit-exceeded) [size-limit-exceeded]" in " ".join(message.split())
    assert all(len(line) <= 75 for line in message_lines(text))
    assert changed_lines(text) == [
        "+\tunsigned int frag_cnt;",
        "+NETMEM_DESC_ASSERT_OFFSET(page_type, frag_cnt);",
        "+\t\t\tunsigned int frag_cnt;",
        "+NET_IOV_ASSERT_OFFSET(frag_cnt, frag_cnt);",
    ]

    git_apply_check(tree, patch)
    report = checkpatch(tree, patch)
    assert "total: 0 errors" in report, report

    git_apply(tree, patch)
    code, built = kbuild(tree, spec, capsys)
    assert code == 1
    assert {a["arch"]: a["ok"] for a in built["arches"]} == {"x86_64": False, "i386": True}
    [failure] = built["findings"]
    assert "sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)" in failure["message"]
    assert "x86_64" in failure["message"] and "i386" not in failure["message"]


def test_without_o_the_diff_is_printed(
    prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    before = (prepared / HEADER).read_bytes()
    code, out, _ = propose_text(spec, *NET_IOV_MEMBER, "--tree", str(prepared), capsys=capsys)
    assert code == 0
    assert out.startswith(f"--- a/{HEADER}\n+++ b/{HEADER}\n@@ ")  # the diff comes first
    assert "\n+\tunsigned int frag_cnt;\n" in out
    assert (prepared / HEADER).read_bytes() == before  # nothing written to the tree
    code, doc = propose_json(spec, "--tree", str(prepared), capsys=capsys)  # the same diff, as JSON
    assert out.startswith(doc["diff"])
    proc = subprocess.run(["git", "apply", "--check", "-"], cwd=prepared, input=doc["diff"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_a_tree_that_already_holds_the_spec_gets_no_patch(
    prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "none.patch"
    code, out, _ = propose_text(spec, "--tree", str(prepared), "-o", str(patch), capsys=capsys)
    assert code == 0
    assert "already holds what tests/specs/netmem-linux-6.12.yaml makes: no diff, no patch" in out
    assert not patch.exists()


@pytest.fixture(scope="module")
def own_tree(tree_612: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second seed-form copy that is also a git repository with its own identity."""
    copy = copy_tree(tree_612, tmp_path_factory.mktemp("own"))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["config", "user.name", "Kernel Hacker"],
                 ["config", "user.email", "hacker@example.net"]):
        subprocess.run(["git", "-C", str(copy), *args], check=True, env=env)
    return copy


def test_sign_off_is_the_trees_own_git_identity(
    own_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "p.patch"
    code, _, _ = propose_text(spec, *NET_IOV_MEMBER, "--tree", str(own_tree), "-o", str(patch), capsys=capsys)
    assert code == 0
    text = patch.read_text()
    assert "From: Kernel Hacker <hacker@example.net>\n" in text
    assert "\nSigned-off-by: Kernel Hacker <hacker@example.net>\n" in text
    assert "Tree Developer" not in text


def test_without_an_identity_the_sign_off_is_left_out_and_said(
    prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(prepared.parent))
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "p.patch"
    args = [*NET_IOV_MEMBER, "--tree", str(prepared), "-o", str(patch)]
    code, out, _ = propose_text(spec, *args, capsys=capsys)
    assert code == 0
    assert "no git identity in" in out and "no From: or Signed-off-by: line" in out
    text = patch.read_text()
    assert "Signed-off-by:" not in text and "\nFrom: " not in text
    # The kernel's checkpatch insists on it: exactly why propose says so.
    assert "ERROR: Missing Signed-off-by: line(s)" in checkpatch(prepared, patch)


def test_o_without_tree_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["propose", str(SPEC_612), "-o", "x.patch"]) == 2
    assert "give --tree KDIR" in capsys.readouterr().err


# -- graded against the tree: the patch's own change, whatever the spec's git history says --------


def _edit_and_commit(spec: Path, old: str, new: str) -> None:
    """Edit the spec and commit it: git HEAD then agrees with the spec, the tree does not."""
    text = spec.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    spec.write_text(text.replace(old, new), encoding="utf-8")
    repo = spec.parents[2]
    git(repo, "commit", "-qam", "edit")


FIELD = {
    "pp_magic": "    - {name: pp_magic, type: unsigned long}\n",
    "pad": "    - {name: _pp_mapping_pad, type: unsigned long}\n",
    "dma": "    - {name: dma_addr, type: unsigned long}\n",
}


@pytest.mark.parametrize(("edit", "rule", "severity", "message"), [
    pytest.param((FIELD["pad"], ""), "field-removed", "error",
                 "_pp_mapping_pad (unsigned long, overlaying struct page's _pp_mapping_pad) is removed "
                 "from struct netmem_desc", id="remove"),
    pytest.param((FIELD["pp_magic"], "    - {name: pp_magic, type: u32}\n"), "field-retyped", "error",
                 "pp_magic changes type from unsigned long to u32", id="retype"),
    pytest.param((FIELD["pad"] + FIELD["dma"], FIELD["dma"] + FIELD["pad"]), "offsets-changed", "error",
                 "dma_addr moves in struct netmem_desc: 32 -> 24 on x86_64", id="move"),
])
def test_a_change_is_graded_against_the_tree_not_git(
    prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    edit: tuple[str, str], rule: str, severity: str, message: str,
) -> None:
    """The spec change is committed, so git HEAD sees no change; the tree still has the old
    layout, and the patch would make the change: it is graded as what it does (exit 1)."""
    spec = spec_repo(tmp_path, SPEC_612)
    _edit_and_commit(spec, *edit)
    monkeypatch.chdir(spec.parents[2])
    patch = tmp_path / "x.patch"
    code, doc = propose_json(spec, "--tree", str(prepared), "-o", str(patch), capsys=capsys)
    assert code == 1
    assert doc["against"] == f"{prepared}/{HEADER}"
    found = [f for f in doc["findings"] if f["rule"] == rule]
    assert found and found[0]["severity"] == severity
    assert found[0]["message"].startswith(message), found[0]["message"]
    assert not patch.exists()
    # Without --tree the same spec against its own git HEAD sees no change at all.
    _, doc = propose_json(spec, capsys=capsys)
    assert doc["changes"] == []


def test_an_added_field_is_graded_against_the_tree(
    prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_repo(tmp_path, SPEC_612)
    _edit_and_commit(spec, "    - struct dmabuf_genpool_chunk_owner *owner\n",
                     "    - struct dmabuf_genpool_chunk_owner *owner\n    - unsigned int frag_cnt\n")
    monkeypatch.chdir(spec.parents[2])
    code, doc = propose_json(spec, "--tree", str(prepared), capsys=capsys)
    assert code == 0
    assert doc["changes"] == [{"kind": "added", "struct": "net_iov", "name": "frag_cnt", "old_name": None}]
    assert [f["rule"] for f in doc["findings"]] == ["field-added"]


def test_a_tree_ahead_of_the_spec_gets_a_breaking_removal(
    restored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's repro: a proposed member lands in the tree, the spec is reset to git HEAD, and
    a new proposal from it would remove the member again: exit 1, naming it, and with --allow the
    patch says it removes exactly that and nothing else."""
    tree = restored
    spec = spec_repo(tmp_path, SPEC_612)
    monkeypatch.chdir(spec.parents[2])
    first = tmp_path / "first.patch"
    code, _, err = propose_text(spec, *NET_IOV_MEMBER, "--tree", str(tree), "-o", str(first), capsys=capsys)
    assert code == 0, err
    git_apply(tree, first)
    git(spec.parents[2], "checkout", "-q", "--", ".")  # the spec is back at HEAD: no frag_cnt

    patch = tmp_path / "x.patch"
    code, out, err = propose_text(spec, "--tree", str(tree), "-o", str(patch), capsys=capsys)
    assert code == 1
    assert "error: frag_cnt (unsigned int) is removed from struct net_iov [field-removed]" in err
    assert "no change against" not in out and not patch.exists()

    code, _, err = propose_text(spec, "--tree", str(tree), "-o", str(patch), "--allow", "field-removed",
                                capsys=capsys)
    assert code == 0, err
    text = patch.read_text()
    assert "\nSubject: [PATCH] netmem: remove frag_cnt from struct net_iov\n" in text
    assert changed_lines(text) == ["-\tunsigned int frag_cnt;"]
    message = "\n".join(message_lines(text))
    assert "frag_cnt (unsigned int) is removed from struct net_iov" in " ".join(message.split())
    assert "tests/specs" not in message  # no path local to the spec's repository


def test_against_with_tree_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["propose", str(SPEC_612), "--tree", str(tmp_path), "--against", "HEAD"]) == 2
    assert "graded against the tree's header" in capsys.readouterr().err
