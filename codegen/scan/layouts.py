"""The structs of a family laid out by libclang from the tree's own headers, with where each
field is declared (hazards name the line to fix).

One translation unit per file that holds family asserts: the file itself is
included (a header, or a .c file whose structs come from its own includes),
with the kernel's include order and config (verify/treetypes.clang_args) from
kbuild's prepared O= directory. Memoized per tree, configuration and file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codegen.errors import UsageError
from codegen.verify.treetypes import TreeBuild, clang_args

# The kernel builds with them since 6.19 (an anonymous tagged struct member, as in 7.2's slab).
_EXTRA = ["-fms-extensions"]


@dataclass(frozen=True)
class PlacedField:
    """A named member, anonymous structs and unions opened; where the tree declares it."""

    name: str
    type: str
    offset: int  # bytes from the start of the struct
    size: int
    file: str  # relative to the tree
    line: int
    # The anonymous unions and structs around it, outermost first: "U3#1" is member 1 of union 3
    # (numbered in declaration order), "U3*#1" the same where union 3 has an anonymous struct
    # among its members (a union of per-use layouts), "s" an anonymous struct.
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placed:
    struct: str  # "struct page"
    size: int
    align: int
    fields: tuple[PlacedField, ...]
    file: str
    line: int

    def overlapping(self, start: int, end: int) -> list[PlacedField]:
        return [f for f in self.fields if f.offset < end and start < f.offset + max(f.size, 1)]


def file_layouts(build: TreeBuild, rel: str, structs: list[str]) -> dict[str, Placed]:
    """The asked structs ("struct page", "union niu_page") as seen from `rel`, for this build's ABI."""
    from codegen import memo

    source = build.tree / rel
    try:
        config = (build.out / ".config").stat().st_mtime_ns
        stat = source.stat()
    except OSError as exc:
        raise UsageError(f"{build.tree}: cannot lay out {rel}: {exc}") from None
    key = memo.key("scan-layout-3", str(build.tree.resolve()), str(build.out), str(config), build.abi.triple,
                   rel, str(stat.st_size), str(stat.st_mtime_ns), *structs)  # fmt: skip
    cached = memo.lookup(key)
    if cached is not None:
        found = _decode(cached)
        if found is not None:
            return found
    placed = _parse(build, source, structs)
    memo.store(key, json.dumps({k: asdict(v) for k, v in placed.items()}))
    return placed


def _parse(build: TreeBuild, source: Path, structs: list[str]) -> dict[str, Placed]:
    from clang.cindex import CursorKind

    from codegen.render import render
    from codegen.verify.clangtu import index

    text = render("verify/tree.c.j2", headers=[source.as_posix()], types=[])
    args = [*clang_args(build), *_EXTRA]
    tu = index().parse("mirrorgen-scan.c", args=args, unsaved_files=[("mirrorgen-scan.c", text)])
    wanted = set(structs)
    out: dict[str, Placed] = {}
    kinds = {CursorKind.STRUCT_DECL: "struct", CursorKind.UNION_DECL: "union"}
    for cursor in tu.cursor.get_children():  # structs of a header are at file scope
        kind = kinds.get(cursor.kind)
        name = f"{kind} {cursor.spelling}" if kind else ""
        if name in wanted and name not in out and cursor.is_definition() and cursor.type.get_size() > 0:
            fields: list[PlacedField] = []
            _flatten(build.tree, cursor.type, 0, fields, (), [0])
            file, line = _where(build.tree, cursor)
            kind_of = cursor.type
            out[name] = Placed(name, kind_of.get_size(), kind_of.get_align(), tuple(fields), file, line)
    return out


def _where(tree: Path, cursor: Any) -> tuple[str, int]:
    loc = cursor.location
    name = loc.file.name if loc.file is not None else ""
    try:
        rel = Path(name).resolve().relative_to(tree.resolve()).as_posix()
    except ValueError:
        rel = name
    return rel, int(loc.line)


def _flatten(
    tree: Path, record: Any, base: int, out: list[PlacedField], path: tuple[str, ...], unions: list[int]
) -> None:
    members = list(record.get_fields())
    union = record.get_declaration().kind.name == "UNION_DECL"
    if union:
        arms = any(_is_anonymous(m) and _record_kind(m) == "STRUCT_DECL" for m in members)
        uid = f"U{unions[0]}{'*' if arms else ''}"
        unions[0] += 1
    for index, field in enumerate(members):
        bits = field.get_field_offsetof()
        offset = base + bits // 8
        here = (*path, f"{uid}#{index}") if union else path
        if _is_anonymous(field):
            inner = here if _record_kind(field) == "UNION_DECL" else (*here, "s")
            _flatten(tree, field.type, offset, out, inner, unions)
        else:
            # a bitfield takes the bytes its bits touch, not its type's size
            size = field.type.get_size()
            if field.is_bitfield():
                size = (bits % 8 + field.get_bitfield_width() + 7) // 8
            file, line = _where(tree, field)
            kind = field.type.spelling
            out.append(PlacedField(_written(field), kind, offset, max(size, 0), file, line, here))


def _is_anonymous(field: Any) -> bool:
    return (field.is_anonymous() and not field.spelling.isidentifier()) or not field.spelling


def _record_kind(field: Any) -> str:
    return str(field.type.get_canonical().get_declaration().kind.name)


def _written(field: Any) -> str:
    """The member's name as the source writes it: the preprocessor may rename it
    (linux/types.h makes `rcu_head` `callback_head`), and asserts use the written name."""
    loc = field.location
    for token in field.get_tokens():
        where = token.location
        if where.line == loc.line and where.column == loc.column and token.spelling.isidentifier():
            return str(token.spelling)
    return str(field.spelling)


def _decode(text: str) -> dict[str, Placed] | None:
    try:
        raw: dict[str, Any] = json.loads(text)
        return {
            name: Placed(
                p["struct"], p["size"], p["align"],
                tuple(PlacedField(**{**f, "path": tuple(f.get("path", ()))}) for f in p["fields"]), p["file"],
                p["line"],
            )
            for name, p in raw.items()
        }
    except (ValueError, KeyError, TypeError):
        return None
