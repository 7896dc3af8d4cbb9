"""Where a spec's regions are in a kernel header, by C syntax (never by line numbers).

- R1 (mirror): the comment directly above `struct MIRROR`, the struct, the
  mirror's `#define M ... #undef M` span and the size assert with its comment;
- R2 (alias): the definition of `struct ALIAS` alone (the kernel-doc comment
  above it belongs to humans);
- R3 (alias asserts): the comment directly above `#define M` through `#undef M`.

A region is the byte span from its first piece to its last, in whole lines.
Macros are found by the spec's name; a block whose macro was renamed (or that
the spec no longer has) is still found by what it asserts:
`static_assert(offsetof(struct X, a) == offsetof(struct ALIAS, b))` for R3,
`... offsetof(struct MIRROR, b)` for R1. Two definitions of one piece, or
pieces separated by unrelated definitions, are errors: splicing there could
destroy human code. Regions that run into each other are reported by
`overlaps` (a struct or comment left unterminated).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from codegen.creader.anchors import Anchors, Piece, marker_lines
from codegen.errors import InputError
from codegen.spec.model import Spec
from codegen.spec.regions import ALIAS, ALIAS_ASSERTS, MIRROR

NAMES = {MIRROR: "R1", ALIAS: "R2", ALIAS_ASSERTS: "R3"}


@dataclass(frozen=True)
class Span:
    """A located region: bytes [start, end) in whole lines, and its 1-based lines."""

    start: int
    end: int
    line: int
    end_line: int
    macros: tuple[str, ...] = ()  # the assert macros found in it
    pieces: tuple[Piece, ...] = ()  # what it is made of, in header order


def label(region: str, spec: Spec, span: Span | None = None) -> str:
    """How messages name a region: 'R1 (struct netmem_desc)', 'R3 (NET_IOV_ASSERT_OFFSET)'."""
    if region == MIRROR:
        return f"{NAMES[region]} (struct {spec.mirror.struct})"
    alias = spec.alias.struct if spec.alias else "?"
    if region == ALIAS:
        return f"{NAMES[region]} (struct {alias})"
    if spec.alias and spec.alias.asserts:
        return f"{NAMES[region]} ({spec.alias.asserts.macro})"
    found = ", ".join(span.macros) if span and span.macros else f"asserts on struct {alias}"
    return f"{NAMES[region]} ({found})"


def locate(anchors: Anchors, spec: Spec, shown: str) -> dict[str, Span | None]:
    """Every region this spec may own or must remove, located (None when absent)."""
    finder = _Finder(anchors, spec, shown)
    return {MIRROR: finder.mirror(), ALIAS: finder.alias(), ALIAS_ASSERTS: finder.alias_asserts()}


def overlaps(spans: dict[str, Span | None], spec: Spec) -> list[tuple[int, str]]:
    """(line, message) for each region that runs into the next one.

    A struct or comment left unterminated swallows what follows it; no splice
    is safe then, and a human has to close it.
    """
    located = sorted(((s, r) for r, s in spans.items() if s is not None), key=lambda x: x[0].start)
    return [
        (b.line, f"region {label(ra, spec, a)} (lines {a.line}-{a.end_line}) runs into region "
                 f"{label(rb, spec, b)} (lines {b.line}-{b.end_line}): is a construct left unterminated?")
        for (a, ra), (b, rb) in itertools.pairwise(located)
        if b.start < a.end
    ]


# The shape of an assert block's macro: static_assert(offsetof(struct L, a) == offsetof(struct R, b)).
_ASSERT = re.compile(
    rb"^\s*static_assert\s*\(\s*offsetof\s*\(\s*struct\s+\w+\s*,\s*(\w+)\s*\)\s*=="
    rb"\s*offsetof\s*\(\s*struct\s+(\w+)\s*,\s*(\w+)\s*\)\s*\)\s*$"
)


def _asserts_on(define: Piece, struct: str) -> bool:
    """Is `define` an offset-assert macro whose right-hand side is `struct`'s field?"""
    found = _ASSERT.match(re.sub(rb"\\\r?\n", b" ", define.body))
    return found is not None and found.group(2).decode() == struct \
        and (found.group(1).decode(), found.group(3).decode()) == define.params


class _Finder:
    def __init__(self, anchors: Anchors, spec: Spec, shown: str) -> None:
        self.anchors = anchors
        self.spec = spec
        self.shown = shown
        alias = spec.alias
        self.alias_struct = alias.struct if alias else None
        self.alias_macro = alias.asserts.macro if alias and alias.asserts else None
        mirror = spec.mirror
        self.mirror_macro = mirror.asserts.macro if mirror.define and mirror.asserts else None

    def mirror(self) -> Span | None:
        struct = self.spec.mirror.struct
        pieces = self.one(self.anchors.structs.get(struct, []), f"struct {struct}")
        pieces += self.macro_pieces(self.mirror_macro_names())
        pieces += self.one(self.anchors.sizes.get(struct, []), f"the size assert on struct {struct}")
        return self.span(MIRROR, pieces)

    def alias(self) -> Span | None:
        if self.alias_struct is None:
            return None  # a spec without an alias names no struct to look for
        return self.span(ALIAS, self.one(self.anchors.structs.get(self.alias_struct, []),
                                         f"struct {self.alias_struct}"), comment=False)

    def alias_asserts(self) -> Span | None:
        return self.span(ALIAS_ASSERTS, self.macro_pieces(self.alias_macro_names()))

    def mirror_macro_names(self) -> set[str]:
        names = {self.mirror_macro} if self.mirror_macro else set()
        if not self.mirror_macro or not self.anchors.defines.get(self.mirror_macro):
            # A renamed (or unowned) mirror block: its macro compares offsets in the mirror.
            names |= self.macros_about(self.spec.mirror.struct) - self.alias_macro_names()
        return names

    def alias_macro_names(self) -> set[str]:
        names = {self.alias_macro} if self.alias_macro else set()
        if self.alias_struct and (not self.alias_macro or not self.anchors.defines.get(self.alias_macro)):
            names |= self.macros_about(self.alias_struct) - ({self.mirror_macro} - {None})
        return names

    def macros_about(self, struct: str) -> set[str]:
        """Assert macros that compare offsets in `struct` with another struct's."""
        return {name for name, defines in self.anchors.defines.items()
                if any(_asserts_on(d, struct) for d in defines)}

    def macro_pieces(self, names: set[str]) -> list[Piece]:
        pieces: list[Piece] = []
        for name in sorted(names):
            pieces += self.one(self.anchors.defines.get(name, []), f"#define {name}")
            pieces += self.anchors.uses.get(name, [])
            pieces += self.one(self.anchors.undefs.get(name, []), f"#undef {name}")
        return pieces

    def one(self, found: list[Piece], what: str) -> list[Piece]:
        if len(found) > 1:
            lines = " and ".join(str(p.line) for p in found)
            raise InputError(self.shown, found[1].line, 1,
                             f"two candidates for {what} (lines {lines}): mirrorgen cannot tell "
                             "which one it owns; remove one")
        return found

    def span(self, region: str, pieces: list[Piece], *, comment: bool = True) -> Span | None:
        if not pieces:
            return None
        pieces = sorted(pieces, key=lambda p: p.start)
        first = pieces[0]
        start = first.comment_start if comment and first.comment_start is not None else first.start
        end = first.end
        for piece in pieces[1:]:
            self.refuse_gap(region, end, piece)
            end = max(end, piece.end)
        start, end = _whole_lines(self.anchors.text, start, end)
        macros = tuple(sorted({p.name for p in pieces if p.kind == "define"}))
        last_line = self.anchors.line_of(max(start, end - 1))
        return Span(start, end, self.anchors.line_of(start), last_line, macros, tuple(pieces))

    def refuse_gap(self, region: str, gap_start: int, piece: Piece) -> None:
        for other in self.anchors.foreign:
            if other.start >= gap_start and other.end <= piece.start:
                what = other.name if other.kind == "foreign" else f"struct {other.name}"
                raise InputError(
                    self.shown, piece.line, 1,
                    f"{label(region, self.spec)} is split: {_describe(piece)} at line {piece.line} "
                    f"is separated from the rest of the region by {what} (line {other.line}); "
                    "move it back or remove it",
                )


@dataclass(frozen=True)
class Insertion:
    """Where a missing region goes: before the marker line, or after a struct's definition."""

    at: int  # byte offset, at a line start
    line: int  # 1-based line of the marker or of the struct's last line
    before: bool


def insertion_point(anchors: Anchors, spec: Spec, region: str, shown: str) -> Insertion | str:
    """Where the spec says a missing region goes, or why there is no such place."""
    target = spec.target
    if region == MIRROR and target.insert_mirror_before:
        marker = target.insert_mirror_before
        found = marker_lines(anchors, marker)
        if len(found) > 1:
            lines = " and ".join(str(anchors.line_of(at)) for at in found)
            raise InputError(shown, anchors.line_of(found[1]), 1,
                             f"two candidates for the line '{marker}' (insert_mirror_before; lines {lines})")
        if found:
            return Insertion(found[0], anchors.line_of(found[0]), before=True)
        return f"the header has no line '{marker}' (insert_mirror_before) to insert it before"
    if region == ALIAS_ASSERTS and target.insert_asserts_after:
        struct = target.insert_asserts_after
        structs = anchors.structs.get(struct, [])
        if len(structs) > 1:
            lines = " and ".join(str(p.line) for p in structs)
            raise InputError(shown, structs[1].line, 1,
                             f"two candidates for struct {struct} (insert_asserts_after; lines {lines})")
        if structs:
            # After the line that ends the definition (a trailing comment stays with it).
            newline = anchors.text.find(b"\n", max(structs[0].end - 1, 0))
            at = len(anchors.text) if newline < 0 else newline + 1
            return Insertion(at, structs[0].end_line, before=False)
        return f"struct {struct} (insert_asserts_after) is not defined in the header"
    return "the spec names no place to insert it"


def _describe(piece: Piece) -> str:
    return {"struct": f"struct {piece.name}", "define": f"#define {piece.name}",
            "undef": f"#undef {piece.name}", "use": f"{piece.name}(...)",
            "size": f"the size assert on struct {piece.name}"}.get(piece.kind, piece.name)


def _whole_lines(text: bytes, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole lines when only blanks share those lines with it."""
    line_start = text.rfind(b"\n", 0, start) + 1
    if not text[line_start:start].strip(b" \t"):
        start = line_start
    if end > 0 and text[end - 1 : end] == b"\n":
        return start, end
    newline = text.find(b"\n", end)
    stop = len(text) if newline < 0 else newline + 1
    if not text[end:stop].strip():
        end = stop
    return start, end
