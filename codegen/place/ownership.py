"""Which bytes of a located region mirrorgen owns, and which are a human's.

A region is the span from its first piece to its last. Replacing that span is
only safe when everything in it is something the spec generates (or could
generate: a struct member the type grammar accepts, an offset-assert macro, a
use of it). Anything else found inside (an #include, a #define, a prototype,
a DECLARE_*(...) line, a comment the spec does not place there, an #if block,
a run of blank lines, text that does not parse) is foreign: `apply` refuses
and `check` reports it, so no human byte is ever spliced away.

A struct's text outside `struct X {...}` (`typedef ` before it, ` name_t;` or
` __randomize_layout;` after it) is kept byte for byte: `keep_decorations`
puts it around the struct the spec generates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from codegen.creader.anchors import Anchors, Piece
from codegen.creader.syntax import KINDS, OTHER, construct_at, enclosing, in_error, unparsable

# What the spec generates, in the shapes clang-format may give it.
_DEFINE_BODY = re.compile(
    rb"\s*static_assert\s*\(\s*offsetof\s*\(\s*struct\s+\w+\s*,\s*\w+\s*\)\s*=="
    rb"\s*offsetof\s*\(\s*struct\s+\w+\s*,\s*\w+\s*\)\s*\)\s*\Z"
)
_USE = re.compile(rb"[A-Za-z_]\w*\s*\(\s*\w+\s*,\s*\w+\s*\)\s*;\Z")
_UNDEF = re.compile(rb"#\s*undef\s+[A-Za-z_]\w*\s*\Z")
_SIZE = re.compile(
    rb"(?:_Static_assert|static_assert)\s*\(\s*sizeof\s*\(\s*struct\s+\w+\s*\)\s*<=\s*offsetof\s*\(\s*"
    rb"struct\s+\w+\s*,\s*\w+\s*\)\s*\)\s*;\Z"
)
# A member the spec's type grammar can express: identifiers and '*' only, then one name.
_FIELD = re.compile(rb"(?!.*\b(?:extern|static|typedef|register|inline|auto|_Thread_local)\b)"
                    rb"[A-Za-z_][\w \t*]*[ \t*][A-Za-z_]\w*\s*;\Z")


def foreign_text(anchors: Anchors, pieces: tuple[Piece, ...], start: int, end: int) -> tuple[int, str] | None:
    """The first thing in [start, end) the spec does not generate: (1-based line, what it is)."""
    found = sorted(_foreign(anchors, pieces, start, end), key=lambda f: f[0])
    if not found:
        return None
    at, what = found[0]
    line = anchors.line_of(at)
    text = _line_text(anchors.text, at)
    where = f"{what} at line {line}" + (f" ('{text}')" if text else "")
    before = [p for p in pieces if p.end <= at]
    after = [p for p in pieces if p.start > at]
    if before and after:
        where += f", between {_name(before[-1])} and {_name(after[0])}"
    elif after:
        where += f", before {_name(after[0])}"
    elif before:
        where += f", after {_name(before[-1])}"
    return line, where


def _name(piece: Piece) -> str:
    return {"struct": f"struct {piece.name}", "define": f"#define {piece.name}",
            "undef": f"#undef {piece.name}", "use": f"{piece.name}(...)",
            "size": f"the size assert on struct {piece.name}"}.get(piece.kind, piece.name) \
        + f" (line {piece.line})"


def keep_decorations(new: bytes, struct: Piece | None) -> bytes:
    """`new` with the header's own text around its struct (`typedef `, ` name_t`, attributes)."""
    if struct is None or (struct.head == b"" and struct.tail == b";"):
        return new
    if not struct.tail.rstrip().endswith(b";"):
        return new  # an unterminated struct is reported elsewhere; nothing to keep
    opening = re.search(rb"(?m)^struct " + re.escape(struct.name.encode()) + rb" \{", new)
    if opening is None:
        return new
    closing = new.find(b"\n};", opening.start())
    if closing < 0:
        return new
    closing += 1
    return (new[: opening.start()] + struct.head + new[opening.start() : closing + 1]
            + struct.tail + new[closing + 2 :])


def _foreign(anchors: Anchors, pieces: tuple[Piece, ...], start: int, end: int) -> Iterator[tuple[int, str]]:
    owned: list[tuple[int, int]] = []
    for index, piece in enumerate(pieces):
        comment = piece.comment_start is not None and (index == 0 or piece.kind == "size")
        owned.append((piece.comment_start if comment and piece.comment_start is not None else piece.start,
                      piece.end))
        if comment and piece.comment_start is not None:
            yield from _stacked_comment(anchors, piece.comment_start)
            yield from _comment_lines(anchors, enclosing(anchors.tree, piece.comment_start, "comment"))
        yield from _inside(anchors, piece)
    at = start
    for lo, hi in sorted(owned):
        if lo > at:
            yield from _gap(anchors, at, lo)
        at = max(at, hi)
    if at < end:
        yield from _gap(anchors, at, end)
    yield from _broken_above(anchors, start)
    # A struct's tail (` __aligned(64);`) is kept byte for byte, whatever tree-sitter makes of it.
    kept = [(p.end - len(p.tail), p.end) for p in pieces if p.kind == "struct"]
    yield from ((at, "text that does not parse as C") for at in unparsable(anchors.tree.root_node, start, end)
                if not any(lo <= at < hi for lo, hi in kept))


def _gap(anchors: Anchors, start: int, end: int) -> Iterator[tuple[int, str]]:
    gap = anchors.text[start:end]
    stripped = gap.lstrip()
    if stripped:
        at = start + len(gap) - len(stripped)
        yield at, construct_at(anchors.tree, at)
        return
    yield from _blank_runs(anchors.text, start, end)


def _blank_runs(text: bytes, start: int, end: int) -> Iterator[tuple[int, str]]:
    """Two or more blank lines in a row: not something formatting makes, so a human's."""
    at = text.rfind(b"\n", 0, start) + 1
    blanks = 0
    while at < end:
        stop = text.find(b"\n", at)
        if stop < 0 or stop >= end:
            return
        if at >= start and not text[at:stop].strip(b" \t\r\f\v"):
            blanks += 1
            if blanks == 2:
                yield at, "a run of blank lines"
                return
        else:
            blanks = 0
        at = stop + 1


def _comment_lines(anchors: Anchors, comment: Any) -> Iterator[tuple[int, str]]:
    """A comment the spec writes has ' *' on every line after its first (the schema's rule):
    any other line in it is a human's (text pasted or a construct put inside the comment)."""
    if comment is None:
        return
    at = comment.start_byte
    for line in anchors.text[comment.start_byte : comment.end_byte].split(b"\n")[1:]:
        at = anchors.text.index(b"\n", at) + 1
        if not line.lstrip(b" \t").startswith(b"*"):
            yield at, "a line inside a comment the spec owns that no spec writes"
            return


def _stacked_comment(anchors: Anchors, comment_start: int) -> Iterator[tuple[int, str]]:
    """A second comment right above the region's own: which of them is ours is anyone's guess."""
    node = enclosing(anchors.tree, comment_start, "comment")
    prev = node.prev_sibling if node is not None else None
    if prev is not None and prev.type == "comment" and prev.end_point[0] + 1 >= node.start_point[0]:
        yield prev.start_byte, "a second comment directly above the region's comment"


def _inside(anchors: Anchors, piece: Piece) -> Iterator[tuple[int, str]]:
    body = anchors.text[piece.start : piece.end]
    if piece.kind == "define":
        joined = re.sub(rb"\\\r?\n", b" ", piece.body)
        # A continued line that is blank ends the macro for the preprocessor (not for tree-sitter).
        continued = body.rstrip(b"\r\n").split(b"\n")[1:]
        if any(not line.strip() for line in continued) or len(piece.params) != 2 \
                or not _DEFINE_BODY.match(joined):
            yield piece.start, f"#define {piece.name} holds text mirrorgen does not generate"
    elif piece.kind == "use" and not _USE.match(body.strip()):
        yield piece.start, f"{piece.name}(...) holds text mirrorgen does not generate"
    elif piece.kind == "undef" and not _UNDEF.match(body.strip()):
        yield piece.start, f"#undef {piece.name} holds text mirrorgen does not generate"
    elif piece.kind == "size" and not _SIZE.match(body.strip()):
        yield piece.start, "the size assert holds text mirrorgen does not generate"
    elif piece.kind == "struct" and piece.node is not None:
        node = piece.node
        struct = node if node.type == "struct_specifier" else node.child_by_field_name("type")
        members = struct.child_by_field_name("body") if struct is not None else None
        if members is not None:
            yield from _members(anchors, members)


def _members(anchors: Anchors, body: Any) -> Iterator[tuple[int, str]]:
    """Inside a struct or union body: members the grammar can express, the union's note comment."""
    for child in body.named_children:
        kind = child.type
        if kind == "field_declaration":
            inner = child.child_by_field_name("type")
            members = inner.child_by_field_name("body") if inner is not None else None
            if members is not None and inner.type in ("struct_specifier", "union_specifier"):
                yield from _members(anchors, members)
                rest = anchors.text[inner.end_byte : child.end_byte]
                if rest.strip() != b";":
                    yield inner.end_byte, "a declarator or attribute mirrorgen does not generate"
            elif not _FIELD.match(child.text.strip()):
                yield child.start_byte, "a member mirrorgen cannot generate"
        elif kind == "comment" and _is_note(child):
            yield from _comment_lines(anchors, child)
        else:
            yield child.start_byte, KINDS.get(kind, OTHER)
    yield from _blank_runs(anchors.text, body.start_byte, body.end_byte)


def _is_note(comment: Any) -> bool:
    """The one comment the spec places in a struct: in a union, right above its anonymous struct."""
    parent = comment.parent
    if parent is None or parent.parent is None or parent.parent.type != "union_specifier":
        return False
    before, after = comment.prev_named_sibling, comment.next_named_sibling
    if before is not None and before.type == "comment":
        return False
    if after is None or after.type != "field_declaration":
        return False
    inner = after.child_by_field_name("type")
    return inner is not None and inner.type == "struct_specifier" \
        and inner.child_by_field_name("name") is None


def _broken_above(anchors: Anchors, start: int) -> Iterator[tuple[int, str]]:
    """Unparsable text on the line right above the region (a comment closed early leaves its
    rest there): where the region really starts is then unknown."""
    text = anchors.text
    above = text[:start].rstrip(b" \t\r\n")
    if not above or text.count(b"\n", len(above), start) > 1:
        return  # the start of the file, or a blank line in between
    if in_error(anchors.tree, len(above) - 1):
        yield len(above) - 1, "text that does not parse as C, right above the region"


def _line_text(text: bytes, at: int) -> str:
    stop = text.find(b"\n", at)
    line = text[at : len(text) if stop < 0 else stop].strip()
    shown = line.decode("utf-8", errors="replace")
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    return shown[:60] + ("..." if len(shown) > 60 else "")
