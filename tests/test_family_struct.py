"""Every page-mirror family's struct body, imported from the real trees (spec version 2, `struct:`).

For each family present in each fetched tree, at test time (no kernel text is
committed): `import` writes a spec owning the struct and the assert block,
`check --tree` passes on a copy of the file(s); with both regions deleted,
`apply` writes the tree's exact bytes back and a second `apply` writes
nothing; every line of the struct deleted, duplicated or with one character
changed is exit 1 with a finding that names the struct; the same mutations on
the lines around it leave `check` at 0. With `--prose kept` the spec holds no
comment text of the tree, still checks clean, and apply refuses when a kept
comment is gone.
"""

from __future__ import annotations

import hashlib
import os
import re
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
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from codegen.specfiles import resolve
from tests.families import CASES, cross_check, tree_of

AROUND = 12  # lines on each side of the struct mutated as "outside"



class Family:
    """One family's imported spec and private copies of its file(s)."""

    def __init__(self, tree: Path, macro: str, work: Path, prose: str = "inline") -> None:
        self.tree, self.macro = tree, macro
        self.spec = work / f"{macro.lower()}.yaml"
        self.spec.write_text(import_family(tree, macro, self.spec.stem, prose=prose))  # type: ignore[arg-type]
        loaded = load_any(self.spec)
        assert isinstance(loaded, FamilySpec) and loaded.struct is not None
        self.model = loaded
        self.name = loaded.struct.name
        self.root = work / "tree"
        self.files = sorted({loaded.file, loaded.struct.file})
        self.original = {}
        for rel in self.files:
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree / rel, self.root / rel)
            self.original[rel] = (tree / rel).read_bytes()
        self.target = self.root / loaded.struct.file
        data = self.original[loaded.struct.file]
        region = find_struct(scan(data), self.name)
        assert region is not None
        self.first, self.last = region.line - 1, region.end_line - 1  # 0-based, inclusive
        self.lines = data.split(b"\n")

    def reset(self) -> None:
        for rel in self.files:
            (self.root / rel).write_bytes(self.original[rel])

    def check(self, data: bytes) -> tuple[int, list[str]]:
        self.target.write_bytes(data)
        outcome = check_tree(self.root, resolve([str(self.spec)]))
        return outcome.exit_code, [f.message for f in outcome.findings]

    def without(self, first: int, last: int) -> bytes:
        return b"\n".join(self.lines[:first] + self.lines[last + 1 :])


@pytest.fixture(params=CASES, ids=[f"{t}-{m}" for t, m in CASES])
def family(request: pytest.FixtureRequest, tmp_path: Path) -> Family:
    tree_name, macro = request.param
    return Family(tree_of(request, tree_name), macro, tmp_path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_then_check_is_clean(family: Family) -> None:
    assert check_tree(family.root, resolve([str(family.spec)])).exit_code == 0
    assert "struct:" in family.spec.read_text()


def test_apply_restores_the_deleted_struct_and_block(family: Family) -> None:
    """Both regions cut from the copies (each with its newline): apply gives the tree's bytes."""
    spec = family.model
    assert spec.struct is not None
    for rel, find in (
        (spec.struct.file, lambda a: find_struct(a, family.name)),
        (spec.file, lambda a: find_block(a, spec.macro, spec.mirror)),
    ):
        path = family.root / rel
        data = path.read_bytes()
        found = find(scan(data))
        assert found is not None
        path.write_bytes(data[: found.start] + data[found.end + 1 :])
    outcome = check_tree(family.root, resolve([str(family.spec)]))
    assert outcome.exit_code == 1
    assert any(f"struct {family.name} missing" in f.message for f in outcome.findings)
    assert main(["apply", "--tree", str(family.root), str(family.spec)]) == 0
    for rel in family.files:
        assert _sha(family.root / rel) == hashlib.sha256(family.original[rel]).hexdigest(), rel
    before = {rel: os.stat(family.root / rel) for rel in family.files}
    assert main(["apply", "--tree", str(family.root), str(family.spec)]) == 0
    for rel in family.files:
        after = os.stat(family.root / rel)
        assert (after.st_ino, after.st_mtime_ns) == (before[rel].st_ino, before[rel].st_mtime_ns), rel


@pytest.mark.slow
def test_every_line_of_the_struct_mutated_is_drift(family: Family) -> None:
    for i, kind, data in _mutations(family, range(family.first, family.last + 1)):
        code, findings = family.check(data)
        assert code == 1, f"{kind} line {i + 1}: {family.lines[i]!r}"
        assert any(f"struct {family.name}" in f for f in findings), f"{kind} line {i + 1}: {findings}"


@pytest.mark.slow
def test_lines_around_the_struct_mutated_are_not_its_drift(family: Family) -> None:
    block = find_block(scan(family.original[family.model.file]), family.macro, family.model.mirror)
    assert block is not None
    same_file = family.model.struct is not None and family.model.file == family.model.struct.file
    ours = set(range(block.line - 1, block.end_line)) if same_file else set()
    around = [
        *range(max(family.first - AROUND, 0), family.first),
        *range(family.last + 1, min(family.last + 1 + AROUND, len(family.lines))),
    ]
    for i, kind, data in _mutations(family, [i for i in around if i not in ours]):
        if any(t in family.lines[i] for t in (b"/*", b"*/", b"{", b"}")):
            continue  # changes which text is code (an open comment swallows the struct)
        code, findings = family.check(data)
        if code and all(family.macro in f for f in findings):
            continue  # the assert block's own drift: a line next to it (test_family_block)
        assert code == 0, f"{kind} line {i + 1}: {family.lines[i]!r}: {findings}"


def _mutations(family: Family, lines: Iterator[int] | range | list[int]) -> Iterator[tuple[int, str, bytes]]:
    for i in lines:
        line = family.lines[i]
        yield i, "delete", family.without(i, i)
        yield i, "duplicate", b"\n".join([*family.lines[: i + 1], line, *family.lines[i + 1 :]])
        yield i, "change", b"\n".join([*family.lines[:i], _changed(line), *family.lines[i + 1 :]])


def _changed(line: bytes) -> bytes:
    """One character changed: the first letter or digit; a blank line gets a space."""
    for k, byte in enumerate(line):
        if chr(byte).isalnum():
            return line[:k] + (b"Q" if byte != ord("Q") else b"R") + line[k + 1 :]
    return line + b" " if not line.strip() else line[:-1] + b"#"


@pytest.mark.parametrize(("tree_name", "macro"), CASES, ids=[f"{t}-{m}" for t, m in CASES])
def test_prose_kept_spec_holds_no_comment_text(
    request: pytest.FixtureRequest, tmp_path: Path, tree_name: str, macro: str
) -> None:
    family = Family(tree_of(request, tree_name), macro, tmp_path, prose="kept")
    text = family.spec.read_text()
    spec = family.model
    assert spec.struct is not None
    owned = []
    for rel, find in (
        (spec.struct.file, lambda a: find_struct(a, family.name)),
        (spec.file, lambda a: find_block(a, spec.macro, spec.mirror)),
    ):
        found = find(scan(family.original[rel]))
        assert found is not None
        owned += list(_comments(family.original[rel], found.start, found.end))
    for comment in owned:
        assert comment not in text, f"{comment!r} is in the spec"
    assert check_tree(family.root, resolve([str(family.spec)])).exit_code == 0


def _comments(data: bytes, start: int, end: int) -> Iterator[str]:
    """The text of each line of each comment in [start, end), without its delimiters and
    without kernel-doc markers (facts, which a spec may hold)."""
    stack = [scan(data).tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment" and start <= node.start_byte < end:
            for row in node.text.decode("utf-8", "replace").split("\n"):
                words = row.strip().removeprefix("/*").removesuffix("*/").strip(" *\t")
                for marker in ("private:", "public:"):
                    words = words.removeprefix(marker).strip()
                if len(words) > 3 and not re.match(r"^!?[A-Za-z_]\w*$", words):  # a symbol is a fact
                    yield words
        stack += node.children


def test_prose_kept_apply_refuses_when_the_text_is_gone(
    tmp_path: Path, tree_sid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    family = Family(tree_sid, "ZPDESC_MATCH", tmp_path, prose="kept")
    region = find_struct(scan(family.original[family.model.file]), family.name)
    assert region is not None
    inner = next(x for x in region.lines if x.kind == "comment")
    data = family.original[family.model.file]
    cut = data[: inner.start] + data[inner.end + 1 :]
    code, findings = family.check(cut)
    assert code == 1 and any("kept-text-lost" in f for f in findings), findings
    assert main(["apply", "--tree", str(family.root), str(family.spec)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kept-text-lost" in err[0] and f"{family.model.file}:{region.line}:" in err[0]
    assert family.target.read_bytes() == cut


def test_spec_of_72_against_612_names_struct_changes_in_kernel_terms(
    tmp_path: Path, tree_612: Path, tree_sid: Path
) -> None:
    outcome = cross_check(tree_sid, "TABLE_MATCH", tree_612, tmp_path)
    messages = [f.message for f in outcome.findings]
    assert outcome.exit_code == 1
    assert any(
        "struct ptdesc: renamed field: '__page_flags' (unsigned long) in the tree, "
        "'pt_flags' (memdesc_flags_t) in the spec (on page.flags)" in m
        for m in messages
    ), messages


def test_import_refuses_what_the_struct_form_cannot_say(tmp_path: Path, tree_sid: Path) -> None:
    relative = "mm/zpdesc.h"
    root = tmp_path / "tree"
    (root / relative).parent.mkdir(parents=True)
    data = (tree_sid / relative).read_bytes()
    marker = b"\tstruct zspage *zspage;\n"
    (root / relative).write_bytes(data.replace(marker, marker + b"\tint a, b;\n"))
    line = data[: data.index(marker)].count(b"\n") + 2
    with pytest.raises(Exception) as caught:
        import_family(root, "ZPDESC_MATCH", "z")
    assert f"zpdesc.h:{line}:1: import cannot express" in str(caught.value)


def test_render_family_struct_is_the_struct_alone(tmp_path: Path, tree_sid: Path) -> None:
    """The public render for other stages (verify): the tree's bytes from an inline spec; from a
    kept spec without the tree, a placeholder where the text would be, every field in place."""
    from codegen.render import KEPT_PLACEHOLDER, render_family_struct

    for sub in ("inline", "kept"):
        (tmp_path / sub).mkdir()
    inline = Family(tree_sid, "ZPDESC_MATCH", tmp_path / "inline")
    region = find_struct(scan(inline.original["mm/zpdesc.h"]), "zpdesc")
    assert region is not None
    want = inline.original["mm/zpdesc.h"][region.start : region.end].decode()
    assert render_family_struct(inline.model) == want
    kept = Family(tree_sid, "ZPDESC_MATCH", tmp_path / "kept", prose="kept")
    text = render_family_struct(kept.model)
    assert text.count(KEPT_PLACEHOLDER) == 2  # the comment above and the one inside

    def code(t: str) -> list[str]:
        return [x for x in t.split("\n") if x.endswith((";", "{")) and "*/" not in x]

    assert code(text) == code(want) and len(code(want)) == 12
