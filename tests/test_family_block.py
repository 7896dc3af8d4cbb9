"""Every page-mirror family's assert block, imported from the real trees (spec version 2).

For each family present in each fetched tree, at test time (no kernel text is
committed): `import` writes a spec, `check --tree` passes on a copy of the
file; with the block deleted (or any one line of it), `apply` writes the
tree's exact bytes back; every line of the block deleted, duplicated or with
one character changed is exit 1 with a finding that names the macro; the same
mutations on the lines around it (outside the family's struct) leave `check`
at 0. Comment text on uses is the kernel's: imported by default into the
spec, which then restores it; with `--prose kept` the spec holds no text,
and apply refuses when the tree lost it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen.check.tree import check_tree
from codegen.cli import main
from codegen.creader.anchors import scan
from codegen.creader.macroblock import find_block
from codegen.creader.structbody import find_struct
from codegen.family.importer import import_family
from codegen.family.structspec import ProseMode
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from codegen.specfiles import resolve
from tests.families import CASES, cross_check, tree_of

AROUND = 12  # lines on each side of the block mutated as "outside"



class Family:
    """One family: its imported spec and a private copy of its file to mutate."""

    def __init__(self, tree: Path, macro: str, work: Path, prose: ProseMode = "inline") -> None:
        self.macro = macro
        self.spec = work / f"{macro.lower()}.yaml"
        self.spec.write_text(import_family(tree, macro, self.spec.stem, prose=prose))
        self.relative = next(
            line.split(": ", 1)[1] for line in self.spec.read_text().splitlines() if line.startswith("file: ")
        )
        self.root = work / "tree"
        self.target = self.root / self.relative
        self.target.parent.mkdir(parents=True)
        self.original = (tree / self.relative).read_bytes()
        loaded = load_any(self.spec)
        if isinstance(loaded, FamilySpec) and loaded.struct and loaded.struct.file != self.relative:
            (self.root / loaded.struct.file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree / loaded.struct.file, self.root / loaded.struct.file)
        mirror = next(
            line.split(": ", 1)[1]
            for line in self.spec.read_text().splitlines()
            if line.startswith("mirror: ")
        )
        block = find_block(scan(self.original), macro, mirror)
        assert block is not None
        self.first, self.last = block.line - 1, block.end_line - 1  # 0-based, inclusive
        self.lines = self.original.split(b"\n")

    def check(self, data: bytes) -> tuple[int, list[str]]:
        self.target.write_bytes(data)
        outcome = check_tree(self.root, resolve([str(self.spec)]))
        return outcome.exit_code, [f.message for f in outcome.findings]

    def apply(self, data: bytes) -> bytes:
        self.target.write_bytes(data)
        assert main(["apply", "--tree", str(self.root), str(self.spec)]) == 0
        return self.target.read_bytes()

    def without(self, first: int, last: int) -> bytes:
        return b"\n".join(self.lines[:first] + self.lines[last + 1 :])

    def struct_lines(self) -> set[int]:
        """0-based lines of the spec's struct when it is in this file (its own tests:
        test_family_struct.py)."""
        loaded = load_any(self.spec)
        assert isinstance(loaded, FamilySpec) and loaded.struct is not None
        if loaded.struct.file != self.relative:
            return set()
        region = find_struct(scan(self.original), loaded.struct.name)
        assert region is not None
        return set(range(region.line - 1, region.end_line))


@pytest.fixture(params=CASES, ids=[f"{t}-{m}" for t, m in CASES])
def family(request: pytest.FixtureRequest, tmp_path: Path) -> Family:
    tree_name, macro = request.param
    return Family(tree_of(request, tree_name), macro, tmp_path)


def test_import_then_check_is_clean(family: Family) -> None:
    assert family.check(family.original) == (0, [])
    assert "version: 2" in family.spec.read_text()


def test_apply_restores_a_deleted_block(family: Family) -> None:
    """The spec holds the use comments' text (the default prose): all of the block comes back."""
    deleted = family.without(family.first, family.last)
    code, findings = family.check(deleted)
    assert code == 1 and any(f"{family.macro} block missing" in f for f in findings)
    assert family.apply(deleted) == family.original


@pytest.mark.parametrize(("tree_name", "macro"), [("6.12", "SLAB_MATCH"), ("sid", "IOPTDESC_MATCH")])
def test_kept_use_comment_gone_is_refused(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tree_name: str,
    macro: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--prose kept`: the spec says only that a use has a comment; with the block deleted, the
    text is nowhere: check names it, apply refuses (exit 2) and writes nothing."""
    family = Family(tree_of(request, tree_name), macro, tmp_path, prose="kept")
    assert "/*" not in family.spec.read_text()
    assert family.check(family.original) == (0, [])
    deleted = family.without(family.first, family.last)
    code, findings = family.check(deleted)
    assert code == 1 and any("lost its trailing comment" in f for f in findings), findings
    assert main(["apply", "--tree", str(family.root), str(family.spec)]) == 2
    assert "lost its trailing comment" in capsys.readouterr().err
    assert family.target.read_bytes() == deleted


def test_apply_restores_each_deleted_line(family: Family) -> None:
    for i in range(family.first, family.last + 1):
        assert family.apply(family.without(i, i)) == family.original, f"line {i + 1} deleted"


@pytest.mark.slow
def test_every_line_of_the_block_mutated_is_drift(family: Family) -> None:
    for i, kind, data in _mutations(family, range(family.first, family.last + 1)):
        code, findings = family.check(data)
        assert code == 1, f"{kind} line {i + 1}: {family.lines[i]!r}"
        assert any(family.macro in f for f in findings), f"{kind} line {i + 1}: {findings}"


@pytest.mark.slow
def test_lines_around_the_block_mutated_are_not_its_drift(family: Family) -> None:
    around = [
        *range(max(family.first - AROUND, 0), family.first),
        *range(family.last + 1, min(family.last + 1 + AROUND, len(family.lines))),
    ]
    for i, kind, data in _mutations(family, [i for i in around if i not in family.struct_lines()]):
        if any(t in family.lines[i] for t in (b"/*", b"*/", b"{", b"}")):
            continue  # changes which text is code (an open comment swallows the block)
        assert family.check(data)[0] == 0, f"{kind} line {i + 1}: {family.lines[i]!r}"


def test_spec_of_72_against_612_names_renamed_page_words(
    tmp_path: Path, tree_612: Path, tree_sid: Path
) -> None:
    outcome = cross_check(tree_sid, "TABLE_MATCH", tree_612, tmp_path)
    messages = [f.message for f in outcome.findings]
    assert outcome.exit_code == 1
    assert any(
        "renamed page word" in m and "'compound_head' in the tree, 'compound_info' in the spec" in m
        for m in messages
    ), messages
    assert any("'index' in the tree, '__folio_index' in the spec" in m for m in messages), messages
    assert any(
        "renamed ptdesc field" in m and "'__page_flags' in the tree, 'pt_flags'" in m for m in messages
    ), messages


def _mutations(family: Family, lines: Iterator[int] | range | list[int]) -> Iterator[tuple[int, str, bytes]]:
    for i in lines:
        line = family.lines[i]
        yield i, "delete", family.without(i, i)
        yield i, "duplicate", b"\n".join([*family.lines[: i + 1], line, *family.lines[i + 1 :]])
        yield i, "change", b"\n".join([*family.lines[:i], _changed(line), *family.lines[i + 1 :]])


def _changed(line: bytes) -> bytes:
    """One character changed: the first letter or digit outside a trailing comment; a blank
    line gets a space."""
    code = line.split(b"/*")[0]
    for k, byte in enumerate(code):
        if chr(byte).isalnum():
            return line[:k] + (b"Q" if byte != ord("Q") else b"R") + line[k + 1 :]
    return line + b" " if not line.strip() else line[:-1] + b"#"


def test_import_refuses_what_the_form_cannot_say(tmp_path: Path, tree_sid: Path) -> None:
    """A line the form has no word for is exit 2 naming the construct and its line."""
    relative = Path("mm/zpdesc.h")
    root = tmp_path / "tree"
    (root / relative).parent.mkdir(parents=True)
    for rel in (relative,):
        shutil.copyfile(tree_sid / rel, root / rel)
    data = (root / relative).read_bytes()
    marker = b"ZPDESC_MATCH(lru, lru);\n"
    (root / relative).write_bytes(data.replace(marker, marker + b"int stray;\n"))
    line = data[: data.index(marker)].count(b"\n") + 2
    code = main(["import", "--tree", str(root), "--macro", "ZPDESC_MATCH"])
    assert code == 2
    with pytest.raises(Exception) as caught:
        import_family(root, "ZPDESC_MATCH", "z")
    assert f"zpdesc.h:{line}:1: import cannot express" in str(caught.value)


def test_spec_of_612_against_72_keeps_the_trees_comment_on_a_renamed_use(
    tmp_path: Path, tree_612: Path, tree_sid: Path
) -> None:
    outcome = cross_check(tree_612, "SLAB_MATCH", tree_sid, tmp_path)
    messages = [f.message for f in outcome.findings]
    assert outcome.exit_code == 1
    assert any(
        "slab.slab_cache sits on page word 'compound_info' in the tree, 'compound_head'" in m
        for m in messages
    ), messages
    assert any("'flags' in the tree, '__page_flags' in the spec" in m for m in messages), messages
    assert not any("lost its trailing comment" in m for m in messages), messages
    # apply would rewrite the renamed use and keep the tree's comment text after it
    tree_line = next(
        x
        for x in (tree_sid / "mm/slab.h").read_bytes().split(b"\n")
        if x.startswith(b"SLAB_MATCH(compound_info, slab_cache);")
    )
    comment = tree_line.split(b";", 1)[1]
    assert comment.strip().startswith(b"/*")
    assert f"+SLAB_MATCH(compound_head, slab_cache);{comment.decode()}" in outcome.diff


def test_apply_refuses_foreign_text_inside_the_block(
    tmp_path: Path, tree_sid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A declaration inside the block is a human's: check names it, apply writes nothing (exit 2)."""
    family = Family(tree_sid, "ZPDESC_MATCH", tmp_path)
    block = range(family.first, family.last + 1)
    use = next(i for i in block if family.lines[i].startswith(b"ZPDESC_MATCH("))
    data = b"\n".join([*family.lines[: use + 1], b"int stray;", *family.lines[use + 1 :]])
    code, findings = family.check(data)
    assert code == 1 and any("ZPDESC_MATCH block holds" in f for f in findings), findings
    family.target.write_bytes(data)
    assert main(["apply", "--tree", str(family.root), str(family.spec)]) == 2
    assert f"{family.relative}:{use + 2}:1: the ZPDESC_MATCH block holds" in capsys.readouterr().err
    assert family.target.read_bytes() == data
