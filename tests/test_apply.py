"""`mirrorgen apply --tree KDIR`: real trees, hard-linked copies, byte fidelity outside the regions."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT
from tests.test_tree_check import (
    BUNDLED,
    HEADER,
    ONE_ERROR_LINE,
    SPEC_72,
    SPEC_612,
    header_tree,
    line_of,
)

# The seed patch's post-image regions as committed generated output (see test_fidelity.py).
SEED_OUTPUT = ROOT / "generated" / "netmem.h"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def linked_612(tree_612: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole 6.12 tree as a hard-linked copy (`cp -al`): every file shares its inode."""
    copy = tmp_path_factory.mktemp("linked") / "linux"
    subprocess.run(["cp", "-al", str(tree_612), str(copy)], check=True)
    return copy


def apply(tree: Path, *args: str) -> int:
    return main(["apply", "--tree", str(tree), *args])


def check(tree: Path, *specs: str) -> int:
    return main(["check", "--tree", str(tree), *specs])


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\S", text)


def between(text: str, first: str, last: str) -> str:
    start = text.index(first)
    return text[start : text.index(last, start) + len(last)]


def test_612_pre_patch_header_becomes_the_seed_form(
    linked_612: Path, tree_612: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = linked_612 / HEADER
    pristine = (tree_612 / HEADER).read_bytes()
    linked = header.stat()
    assert linked.st_ino == (tree_612 / HEADER).stat().st_ino  # shared with the cache

    # --dry-run: the diff on stdout, nothing written.
    assert apply(linked_612, SPEC_612, "--dry-run") == 0
    diff = capsys.readouterr().out
    assert diff.startswith(f"--- a/{HEADER}\n+++ b/{HEADER}\n")
    assert "+struct netmem_desc {\n" in diff
    assert header.stat().st_ino == linked.st_ino and header.read_bytes() == pristine

    assert check(linked_612, SPEC_612) == 1
    assert apply(linked_612, SPEC_612) == 0
    assert capsys.readouterr().err.strip().endswith(f"wrote {HEADER}")
    after = header.stat()
    assert after.st_ino != linked.st_ino  # replaced by rename, never written in place
    assert (tree_612 / HEADER).read_bytes() == pristine  # the cache's link is untouched
    text = header.read_text(encoding="utf-8")

    # R1 inserted before the /* net_iov */ line, a blank line apart.
    size_assert = "static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount));\n"
    assert size_assert + "\n/* net_iov */\n" in text
    assert text.index("struct netmem_desc {") < text.index("/* net_iov */") < text.index("struct net_iov {")
    # R2 replaced: the union, then 6.12's owner.
    net_iov = between(text, "struct net_iov {", "\n};")
    assert "\tunion {\n\t\tstruct netmem_desc desc;\n" in net_iov
    assert net_iov.endswith("\t};\n\tstruct dmabuf_genpool_chunk_owner *owner;\n};")
    # R3: the old comment and NET_IOV_ASSERT_OFFSET(pg, iov) block replaced.
    assert "#define NET_IOV_ASSERT_OFFSET(desc, iov)" in text and "(pg, iov)" not in text
    assert text.count("These fields in struct page are used by the page_pool") == 1  # only R1's
    assert "/* net_iov is union'ed with struct netmem_desc" in text

    assert check(linked_612, SPEC_612) == 0
    assert apply(linked_612, SPEC_612) == 0  # a second apply is a no-op
    assert capsys.readouterr().err.strip().endswith(f"unchanged {HEADER}")
    again = header.stat()
    assert (again.st_ino, again.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def _seed_post_image() -> str:
    return SEED_OUTPUT.read_text(encoding="utf-8")


def test_bundled_spec_on_612_yields_the_seed_post_image(tree_612: Path, tmp_path: Path) -> None:
    tree = header_tree(tree_612, tmp_path / "tree")
    assert apply(tree, BUNDLED) == 0
    ours = (tree / HEADER).read_text(encoding="utf-8")
    seed = _seed_post_image()
    for first, last in (
        ("/* These fields in struct page", "offsetof(struct page, _refcount));"),  # R1
        ("struct net_iov {", "enum net_iov_type type;\n};"),  # R2
        ("/* net_iov is union'ed", "#undef NET_IOV_ASSERT_OFFSET"),  # R3
    ):
        assert tokens(between(ours, first, last)) == tokens(between(seed, first, last)), first
    # Everything else is 6.12's own text, unchanged.
    pristine = (tree_612 / HEADER).read_text(encoding="utf-8")
    old_r3 = between(pristine, "/* These fields in struct page", "#undef NET_IOV_ASSERT_OFFSET\n")
    old_r2 = between(pristine, "struct net_iov {", "\n};\n")
    new_r1 = between(ours, "/* These fields in struct page", "_refcount));\n\n")
    new_r2 = between(ours, "struct net_iov {", "\n};\n")
    new_r3 = between(ours, "/* net_iov is union'ed", "#undef NET_IOV_ASSERT_OFFSET\n")
    rest_ours = ours.replace(new_r1, "").replace(new_r2, "R2").replace(new_r3, "R3")
    assert rest_ours == pristine.replace(old_r2, "R2").replace(old_r3, "R3")
    assert check(tree, BUNDLED) == 0


def test_current_upstream_spec_leaves_the_sid_header_alone(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = header_tree(tree_sid, tmp_path / "tree")
    before = (tree / HEADER).stat()
    assert apply(tree, SPEC_72) == 0
    assert capsys.readouterr().err == f"unchanged {HEADER}\n"
    after = (tree / HEADER).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (tree / HEADER).read_bytes() == (tree_sid / HEADER).read_bytes()


@pytest.mark.parametrize("spec", [BUNDLED, SPEC_72], ids=["union", "embedded"])
def test_bytes_outside_the_regions_survive(spec: str, tree_sid: Path, tmp_path: Path) -> None:
    """CRLF endings, no final newline, non-UTF-8 bytes and spaces for tabs, all outside the regions."""
    raw = (tree_sid / HEADER).read_bytes()
    odd = (raw.replace(b"Network memory", b"Network memory \xff\xfe\x80")
              .replace(b"\treturn niov->owner;", b"        return niov->owner;")
              .replace(b"\n", b"\r\n").rstrip(b"\r\n"))
    tree = header_tree(tree_sid, tmp_path / "tree", odd)
    assert apply(tree, BUNDLED) == 0
    union_form = (tree / HEADER).read_bytes()
    assert check(tree, BUNDLED) == 0
    assert apply(tree, spec) == 0
    final = (tree / HEADER).read_bytes()
    if spec == SPEC_72:
        assert final == odd  # union form and back: every byte as it was
    assert final.count(b"\r\n") == final.count(b"\n")  # the regions put in use CRLF too
    for data in (union_form, final):
        # Before the first region and after the last one, nothing moved.
        first = data.index(b"/* These fields")
        assert data[:first] == odd[:first]
        tail = odd[odd.index(b"\r\nstatic inline struct net_iov_area *net_iov_owner") :]
        assert data.endswith(tail) and not data.endswith(b"\n")


def test_a_header_that_lacks_the_insertion_point(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (tree_sid / HEADER).read_text(encoding="utf-8")
    no_r1 = text[: text.index("/* These fields")] + text[text.index("/* net_iov */") :]
    no_marker = no_r1.replace("/* net_iov */\n\n", "")
    tree = header_tree(tree_sid, tmp_path / "tree", no_marker.encode())
    assert apply(tree, SPEC_72) == 2
    err = capsys.readouterr().err
    assert ONE_ERROR_LINE.match(err), err
    assert "cannot insert region R1 (struct netmem_desc): the header has no line '/* net_iov */'" in err
    assert (tree / HEADER).read_text(encoding="utf-8") == no_marker
    assert check(tree, SPEC_72) == 1
    assert "region R1 (struct netmem_desc) missing, and apply cannot insert it" in capsys.readouterr().err


def test_an_unterminated_struct_is_reported_not_spliced(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (tree_sid / HEADER).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    end = line_of(text, "};", line_of(text, "struct netmem_desc {"))
    broken = "".join(lines[: end - 1] + lines[end:])
    tree = header_tree(tree_sid, tmp_path / "tree", broken.encode())
    assert check(tree, SPEC_72) == 1
    assert "runs into region R2 (struct net_iov)" in capsys.readouterr().err
    assert apply(tree, SPEC_72) == 2
    assert ONE_ERROR_LINE.match(capsys.readouterr().err)
    assert (tree / HEADER).read_text(encoding="utf-8") == broken


def test_refuses_a_symlink_that_leaves_the_tree(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.h"
    outside.write_bytes((tree_sid / HEADER).read_bytes())
    tree = header_tree(tree_sid, tmp_path / "tree")
    (tree / HEADER).unlink()
    (tree / HEADER).symlink_to(outside)
    assert apply(tree, BUNDLED) == 2
    err = capsys.readouterr().err
    assert ONE_ERROR_LINE.match(err) and "outside the tree" in err
    assert outside.read_bytes() == (tree_sid / HEADER).read_bytes()
    # A linked directory on the way leaves the tree just the same.
    (tree / HEADER).unlink()
    (tree / "include" / "net").rmdir()
    (tree / "include" / "net").symlink_to(tmp_path / "netdir", target_is_directory=True)
    (tmp_path / "netdir").mkdir()
    os.link(outside, tmp_path / "netdir" / "netmem.h")
    assert apply(tree, BUNDLED) == 2
    assert "outside the tree" in capsys.readouterr().err
    assert outside.read_bytes() == (tree_sid / HEADER).read_bytes()


def test_writes_through_a_symlink_inside_the_tree(tree_sid: Path, tmp_path: Path) -> None:
    tree = header_tree(tree_sid, tmp_path / "tree")
    real = tree / "include" / "net" / "netmem-real.h"
    (tree / HEADER).rename(real)
    (tree / HEADER).symlink_to("netmem-real.h")
    assert apply(tree, BUNDLED) == 0
    assert (tree / HEADER).is_symlink()
    assert b"\tunion {\n" in real.read_bytes()
    assert check(tree, BUNDLED) == 0


def test_refuses_a_target_that_escapes_the_tree(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "escape.yaml"
    spec.write_text(Path(SPEC_72).read_text(encoding="utf-8").replace(
        "file: include/net/netmem.h", "file: ../include/net/netmem.h"), encoding="utf-8")
    tree = header_tree(tree_sid, tmp_path / "tree")
    assert apply(tree, str(spec)) == 2
    err = capsys.readouterr().err
    assert ONE_ERROR_LINE.match(err) and "stay inside" in err


def test_a_renamed_macro_replaces_the_old_block(tree_612: Path, tmp_path: Path) -> None:
    tree = header_tree(tree_612, tmp_path / "tree")
    assert apply(tree, SPEC_612) == 0
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(Path(SPEC_612).read_text(encoding="utf-8").replace(
        "macro: NET_IOV_ASSERT_OFFSET", "macro: NIOV_ASSERT_OFFSET"), encoding="utf-8")
    assert apply(tree, str(renamed)) == 0
    text = (tree / HEADER).read_text(encoding="utf-8")
    assert "NET_IOV_ASSERT_OFFSET" not in text
    assert text.count("#define NIOV_ASSERT_OFFSET(desc, iov)") == 1
    assert text.count("/* net_iov is union'ed") == 1
    assert check(tree, str(renamed)) == 0


def test_two_specs_for_one_header_apply_in_order(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = header_tree(tree_sid, tmp_path / "tree")
    assert apply(tree, SPEC_72, BUNDLED) == 0  # the second works on the first one's result
    assert capsys.readouterr().err == f"wrote {HEADER}\n"  # one write for the header
    assert check(tree, BUNDLED) == 0
    assert apply(tree, BUNDLED, SPEC_72) == 0
    assert (tree / HEADER).read_bytes() == (tree_sid / HEADER).read_bytes()
