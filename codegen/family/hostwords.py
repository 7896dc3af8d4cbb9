"""Which host words a family spec asserts that the tree's own host struct does not declare.

A spec imported from one kernel and checked against another names page words
by that kernel's names (7.2's `compound_info` is 6.12's `compound_head`).
Writing its asserts into the other tree would not compile, so `check` must not
offer `apply` as the fix, and `apply` refuses: the spec belongs to another
kernel. The host struct is read from the tree with the one C reader, members
under `#if` included, in the family's own files first and then in the header
the host model names (include/linux/mm_types.h for struct page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.spec.family_model import FamilySpec

_PREPROC = ("preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "preproc_elifdef")


@dataclass(frozen=True)
class Absent:
    file: str  # relative to the tree: where the host struct is declared
    line: int
    words: tuple[str, ...]  # in the order the spec asserts them


def absent_host_words(root: Path, spec: FamilySpec) -> Absent | None:
    """The spec's host words missing from the tree's host struct; None when all are there or
    when the tree's host struct cannot be found (then nothing is claimed)."""
    wanted = _spec_words(spec)
    for relative in _candidates(spec):
        try:
            text = (root / relative).read_bytes()
        except OSError:
            continue
        found = _declared(text, spec.host)
        if found is None:
            continue
        line, names = found
        missing = tuple(w for w in wanted if w not in names)
        return Absent(relative, line, missing) if missing else None
    return None


def absent_message(spec: FamilySpec, absent: Absent) -> str:
    words = ", ".join(f"'{w}'" for w in absent.words)
    return (f"struct {spec.host} here has no {'word' if len(absent.words) == 1 else 'words'} {words}, "
            f"which {spec.path} asserts {spec.mirror} fields against: the spec was made for another kernel")


def _spec_words(spec: FamilySpec) -> list[str]:
    words: list[str] = []
    for group in spec.groups:
        for use, _ in group.uses():
            if use.host not in words:
                words.append(use.host)
    return words


def _candidates(spec: FamilySpec) -> list[str]:
    files = [spec.file]
    if spec.struct is not None and spec.struct.file not in files:
        files.append(spec.struct.file)
    header = _model_header(spec.host)
    if header and f"include/{header}" not in files:
        files.append(f"include/{header}")
    return files


def _model_header(host: str) -> str | None:
    """The header the bundled host model says declares `struct host`."""
    from codegen.resources import bundled_specs_dir
    from codegen.spec.hostload import load_host_struct

    path = bundled_specs_dir() / "hosts" / f"{host}.yaml"
    if not path.is_file():
        return None
    model = load_host_struct(path)
    return model.header if model.struct == host else None


def _declared(text: bytes, tag: str) -> tuple[int, set[str]] | None:
    from codegen.creader.syntax import parse

    for node in _top_level(parse(text).root_node):
        spec = node if node.type == "struct_specifier" else node.child_by_field_name("type")
        if spec is None or spec.type != "struct_specifier":
            continue
        name, body = spec.child_by_field_name("name"), spec.child_by_field_name("body")
        if name is not None and body is not None and name.text.decode() == tag:
            return int(node.start_point[0]) + 1, set(_member_names(body))
    return None


def _top_level(node: Any) -> Iterator[Any]:
    for child in node.children:
        if child.type in _PREPROC:
            yield from _top_level(child)
        elif child.type in ("struct_specifier", "declaration"):
            yield child


def _member_names(body: Any) -> Iterator[str]:
    """Every member name, anonymous structs and unions opened, under any #if."""
    for child in body.named_children:
        if child.type in _PREPROC:
            yield from _member_names(child)
        elif child.type == "field_declaration":
            declarator = child.child_by_field_name("declarator")
            kind = child.child_by_field_name("type")
            anonymous = kind is not None and kind.type in ("struct_specifier", "union_specifier")
            if declarator is None and anonymous:
                inner = kind.child_by_field_name("body")
                if inner is not None:
                    yield from _member_names(inner)
                continue
            for node in child.children_by_field_name("declarator"):
                yield _name(node)


def _name(node: Any) -> str:
    while node is not None and node.type not in ("field_identifier", "identifier"):
        inner = node.child_by_field_name("declarator")
        node = inner or (node.named_children[-1] if node.named_children else None)
    return node.text.decode() if node is not None else ""
