"""Family discovery on small C text written here (no kernel text): sites, families, the per-file
cache, and scan's bad-input paths. The whole-tree tests are in test_scan.py."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.family import listing as ls
from codegen.family.discover import families
from codegen.family.model import Family
from codegen.family.sites import file_sites, may_compare
from codegen.family.treescan import RACY_NS, scan_tree
from tests.conftest import unavailable

MACROS = b"""\
struct host { unsigned long a; unsigned long b; int c; };
struct copy { unsigned long x; unsigned long y; int z; };

#define COPY_MATCH(h, m) \\
\tstatic_assert(offsetof(struct host, h) == offsetof(struct copy, m))
COPY_MATCH(a, x);
COPY_MATCH(b, y);
#ifdef CONFIG_Z
COPY_MATCH(c, z);
#endif
#undef COPY_MATCH
#define COPY_MATCH(h, m) \\
\tstatic_assert(offsetof(struct copy, m) == offsetof(struct host, h) + 2 * sizeof(struct host))
COPY_MATCH(a, x);
static_assert(sizeof(struct copy) <= sizeof(struct host));
#define ANY_MATCH(t1, f1, t2, f2) static_assert(offsetof(t1, f1) == offsetof(t2, f2))
"""

DIRECT = b"""\
static_assert(offsetof(struct left, one) == offsetof(struct right, uno));
static_assert(offsetof(struct left, two) == offsetof(struct right, dos));
static_assert(offsetof(struct left, one) < offsetof(struct left, two));
void f(void)
{
\tBUILD_BUG_ON(offsetof(struct left, one) != offsetof(union other, first));
\tif (offsetof(struct left, one) == offsetof(struct right, uno))
\t\treturn;
}
"""


def test_a_macro_family_with_conditional_uses_redefinitions_and_a_size_bound() -> None:
    (family,) = families({"mirror.h": file_sites(MACROS)})
    assert (family.kind, family.name, family.host, family.mirror) == (
        "macro",
        "COPY_MATCH",
        "struct host",
        "struct copy",
    )
    assert [(d.line, d.params) for d in family.defines] == [(4, ("h", "m")), (12, ("h", "m"))]
    pairs = [(p.line, p.host.field, p.mirror.field, p.host.page, p.condition) for p in family.pairs]
    assert pairs == [
        (6, "a", "x", 0, None),
        (7, "b", "y", 0, None),
        (9, "c", "z", 0, "#ifdef CONFIG_Z"),
        (14, "a", "x", 2, None),  # operands reversed in the second define: still host first
    ]
    assert family.uses == 4 and family.files == ["mirror.h"]
    assert [(b.line, b.bound) for b in family.size_bounds] == [(15, "sizeof(struct host)")]


def test_plain_assert_lists_and_one_off_sites_group_by_struct_pair() -> None:
    found = families({"a.c": file_sites(DIRECT)})
    shown = sorted((f.name, f.host, f.mirror, [p.line for p in f.pairs]) for f in found)
    # the `<` comparison and the `if` are not asserts; one struct with itself is no mirror
    assert shown == [
        ("BUILD_BUG_ON", "struct left", "union other", [6]),
        ("static_assert", "struct left", "struct right", [1, 2]),
    ]


def test_the_prefilter_wants_two_offsetof_compared_in_one_statement() -> None:
    assert may_compare(DIRECT) and may_compare(MACROS)
    assert not may_compare(b"x = offsetof(struct a, b);\ny = offsetof(struct a, c) == 0;\n")
    assert not may_compare(b"int offsetof_only_once == 1;")


def write_tree(root: Path) -> Path:
    (root / "include").mkdir(parents=True)
    (root / "include" / "mirror.h").write_bytes(MACROS)
    (root / "lib").mkdir()
    (root / "lib" / "a.c").write_bytes(DIRECT)
    (root / "lib" / "plain.c").write_bytes(b"int x = offsetof(struct a, b);\n")
    (root / "lib" / "notes.txt").write_bytes(DIRECT)  # not .c/.h: never read
    return root


def settle() -> None:
    """Wait until what was just written is no longer racy: its times are then older than a scan's
    start by more than the coarsest file time, so a repeated scan may trust its key."""
    time.sleep(RACY_NS / 1e9 + 0.2)


def pairs(found: list[Family]) -> list[tuple[str, str, str]]:
    return [(p.file, p.host.field, p.mirror.field) for f in found for p in f.pairs]


def test_a_repeated_scan_reads_only_what_changed(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree")
    cache = tmp_path / "cache.idx"
    settle()
    first, stats = scan_tree(tree, jobs=2, cache_file=cache)
    assert (stats.files, stats.read, stats.parsed) == (3, 3, 2)
    again, stats = scan_tree(tree, jobs=2, cache_file=cache)
    assert (stats.files, stats.read) == (3, 0) and again == first
    # same size, the old mtime put back: only the ctime tells; a new file; a deleted one
    a_c = tree / "lib" / "a.c"
    old = a_c.stat()
    a_c.write_bytes(DIRECT.replace(b"struct right, dos)", b"struct right, tos)"))
    os.utime(a_c, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert a_c.stat().st_size == old.st_size and a_c.stat().st_mtime_ns == old.st_mtime_ns
    (tree / "lib" / "b.c").write_bytes(DIRECT.replace(b"struct left", b"struct port"))
    (tree / "lib" / "plain.c").unlink()
    settle()
    changed, stats = scan_tree(tree, jobs=1, cache_file=cache)
    assert (stats.files, stats.read) == (3, 2)
    assert changed == families({rel: file_sites((tree / rel).read_bytes()) for rel in
                                ("include/mirror.h", "lib/a.c", "lib/b.c")})  # fmt: skip
    assert ("lib/a.c", "two", "tos") in pairs(changed)
    assert ("lib/a.c", "two", "dos") not in pairs(changed)
    assert {f.file for f in changed} == {"include/mirror.h", "lib/a.c", "lib/b.c"}
    _, stats = scan_tree(tree, jobs=1, cache_file=cache)
    assert (stats.files, stats.read) == (3, 0)


def test_a_file_changed_around_a_scan_is_read_again_until_it_settles(tmp_path: Path) -> None:
    """Its key may have been taken before its last write within one tick of the file clock."""
    tree = write_tree(tmp_path / "tree")
    cache = tmp_path / "cache.idx"
    first, stats = scan_tree(tree, cache_file=cache)
    again, stats = scan_tree(tree, cache_file=cache)
    assert stats.read == 3 and again == first
    settle()
    scan_tree(tree, cache_file=cache)
    _, stats = scan_tree(tree, cache_file=cache)
    assert stats.read == 0


def test_find_and_the_python_walk_list_the_same_records(tmp_path: Path) -> None:
    if shutil.which("find") is None:
        unavailable("GNU find")
    tree = write_tree(tmp_path / "tree")
    (tree / "lib" / "link.c").symlink_to("a.c")  # not followed, not listed
    (tree / "lib" / "dir.h").mkdir()  # not a file
    (tree / "top.c").write_bytes(DIRECT)  # a file at the top
    chunks = [out for _, code, out in sorted(ls.run_all(tree, ls.find_argvs(tree, 2), 2))]
    by_find = sorted(ls.rows(b"".join(chunks)))
    paths = sorted(ls.path_of(row) for row in by_find)
    assert paths == ["include/mirror.h", "lib/a.c", "lib/plain.c", "top.c"]
    assert by_find == sorted(ls.rows(ls.walk_listing(tree)))


def test_grep_names_the_files_with_offsetof_and_no_others(tmp_path: Path) -> None:
    if shutil.which("grep") is None:
        unavailable("grep")
    tree = write_tree(tmp_path / "tree")
    (tree / "lib" / "none.c").write_bytes(b"int x;\n")
    (tree / "lib" / "link.c").symlink_to("a.c")
    (tree / "top.h").symlink_to("include/mirror.h")
    os.mkfifo(tree / "lib" / "fifo.c")  # not listed; grep would wait for a writer
    listing = b"".join(out for _, _, out in sorted(ls.run_all(tree, ls.find_argvs(tree, 2), 2)))
    outs = [out for _, _, out in ls.run_all(tree, ls.grep_file_argvs(*ls.paths_and_sizes(listing), 2), 2)]
    found = [p for out in outs for p in ls.grep_found(out)]
    assert sorted(found) == ["include/mirror.h", "lib/a.c", "lib/plain.c"]
    argvs = ls.grep_file_argvs([b"lib/none.c", b"lib/a.c", b"lib/gone.c"], [0, 0, 0], 1)
    (code, out), = [(code, out) for _, code, out in ls.run_all(tree, argvs, 1)]
    assert code == 2 and ls.grep_found(out) == ["lib/a.c"]  # 2: the caller reads that chunk itself


def test_a_damaged_cache_is_a_miss_never_a_wrong_answer(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree")
    cache = tmp_path / "cache.idx"
    first, _ = scan_tree(tree, cache_file=cache)
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cache.write_bytes(bytes(data))
    again, stats = scan_tree(tree, cache_file=cache)
    assert stats.read == 3 and again == first
    cache.write_bytes(b"not an index")
    again, stats = scan_tree(tree, cache_file=cache)
    assert stats.read == 3 and again == first
    assert not list(tmp_path.glob(".cache.idx.*.tmp"))  # written by rename, nothing left over


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_small_tree_as_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = write_tree(tmp_path / "tree")
    code, out, err = scan(capsys, "--tree", str(tree), "--layouts", "none")
    assert code == 0 and err == ""
    assert "include/mirror.h:4" in out and "COPY_MATCH" in out and "3 families in 3 files" in out
    code, out, _ = scan(capsys, "--tree", str(tree), "--layouts", "none", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["command"] == "scan" and doc["hazards"] == []
    (macro,) = [f for f in doc["families"] if f["kind"] == "macro"]
    assert (macro["file"], macro["line"], macro["uses"], macro["owner"]) == ("include/mirror.h", 4, 4, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tree", "{missing}"], "{missing}:1:1: not a directory: give a kernel source tree\n"),
        (["--tree", "{tree}", "--layouts", "vax"], "mirrorgen scan: error: --layouts takes 'none' or arches"),
        (
            ["--tree", "{tree}", "--baseline", "{bad}"],
            "{bad}:1:2: not a scan baseline: Expecting property name",
        ),
        (["--tree", "{tree}", "--baseline", "{old}"], "{old}:1:1: not a scan baseline of version 1\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    tree = write_tree(tmp_path / "tree")
    (tmp_path / "bad.json").write_text("{,}", encoding="utf-8")
    (tmp_path / "old.json").write_text('{"version": 0, "hazards": []}', encoding="utf-8")
    names = {"missing": str(tmp_path / "nope"), "tree": str(tree), "bad": str(tmp_path / "bad.json"),
             "old": str(tmp_path / "old.json")}  # fmt: skip
    code, out, err = scan(capsys, *(a.format(**names) for a in args))
    assert code == 2 and out == ""
    assert err.startswith(message.format(**names)) and err.count("\n") == 1


OPEN_HEADER = b"""\
struct host { unsigned long a; unsigned long b; };
struct copy { unsigned long x; unsigned long y; };
#define OPEN_MATCH(h, m) static_assert(offsetof(struct host, h) == offsetof(struct copy, m))
OPEN_MATCH(a, x);
"""
CLOSED_HEADER = OPEN_HEADER.replace(b"OPEN_MATCH", b"SHUT_MATCH") + b"#undef SHUT_MATCH\n"


def test_a_macro_a_header_leaves_defined_counts_its_uses_in_other_files(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "include").mkdir(parents=True)
    (tree / "include" / "open.h").write_bytes(OPEN_HEADER)
    (tree / "include" / "shut.h").write_bytes(CLOSED_HEADER)
    (tree / "lib").mkdir()
    # no offsetof here: found by the second search, for the open macro's name
    (tree / "lib" / "user.c").write_bytes(b'#include "open.h"\nOPEN_MATCH(b, y);\nSHUT_MATCH(b, y);\n')
    # its own macro of that name: not a use of the header's
    (tree / "lib" / "own.c").write_bytes(b"#define OPEN_MATCH(p) p\nint z = OPEN_MATCH(1);\n")
    cache = tmp_path / "cache.idx"
    settle()
    found, stats = scan_tree(tree, cache_file=cache)
    by_name = {f.name: f for f in found}
    assert [(p.file, p.line, p.host.field, p.mirror.field) for p in by_name["OPEN_MATCH"].pairs] == [
        ("include/open.h", 4, "a", "x"), ("lib/user.c", 2, "b", "y")
    ]
    assert by_name["OPEN_MATCH"].defines[0].file == "include/open.h" and by_name["OPEN_MATCH"].uses == 2
    assert by_name["SHUT_MATCH"].uses == 1  # #undef'd: no other file can use it
    again, stats = scan_tree(tree, cache_file=cache)
    assert again == found and stats.read == 0
    (tree / "lib" / "user.c").write_bytes(b"OPEN_MATCH(a, x);\nOPEN_MATCH(b, y);\n")
    settle()
    more, stats = scan_tree(tree, cache_file=cache)
    assert stats.read == 1 and [f.uses for f in more if f.name == "OPEN_MATCH"] == [3]
    (tree / "include" / "open.h").write_bytes(OPEN_HEADER + b"#undef OPEN_MATCH\n")
    settle()
    closed, _ = scan_tree(tree, cache_file=cache)
    assert [f.uses for f in closed if f.name == "OPEN_MATCH"] == [1]
