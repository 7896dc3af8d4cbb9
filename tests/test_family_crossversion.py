"""A family spec imported from one kernel, checked against the other (7.2 <-> 6.12).

The findings must be the real differences in kernel terms (renamed page words,
the slab freelist words moved into `struct freelist_counters`, changed types),
and since the spec's page words do not exist in the other tree's struct page,
`check` must not offer `apply` as the fix and `apply` must refuse, writing
nothing: its asserts would not compile there. Specs are imported from the
fetched trees at test time.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.family.importer import import_family

HOST_HEADER = "include/linux/mm_types.h"


def _copy(tree: Path, work: Path, files: list[str]) -> Path:
    root = work / "tree"
    for rel in {*files, HOST_HEADER}:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / rel, root / rel)
    return root


def _digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "target", "macro", "file", "expected"),
    [
        ("sid", "6.12", "FOLIO_MATCH", HOST_HEADER, [
            "renamed page word: folio.lru sits on page word 'compound_head' in the tree, "
            "'compound_info' in the spec",
            "renamed page word: folio.index sits on page word 'index' in the tree, '__folio_index' in the "
            "spec",
            "struct folio: field 'flags' is 'unsigned long' in the tree, 'memdesc_flags_t' in the spec",
            "struct folio: field '_mm_id' (mm_id_t[2]) is missing from the tree",
            "struct page here has no words 'compound_info', '__folio_index'",
        ]),
        ("sid", "6.12", "TABLE_MATCH", HOST_HEADER, [
            "struct ptdesc: renamed field: '__page_flags' (unsigned long) in the tree, 'pt_flags' "
            "(memdesc_flags_t) in the spec (on page.flags)",
            "renamed page word: ptdesc.pt_list sits on page word 'compound_head' in the tree",
        ]),
        ("sid", "6.12", "SLAB_MATCH", "mm/slab.h", [
            "struct slab: where the spec embeds 'struct freelist_counters' (after 'slab_list'), the tree has "
            "the fields 'next', 'slabs', 'freelist', 'counters', 'inuse', 'objects', 'frozen', "
            "'freelist_counter'",
            "struct slab: renamed field: '__page_flags' (unsigned long) in the tree, "
            "'flags' (memdesc_flags_t)",
            "struct page here has no word 'compound_info'",
        ]),
        ("6.12", "sid", "SLAB_MATCH", "mm/slab.h", [
            "struct slab: where the tree embeds 'struct freelist_counters' (after 'slab_list'), the spec has",
            "struct page here has no word 'compound_head'",
        ]),
    ],
)
def test_other_kernel_in_kernel_terms(request: pytest.FixtureRequest, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], source: str, target: str,
                                      macro: str, file: str, expected: list[str]) -> None:
    trees = {name: Path(request.getfixturevalue(fixture))
             for name, fixture in (("6.12", "tree_612"), ("sid", "tree_sid"))}
    spec = tmp_path / "spec.yaml"
    spec.write_text(import_family(trees[source], macro, "spec"))
    root = _copy(trees[target], tmp_path, [file])
    before = _digest(root)

    code, err = _run(capsys, "check", "--tree", str(root), str(spec))
    assert code == 1
    for text in expected:
        assert text in err, text
    assert "[other-kernel]" in err
    assert "to fix, run: mirrorgen apply" not in err
    # One finding for the freelist words, not one per field.
    assert "'freelist' (void *) is in the tree but not in the spec" not in err

    code, err = _run(capsys, "apply", "--tree", str(root), str(spec))
    assert code == 2
    assert err.count("\n") == 1 and "apply would not compile, refusing to rewrite" in err
    assert _digest(root) == before


@pytest.mark.slow
def test_same_kernel_still_offers_apply(tree_612: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A spec of this tree's own kernel with one use dropped from the tree is fixed by apply."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(import_family(tree_612, "TABLE_MATCH", "spec"))
    root = _copy(tree_612, tmp_path, [HOST_HEADER])
    header = root / HOST_HEADER
    header.write_bytes(header.read_bytes().replace(b"TABLE_MATCH(rcu_head, pt_rcu_head);\n", b"", 1))

    code, err = _run(capsys, "check", "--tree", str(root), str(spec))
    assert code == 1 and "[other-kernel]" not in err
    assert f"to fix, run: mirrorgen apply --tree {root}" in err
    assert _run(capsys, "apply", "--tree", str(root), str(spec))[0] == 0
    assert header.read_bytes() == (tree_612 / HOST_HEADER).read_bytes()


@pytest.mark.slow
def test_a_field_declared_twice_is_compared_copy_by_copy(tree_sid: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """7.2 folio declares _entire_mapcount under #ifdef CONFIG_64BIT and again under #ifndef:
    a change to the second copy is named as that copy's, not hidden behind the first."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(import_family(tree_sid, "FOLIO_MATCH", "spec"))
    root = _copy(tree_sid, tmp_path, [HOST_HEADER])
    header = root / HOST_HEADER
    data = header.read_bytes()
    first = data.index(b"\tatomic_t _entire_mapcount;")
    second = data.index(b"\tatomic_t _entire_mapcount;", first + 1)
    header.write_bytes(data[:second] + b"\tlong _entire_mapcount;" + data[second + 27:])

    code, err = _run(capsys, "check", "--tree", str(root), str(spec))
    assert code == 1
    assert "struct folio: field '_entire_mapcount' is 'long' in the tree, 'atomic_t' in the spec" in err
    assert "moved" not in err and "under" not in err, err


def test_the_host_struct_is_read_with_its_conditional_members(tree_612: Path, tree_sid: Path) -> None:
    from codegen.creader.shape import member_names

    old = member_names((tree_612 / HOST_HEADER).read_bytes(), "page")
    new = member_names((tree_sid / HOST_HEADER).read_bytes(), "page")
    assert old is not None and new is not None
    assert {"compound_head", "index", "memcg_data", "_refcount"} <= old[1]  # memcg_data is under #ifdef
    assert "compound_info" not in old[1] and "__folio_index" not in old[1]
    assert {"compound_info", "__folio_index", "memcg_data"} <= new[1]
    assert member_names((tree_612 / HOST_HEADER).read_bytes(), "no_such_struct") is None
