"""A family's assert block in a C file, read line by line where C syntax says it is.

The block runs from the first `#define MACRO(` to the last `#undef MACRO`
(token starts the one C reader confirms), plus the size and alignment
asserts on the mirror struct that follow it directly (also inside `#if`).
Each line inside is classified; a line that is none of the block's constructs
is "foreign" (a human's text the block does not own). Positions are bytes, so
callers splice the file without decoding it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from codegen.creader.anchors import Anchors, scan
from codegen.creader.syntax import construct_at, starts_token

_USE = re.compile(r"^(?P<name>\w+)\((?P<a>\w+), (?P<b>\w+)\);(?:(?P<sep>[ \t]+)(?P<comment>/\*.*\*/))?$")
_COND = re.compile(r"^#(?P<kind>ifdef|ifndef|if|elif|else|endif)\b(?: (?P<expr>\S.*))?$")
_FRAGMENT = re.compile(r"^(?:static_assert\(offsetof\(|offsetof\()")
_BOUND = re.compile(r"^static_assert\((?:sizeof\(|IS_ALIGNED\(offsetof\()")


class Line(NamedTuple):  # a sixth of a frozen dataclass's class-creation cost (every cold check)
    """One logical line of the block: a `#define` spans its continuation lines."""

    # define, fragment (of a #define missing its first line), undef, use, cond, bound, blank, foreign
    kind: str
    line: int  # 1-based, in the file
    start: int  # byte offsets in the file, [start, end) without the newline
    end: int
    text: str  # as written (continuation lines joined by "\n")
    args: tuple[str, ...] = ()  # use: (a, b); cond: (kind, expr)
    sep: str = ""  # use: what separates a trailing comment from the `;`
    comment: str = ""  # use: the trailing comment, the tree's text


@dataclass
class Block:
    start: int
    end: int
    line: int
    end_line: int
    lines: list[Line] = field(default_factory=list)

    def foreign(self) -> Line | None:
        return next((x for x in self.lines if x.kind == "foreign"), None)


def find_block(anchors: Anchors, macro: str, mirror: str) -> Block | None:
    """The block of `macro` in the file, or None when nothing of it is there.

    It spans every `#define MACRO(`, use `MACRO(` and `#undef MACRO` that starts a
    line and a C token (not inside a comment or string: the one C reader says),
    from the first to the last, plus the remnant of a `#define` whose first line
    is gone, and the size asserts after it. Token starts, not whole constructs:
    kernel idioms above a block can make the parser swallow the `#define` into
    an error node (sid's mm/slab.h), and a half-deleted block must still be found.
    """
    text = anchors.text
    name = re.escape(macro.encode())
    pattern = re.compile(rb"^(?:#define " + name + rb"\(|" + name + rb"\(|#undef " + name + rb"\b)", re.M)
    starts = [m.start() for m in pattern.finditer(text) if starts_token(anchors.tree, m.start())]
    if not starts:
        return None
    start = _remnant(text, starts[0])
    end = _logical(text, starts[-1])
    block = Block(start, end, anchors.line_of(start), 0)
    block.lines = _lines(anchors, macro, start, end)
    block.lines += _bounds(anchors, mirror, end, _open(block.lines))
    block.lines += _stray_endif(anchors, block.lines[-1].end)
    block.end = block.lines[-1].end
    block.end_line = block.lines[-1].line + block.lines[-1].text.count("\n")
    return block


def _remnant(text: bytes, start: int) -> int:
    """Move `start` up over the body lines of a `#define` whose first line was deleted
    (and the blank line a spec may put after a #define)."""
    top = start
    while start > 0:
        above = text.rfind(b"\n", 0, start - 1) + 1
        line = text[above : start - 1].rstrip(b"\r")
        if not line.strip() and top == start:
            start = above  # a blank line: ours only if a remnant is above it
            continue
        if not line[:1].isspace() or not _FRAGMENT.match(line.strip().decode("utf-8", "replace")):
            return top
        start = top = above
    return top


def _line_end(text: bytes, at: int) -> int:
    end = text.find(b"\n", at)
    end = len(text) if end < 0 else end
    return end - 1 if end > 0 and text[end - 1 : end] == b"\r" else end


def _logical(text: bytes, start: int) -> int:
    """The end of the logical line at `start` (backslash continuations joined)."""
    end = _line_end(text, start)
    while end > start and text[end - 1 : end] == b"\\" and end < len(text):
        end = _line_end(text, text.find(b"\n", end) + 1)
    return end


def _lines(anchors: Anchors, macro: str, start: int, end: int) -> list[Line]:
    text, out, at = anchors.text, [], start
    while at <= end and at < len(text):
        stop = _logical(text, at)
        out.append(_classify(anchors, macro, at, stop))
        at = text.find(b"\n", stop) + 1 if text.find(b"\n", stop) >= 0 else len(text) + 1
    return out


def _classify(anchors: Anchors, macro: str, start: int, end: int) -> Line:
    raw = anchors.text[start:end].decode("utf-8", "replace").replace("\r\n", "\n")
    line = anchors.line_of(start)
    if not raw.strip():
        return Line("blank", line, start, end, raw)
    if not starts_token(anchors.tree, start + len(raw) - len(raw.lstrip())):
        return Line("foreign", line, start, end, raw, ("text inside a comment or string",))
    if raw.startswith(f"#define {macro}("):
        return Line("define", line, start, end, raw)
    if raw[:1].isspace() and _FRAGMENT.match(raw.strip()):
        return Line("fragment", line, start, end, raw)
    if raw == f"#undef {macro}":
        return Line("undef", line, start, end, raw)
    use = _USE.match(raw)
    if use and use["name"] == macro:
        return Line(
            "use", line, start, end, raw, (use["a"], use["b"]), use["sep"] or "", use["comment"] or ""
        )
    cond = _COND.match(raw)
    if cond:
        return Line("cond", line, start, end, raw, (cond["kind"], cond["expr"] or ""))
    if _BOUND.match(raw) and raw.endswith(");"):
        return Line("bound", line, start, end, raw)
    return Line("foreign", line, start, end, raw, (construct_at(anchors.tree, start),))


def _on(text: str, mirror: str) -> bool:
    return f"sizeof(struct {mirror})" in text or f"offsetof(struct {mirror}," in text


def _stray_endif(anchors: Anchors, end: int) -> list[Line]:
    """An `#endif` right after the block when the file has more `#endif`s than `#if`s: the
    remnant of the block's own `#if ... #endif` whose `#if` line went (or a duplicate), so
    the block owns it; in a balanced file an `#endif` there closes someone else's `#if`."""
    text = anchors.text
    start = text.find(b"\n", end) + 1
    if start <= 0 or not text.startswith(b"#endif", start):
        return []
    if _balance(text) >= 0:
        return []
    stop = _line_end(text, start)
    return [Line("cond", anchors.line_of(start), start, stop, "#endif", ("endif", ""))]


def _open(lines: list[Line]) -> int:
    """How many #if the block's lines leave open (its #undef deleted: the #endif comes after)."""
    depth = 0
    for line in lines:
        if line.kind == "cond":
            depth += {"ifdef": 1, "ifndef": 1, "if": 1, "endif": -1}.get(line.args[0], 0)
    return max(depth, 0)


def _bounds(anchors: Anchors, mirror: str, end: int, depth: int = 0) -> list[Line]:
    """The size/alignment asserts on `struct mirror` right after the block, with their `#if`s
    (and the `#endif`s of the `depth` #ifs the block left open)."""
    text, taken, pending, at = anchors.text, [], [], end
    inner = 0  # #ifs opened after the block: a bound inside one is ours once it is closed
    while text.find(b"\n", at) >= 0 and text.find(b"\n", at) + 1 < len(text):
        start = text.find(b"\n", at) + 1
        at = _logical(text, start)
        line = _classify(anchors, "", start, at)
        kind = line.args[0] if line.kind == "cond" else ""
        if line.kind == "bound" and _on(line.text, mirror):
            pending.append(line)
        elif kind in ("if", "ifdef", "ifndef"):
            inner += 1
            pending.append(line)
        elif kind and (inner or depth):
            if kind == "endif":
                inner, depth = (inner - 1, depth) if inner else (inner, depth - 1)
            pending.append(line)
        else:
            break
        if inner == 0:
            taken += pending
            pending = []
    if pending and _balance(text) > 0:  # its #endif went: the #if and what it holds are the block's
        taken += pending
    return taken


def _balance(text: bytes) -> int:
    """`#if`s minus `#endif`s in the file: not 0 where a line of a conditional was deleted."""
    opened = len(re.findall(rb"^[ \t]*#[ \t]*if(?:n?def)?\b", text, re.M))
    return opened - len(re.findall(rb"^[ \t]*#[ \t]*endif\b", text, re.M))


_PAGE = re.compile(r"\+ (?:(\d+) \* )?sizeof\(")


def define_page(text: str) -> int:
    """N of `+ N * sizeof(...)` in a #define's text (`+ sizeof(...)` is 1, none is 0)."""
    found = _PAGE.search(text)
    return (int(found[1]) if found[1] else 1) if found else 0


def kept_for(kept: Mapping[tuple[int, str, str], str], page: int, host: str, mirror: str) -> str:
    """The tree's trailing comment for this use: by both names, else by the mirror field or
    the page word alone (a renamed use keeps its comment)."""
    keys = ((page, host, mirror), (page, "", mirror), (page, host, ""))
    return next((kept[k] for k in keys if kept.get(k)), "")


def kept_comments(block: Block | None) -> dict[tuple[int, str, str], str]:
    """Each use's trailing comment as the tree has it, by (page[N] of its #define, host, mirror).

    The text is the kernel's: a spec says only that it is there. Keys with "" for the
    host or the mirror find it by one side alone (empty where that side is ambiguous).
    """
    out: dict[tuple[int, str, str], str] = {}
    page = 0
    for line in block.lines if block is not None else []:
        if line.kind == "define":
            page = define_page(line.text)
        elif line.kind == "use" and line.comment:
            out[(page, line.args[0], line.args[1])] = line.comment
            # Also by one side alone, so a renamed page word or field keeps the tree's comment.
            for key in ((page, "", line.args[1]), (page, line.args[0], "")):
                out[key] = line.comment if key not in out else ""
    return out


def struct_end(anchors: Anchors, name: str) -> int | None:
    """The byte offset just past `};` of the definition of `struct name`, or None.

    Read again from its first line when the parser lost it (kernel idioms above it).
    """
    found = anchors.structs.get(name)
    if found:
        return found[-1].end
    head = f"struct {name} {{".encode()
    at = anchors.text.find(head)
    while at >= 0:
        if (at == 0 or anchors.text[at - 1 : at] == b"\n") and starts_token(anchors.tree, at):
            again = scan(anchors.text[at:]).structs.get(name)
            return at + again[0].end if again else None
        at = anchors.text.find(head, at + 1)
    return None


def struct_ending_at(anchors: Anchors, line_start: int) -> str | None:
    """The struct whose definition ends on the line that starts at `line_start`."""
    stop = anchors.text.find(b"\n", line_start)
    stop = len(anchors.text) if stop < 0 else stop
    for name, pieces in anchors.structs.items():
        if any(line_start <= p.end - 1 < stop + 1 for p in pieces):
            return name
    text = anchors.text
    if text[line_start:stop].rstrip(b"\r") != b"};":
        return None
    heads = list(re.finditer(rb"^struct (\w+) \{\r?$", text[:line_start], re.M))
    for head in reversed(heads):
        name = head[1].decode()
        end = struct_end(anchors, name)
        return name if end is not None and line_start <= end - 1 < stop + 1 else None
    return None
