"""Put a family's mirror struct (the spec's `struct:` section) into a C file: replace its
definition, or insert it where the struct's `after` says when the file lacks it.

The region is found by creader.structbody (C syntax: the comment that belongs to the struct,
`struct NAME {` ... the `};` that starts a line). A body line the spec cannot make (a
declaration of another kind, a `#define`, text after the closing brace) is foreign: nothing is
spliced (exit 2 in apply, a finding in check), as for every region. Comment text the spec keeps
from the tree comes from the region itself; where it is gone, the plan says so (`lost`), and
apply refuses: neither the spec nor mirrorgen has the text.
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.creader.anchors import Anchors
from codegen.creader.structbody import StructRegion, closing, find_struct, tree_prose
from codegen.place.family import insertion_after
from codegen.place.tree import Action, Change, Rewrite, newline_of
from codegen.spec.family_model import FamilySpec
from codegen.spec.model import Loc

REGION = "family-struct"


def label(spec: FamilySpec) -> str:
    assert spec.struct is not None
    return f"struct {spec.struct.name}"


def find(anchors: Anchors, spec: FamilySpec) -> StructRegion | None:
    assert spec.struct is not None
    # A comment above the struct is ours only when the spec has one; else it is the tree's.
    return find_struct(anchors, spec.struct.name, spec.struct.has_comment)


def plan_struct(anchors: Anchors, spec: FamilySpec, shown: str,
                shape: Callable[[str], str] | None = None) -> tuple[Rewrite, StructRegion | None]:
    """The change that makes the file hold exactly the spec's struct (and the region found).
    `shape`: what the rendered text goes through before it is placed (clang-format, when the
    struct is marked clang-format-stable)."""
    from codegen.render import render_family_struct

    assert spec.struct is not None
    header = anchors.text
    out = Rewrite(header, newline_of(header), shown=shown)
    region = find(anchors, spec)
    name = label(spec)
    if region is not None:
        why = _refused(anchors, region, name)
        if why is not None:
            out.foreign.append(why)
            return out, region
    missing: list[Loc] = []
    text = render_family_struct(spec, tree_prose(region), missing)
    if shape is not None:
        text = shape(text)
    new = text.encode().replace(b"\n", out.newline)
    line = region.line if region is not None else 1
    if region is not None:
        old = header[region.start : region.end]
        action: Action = "keep" if old == new else "replace"
        out.changes.append(Change(REGION, name, action, region.start, region.end, region.line, new, old, new))
    else:
        where = insertion_after(anchors, spec.struct.after, "struct")
        if isinstance(where, str):
            out.unplaceable.append((name, where))
        else:
            line = anchors.line_of(where)
            splice = new + out.newline
            out.changes.append(Change(REGION, name, "insert", where, where, line, new, b"", splice))
    out.lost = [(line, f"{name}: a comment whose text the spec keeps from the tree ({loc}) is not in the "
                       "tree; kept-text-lost: restore it from the tree's history, or import with its text")
                for loc in missing]
    return out, region


def _refused(anchors: Anchors, region: StructRegion, name: str) -> tuple[int, str] | None:
    """Text in the region that the spec does not make: (line, why), or None."""
    if not region.closed:
        return (region.line, f"{name} has no '}};' that starts a line after it, so its end is unknown; "
                             "close it by hand")
    end = closing(anchors, region)
    if end != "};":
        return (region.end_line, f"{name} ends in '{end}', text after the closing brace that the spec "
                                 "does not generate; move it out of the struct or remove it")
    foreign = region.foreign()
    if foreign is not None:
        what = foreign.args[0] if foreign.args else "text"
        return (foreign.line, f"{name} holds {what}, which the spec does not generate; move it out of "
                              "the struct or remove it")
    return None


class Staged(Rewrite):
    """The struct and the block of one file where the block's place is found only once the struct
    is back: the block was planned on the struct's result, so the result is the last stage's."""

    def __init__(self, first: Rewrite, last: Rewrite) -> None:
        super().__init__(first.header, first.newline, [*first.changes, *last.changes],
                         [*first.unplaceable, *last.unplaceable], [*first.overlaps, *last.overlaps],
                         [*first.foreign, *last.foreign], [*first.lost, *last.lost], first.shown)
        self.last = last

    def result(self) -> bytes:
        super().result()  # refuses foreign text and overlaps
        return self.last.result()


def combine(struct: Rewrite, region: StructRegion | None, block: Rewrite, block_span: tuple[int, int] | None,
            replan: object) -> Rewrite:
    """One plan for a file holding both regions. `replan(header)` plans the block on other bytes
    (the file with the struct put back), used when the block can only be placed after it."""
    if block.unplaceable and any(c.action == "insert" for c in struct.changes) and not struct.foreign:
        assert callable(replan)
        return Staged(struct, replan(struct.result()))
    out = Rewrite(struct.header, struct.newline, [*struct.changes, *block.changes],
                  [*struct.unplaceable, *block.unplaceable], [*struct.overlaps, *block.overlaps],
                  [*struct.foreign, *block.foreign], [*struct.lost, *block.lost], struct.shown)
    if region is not None and block_span is not None:
        start, end = block_span
        if start < region.end and region.start < end:
            out.overlaps.append((region.line, f"struct {region.name} and the assert block overlap (a "
                                              "line that closes the struct is missing?)"))
    return out
