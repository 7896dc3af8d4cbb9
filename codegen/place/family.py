"""Put a family's assert block (spec version 2) into a C file: replace it, or insert it where
the spec's `after` says when the file lacks it.

The block is located by creader.macroblock (C syntax, never line numbers). A
line inside it that the spec does not generate is foreign: nothing is spliced
(exit 2 in apply, a finding in check), as for version-1 regions.
"""

from __future__ import annotations

from codegen.creader.anchors import Anchors
from codegen.creader.macroblock import Block, kept_comments, kept_for, struct_end
from codegen.place.tree import Action, Change, Rewrite, newline_of
from codegen.spec.family_model import After, FamilySpec

REGION = "family"


def label(spec: FamilySpec) -> str:
    return f"{spec.macro} block"


def plan_family(anchors: Anchors, block: Block | None, spec: FamilySpec, text: str, shown: str) -> Rewrite:
    """The change that makes the file hold exactly `text` (the rendered block)."""
    header = anchors.text
    out = Rewrite(header, newline_of(header), shown=shown)
    new = text.encode().replace(b"\n", out.newline)
    if block is not None:
        foreign = block.foreign()
        if foreign is not None:
            what = foreign.args[0] if foreign.args else "text"
            out.foreign.append(
                (
                    foreign.line,
                    f"the {label(spec)} holds {what}, which the spec does not generate; "
                    "move it out of the block or remove it",
                )
            )
            return out
        old = header[block.start : block.end]
        action: Action = "keep" if old == new else "replace"
        out.changes.append(
            Change(REGION, label(spec), action, block.start, block.end, block.line, new, old, new)
        )
        out.lost = _lost(spec, block)
        return out
    where = insertion(anchors, spec)
    if isinstance(where, str):
        out.unplaceable.append((label(spec), where))
    else:
        line = anchors.line_of(where)
        out.changes.append(
            Change(REGION, label(spec), "insert", where, where, line, new, b"", new + out.newline)
        )
        out.lost = _lost(spec, None, line)
    return out


def _lost(spec: FamilySpec, block: Block | None, line: int = 0) -> list[tuple[int, str]]:
    """Uses the spec says carry a trailing comment kept from the tree (no text in the spec) that
    the file no longer has: neither apply nor the spec can bring it back, so apply refuses."""
    kept = kept_comments(block)
    uses = [ln for ln in block.lines if ln.kind == "use"] if block else []
    out = []
    for group in spec.groups:
        for use, _ in group.uses():
            if not use.comment or use.text is not None or kept_for(kept, group.page, use.host, use.mirror):
                continue
            found = [ln.line for ln in uses if ln.args == (use.host, use.mirror)]
            if block is not None and not found:
                continue  # the use itself differs: check says how, in kernel terms
            why = (f"{spec.macro}({use.host}, {use.mirror}) has lost its trailing comment ({use.loc}); "
                   "its text is the tree's: restore it from the tree's history")
            out.append((found[0] if found else line or 1, why))
    return out


def insertion(anchors: Anchors, spec: FamilySpec) -> int | str:
    """Where the block goes in a file that lacks it (a line start), or why it cannot go anywhere."""
    return insertion_after(anchors, spec.after, "block")


def insertion_after(anchors: Anchors, after: After | None, what: str) -> int | str:
    """The line start past `after`'s anchor, blank lines and comment, or why there is none."""
    if after is None:
        return f"the spec does not say where the {what} goes (no 'after')"
    text = anchors.text
    if after.struct is not None:
        end = struct_end(anchors, after.struct)
        if end is None:
            return f"struct {after.struct} is not defined in the file"
    elif after.include is not None:
        want = f"#include <{after.include}>".encode()
        at = text.find(want)
        if at < 0:
            return f"the file has no {want.decode()}"
        end = at + len(want)
    else:
        found = _line_anchor(anchors, after)
        if isinstance(found, str):
            return found
        end = found
    at = text.find(b"\n", end) + 1
    for _ in range(after.blank_lines):
        stop = text.find(b"\n", at)
        if stop < 0 or text[at:stop].strip():
            return f"line {anchors.line_of(at)} is not the blank line the spec's 'after' expects"
        at = stop + 1
    if after.comment:
        if not text.startswith(b"/*", at) or text.find(b"*/", at) < 0:
            return f"line {anchors.line_of(at)} is not the comment the spec's 'after' expects"
        at = text.find(b"\n", text.find(b"*/", at)) + 1
    return at


def _line_anchor(anchors: Anchors, after: After) -> int | str:
    """The end of the line `#define NAME`, `#undef NAME` or the typedef NAME ends on (the last
    one that starts a C token), or why there is none."""
    import re

    from codegen.creader.syntax import starts_token

    name = re.escape((after.define or after.undef or after.typedef or "").encode())
    if after.define is not None:
        pattern, said = rb"^#define " + name + rb"\b.*$", f"#define {after.define}"
    elif after.undef is not None:
        pattern, said = rb"^#undef " + name + rb"[ \t\r]*$", f"#undef {after.undef}"
    else:
        pattern, said = rb"^(?:\}|typedef .*[ \t*]) ?" + name + rb";[ \t\r]*$", f"typedef {after.typedef}"
    found = [m for m in re.finditer(pattern, anchors.text, re.M) if starts_token(anchors.tree, m.start())]
    if not found:
        return f"the file has no {said}"
    return found[-1].end()
