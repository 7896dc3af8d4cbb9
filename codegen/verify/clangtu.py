"""libclang, one in-memory translation unit per target: errors and struct layouts.

The layouts are clang's own (`Type.get_offset` and friends count bits);
nothing here knows C layout rules.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from codegen.errors import ToolError

SOURCE_NAME = "mirrorgen-verify.c"
HOST_FILE = "<host model>"  # the host model's #line file name in the translation unit
_EVALUATES = re.compile(r"expression evaluates to '(.*)'\Z")
_LINE = re.compile(r'#line (\d+) "([^"]*)"')


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    message: str
    notes: tuple[str, ...]

    def evaluates(self) -> str | None:
        """The values clang substituted into a failed assert, e.g. `52 == 32`."""
        for note in self.notes:
            m = _EVALUATES.match(note)
            if m:
                return m.group(1)
        return None


@dataclass(frozen=True)
class FieldLayout:
    """A named member, anonymous structs and unions flattened; offsets from the outer struct."""

    name: str
    type: str
    offset: int  # bytes
    size: int  # bytes
    align: int  # bytes: the member type's alignment


@dataclass(frozen=True)
class StructLayout:
    name: str
    size: int
    align: int
    fields: tuple[FieldLayout, ...]

    def field(self, name: str) -> FieldLayout | None:
        return next((f for f in self.fields if f.name == name), None)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> StructLayout:
        """The inverse of `dataclasses.asdict`, for memo entries (KeyError/TypeError if malformed)."""
        return StructLayout(d["name"], d["size"], d["align"], tuple(FieldLayout(**f) for f in d["fields"]))


@dataclass(frozen=True)
class Compiled:
    errors: tuple[Diagnostic, ...]
    structs: dict[str, StructLayout]  # the structs asked to flatten
    offsets: dict[str, dict[str, int]]  # struct -> named member -> byte offset, as asked
    members: dict[str, dict[str, FieldLayout]]  # the same members, placed with size and alignment
    sizes: dict[str, int]  # sizeof each struct asked about
    static_asserts: dict[str, int]  # file -> static asserts clang parsed there
    assert_lines: dict[str, tuple[int, ...]]  # file -> the lines of those asserts (as #line presents them)


_local = threading.local()


def index() -> Any:
    """One libclang index per thread: `verify` parses the ABIs on a small thread pool."""
    index = getattr(_local, "index", None)
    if index is None:
        try:
            from clang import cindex
        except ImportError:
            raise ToolError("libclang is not installed: pip install 'libclang>=18.1,<19'") from None
        index = _local.index = cindex.Index.create()
    return index


def compile_c(
    text: str,
    triple: str,
    flatten: Iterable[str] = (),
    offsets: Mapping[str, Iterable[str]] | None = None,
    extra: Iterable[str] = (),
) -> Compiled:
    """Parse `text` for `triple` (no system headers); flatten some structs, look up members of others.

    Looking up a few members (`offsets`) is much cheaper than flattening a
    big struct through the bindings.
    """
    from clang.cindex import CursorKind, TranslationUnitLoadError

    args = ["-target", triple, "-ffreestanding", "-nostdinc", "-std=gnu11", "-w", *extra]
    try:
        tu = index().parse(SOURCE_NAME, args=args, unsaved_files=[(SOURCE_NAME, text)])
    except TranslationUnitLoadError:
        raise ToolError(f"libclang cannot parse for target '{triple}'") from None
    flat, asked = set(flatten), dict(offsets or {})
    where = presumed(text)
    layouts: dict[str, StructLayout] = {}
    found: dict[str, dict[str, int]] = {}
    members: dict[str, dict[str, FieldLayout]] = {}
    sizes: dict[str, int] = {}
    asserts: dict[str, int] = {}
    lines: dict[str, list[int]] = {}
    for cursor in tu.cursor.get_children():
        if cursor.kind == CursorKind.STATIC_ASSERT:
            name, line = where(cursor.location.line)
            asserts[name] = asserts.get(name, 0) + 1
            lines.setdefault(name, []).append(line)
        elif cursor.kind == CursorKind.STRUCT_DECL and cursor.is_definition():
            tag = cursor.spelling
            if tag in flat:
                layouts[tag] = layout_of(cursor)
            if tag in asked:
                members[tag] = _members(cursor.type, set(asked[tag]))
                found[tag] = {name: placed.offset for name, placed in members[tag].items()}
            if tag in flat or tag in asked:
                sizes[tag] = cursor.type.get_size()
    errors = tuple(_diagnostic(d, where) for d in tu.diagnostics if d.severity >= 3)
    return Compiled(errors, layouts, found, members, sizes, asserts, {k: tuple(v) for k, v in lines.items()})


def _diagnostic(diag: Any, where: _Presumed) -> Diagnostic:
    file, line = where(diag.location.line)
    return Diagnostic(
        file, line, diag.location.column, diag.spelling, tuple(child.spelling for child in diag.children)
    )


@cache
def presumed(text: str) -> _Presumed:
    return _Presumed(text)


class _Presumed:
    """Line in the source text -> (file, line) as its `#line` directives present it.

    The Python bindings report expansion locations, which ignore `#line`, and
    do not expose clang_getPresumedLocation; the directives are ours, so read them.
    """

    def __init__(self, text: str) -> None:
        self.marks: list[tuple[int, str, int]] = [(1, SOURCE_NAME, 1)]
        for i, line in enumerate(text.split("\n"), start=1):
            m = _LINE.match(line)
            if m:
                self.marks.append((i + 1, m.group(2), int(m.group(1))))

    def __call__(self, line: int) -> tuple[str, int]:
        # Line 0 is a diagnostic without a location: it falls on the first mark.
        start, name, first = next((m for m in reversed(self.marks) if m[0] <= line), self.marks[0])
        return name, first + line - start


def layout_of(cursor: Any) -> StructLayout:
    fields: list[FieldLayout] = []
    _flatten(cursor.type, 0, fields)
    return StructLayout(cursor.spelling, cursor.type.get_size(), cursor.type.get_align(), tuple(fields))


def _flatten(record: Any, base: int, out: list[FieldLayout], only: set[str] | None = None) -> None:
    for field in record.get_fields():
        # is_anonymous() is also true of a named member whose struct type has no tag; an
        # anonymous member's spelling is clang's "(anonymous at ...)", not an identifier.
        anonymous = field.is_anonymous() and not field.spelling.isidentifier()
        if not anonymous and only is not None and field.spelling not in only:
            continue  # each libclang call costs: measure only what is asked
        offset = base + field.get_field_offsetof() // 8  # clang counts bits
        if anonymous:
            _flatten(field.type, offset, out, only)
        else:
            kind = field.type
            out.append(FieldLayout(field.spelling, kind.spelling, offset, kind.get_size(), kind.get_align()))


def _members(record: Any, names: set[str]) -> dict[str, FieldLayout]:
    """The named members, placed; only they are measured, so a big host struct stays cheap."""
    out: list[FieldLayout] = []
    _flatten(record, 0, out, names)
    return {f.name: f for f in out}
