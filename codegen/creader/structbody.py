"""A mirror struct's definition in a C file, read line by line where C syntax says it is.

The region is the comment that belongs to the struct (the one rule of
syntax.py: it ends on the line just above `struct NAME {` and starts a line),
the `struct NAME {` line (a C token, not text inside a comment) and the body
up to the first `};` that starts a line. Each body line is classified (field,
`union {` / `struct {`, `};`, own-line comment, conditional directive, blank);
a line that is none of them is "foreign" (a human's text the spec does not
make). `nest` turns the lines into a tree of aggregates and conditionals.
Positions are bytes, so callers splice the file without decoding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from codegen.creader.anchors import Anchors
from codegen.creader.syntax import construct_at, starts_token

_OPEN = re.compile(r"^(?P<indent>\t*)(?P<kind>struct|union) \{$")
_CLOSE = re.compile(r"^(?P<indent>\t*)\};$")
_FIELD = re.compile(
    r"^(?P<indent>\t*)(?P<decl>[A-Za-z_][^;{}#/]*?);(?:(?P<sep>[ \t]+)(?P<comment>/\*.*\*/))?$"
)
_DECL = re.compile(
    r"^(?P<type>[A-Za-z_][A-Za-z0-9_ ]*?(?: ?\*+)?) ?(?P<name>[A-Za-z_]\w*)"
    r"(?:\[(?P<array>\w+)\])?(?:(?P<bitsep> ?):(?P=bitsep)(?P<bits>\d+))?$"
)
_TAGGED = re.compile(r"^(?:struct|union) [A-Za-z_]\w*$")
_DIRECTIVE = re.compile(
    r"^#(?P<kind>ifdef|ifndef|if|elif|else|endif)(?: (?P<expr>[^/]*?))?"
    r"(?:(?P<sep>[ \t]+)(?P<comment>/\*.*\*/))?$"
)
_MARKER = re.compile(r"^/\* (?P<marker>private|public):(?: (?P<text>.*?))? \*/$")


class BodyLine(NamedTuple):  # a sixth of a frozen dataclass's class-creation cost (every cold check)
    """One line of the region (a comment spans its lines)."""

    # comment, open, close, field, directive, blank, foreign
    kind: str
    line: int  # 1-based, in the file
    start: int
    end: int  # [start, end) without the newline
    text: str  # as written, lines joined by "\n"
    indent: str = ""
    # field: type, name ("" for an anonymous tagged member), array, bits, bitsep;
    # open: kind; directive: kind, expr; comment: marker, marker text
    args: tuple[str, ...] = ()
    sep: str = ""  # field, directive: what separates a trailing comment
    comment: str = ""  # field, directive: the trailing comment


@dataclass
class StructRegion:
    name: str
    start: int
    end: int
    line: int
    end_line: int
    above: BodyLine | None  # the comment that belongs to the struct
    head: int  # byte offset of `struct NAME {`
    lines: list[BodyLine] = field(default_factory=list)  # the body, between the head and `};`
    closed: bool = True  # False: no `};` starts a line after the head

    def foreign(self) -> BodyLine | None:
        return next((x for x in self.lines if x.kind == "foreign"), None)


def find_struct(anchors: Anchors, name: str, with_comment: bool = True) -> StructRegion | None:
    """The definition of `struct name` (with its comment unless not `with_comment`), or None
    when no line starts it."""
    text = anchors.text
    head = re.compile(rb"^struct " + re.escape(name.encode()) + rb" \{\r?$", re.M)
    found = next((m.start() for m in head.finditer(text) if starts_token(anchors.tree, m.start())), None)
    if found is None:
        return None
    stop = re.compile(rb"^\}[^\n]*;\r?$", re.M).search(text, found)
    closed = stop is not None
    end = _line_end(text, stop.start()) if stop is not None else len(text)
    while closed and re.match(rb"\r?\n\};\r?(?:\n|$)", text[end : end + 5]):
        end = _line_end(text, end + 1)  # a stray second `};` is a remnant of ours: its drift
    body_start = text.find(b"\n", found) + 1
    region = StructRegion(name, found, end, anchors.line_of(found), 0, None, found, closed=closed)
    region.lines = _body(anchors, body_start, stop.start() if stop is not None else len(text))
    above = _comment_above(anchors, found) if with_comment else None
    if above is not None:
        region.above, region.start, region.line = above, above.start, above.line
        stacked = _comment_above(anchors, above.start)
        if stacked is not None:  # which of the two is the struct's is a human's call
            what = ("a second comment right above the struct's comment",)
            region.lines.insert(0, BodyLine("foreign", stacked.line, stacked.start, stacked.end, stacked.text,
                                            "", what))
            region.start, region.line = stacked.start, stacked.line
    region.end_line = anchors.line_of(max(end - 1, found))
    return region


def closing(anchors: Anchors, region: StructRegion) -> str:
    """The `};` line as written (an attribute after `}` shows here)."""
    return anchors.text[anchors.text.rfind(b"\n", 0, region.end) + 1 : region.end].decode(
        "utf-8", "replace"
    ).rstrip("\r")


def _line_end(text: bytes, at: int) -> int:
    end = text.find(b"\n", at)
    end = len(text) if end < 0 else end
    return end - 1 if end > 0 and text[end - 1 : end] == b"\r" else end


def _comment_above(anchors: Anchors, head: int) -> BodyLine | None:
    text = anchors.text
    if head < 2:
        return None
    above_end = _line_end(text, text.rfind(b"\n", 0, head - 1) + 1)
    if not text[:above_end].endswith(b"*/"):
        return None
    node = anchors.tree.root_node.descendant_for_byte_range(above_end - 2, above_end - 1)
    if node is None or node.type != "comment" or node.end_byte != above_end:
        return None
    start = node.start_byte
    if start > 0 and text[start - 1 : start] != b"\n":
        return None  # a trailing comment of the construct before, or indented text
    raw = text[start:above_end].decode("utf-8", "replace").replace("\r\n", "\n")
    return BodyLine("comment", anchors.line_of(start), start, above_end, raw, "", ("", ""))


def _body(anchors: Anchors, start: int, stop: int) -> list[BodyLine]:
    text, out, at = anchors.text, [], start
    while at < stop:
        end = _line_end(text, at)
        line = _classify(anchors, at, end)
        out.append(line)
        at = text.find(b"\n", line.end)
        at = len(text) if at < 0 else at + 1
    return out


def _classify(anchors: Anchors, start: int, end: int) -> BodyLine:
    text = anchors.text
    raw = text[start:end].decode("utf-8", "replace").rstrip("\r")
    line = anchors.line_of(start)
    if not raw.strip():
        return BodyLine("blank", line, start, end, raw)
    lead = len(raw) - len(raw.lstrip())
    indent = raw[:lead]
    if not starts_token(anchors.tree, start + lead):
        return BodyLine("foreign", line, start, end, raw, indent, ("text inside a comment or string",))
    body = raw[lead:]
    if body.startswith("/*"):
        node = anchors.tree.root_node.descendant_for_byte_range(start + lead, start + lead + 1)
        stop = node.end_byte if node is not None and node.type == "comment" else end
        if _line_end(text, stop) != stop:  # code after the comment on its last line
            return BodyLine("foreign", line, start, _line_end(text, stop), raw, indent, ("a comment",))
        whole = text[start:stop].decode("utf-8", "replace").replace("\r\n", "\n")
        marker = _MARKER.match(whole[lead:])
        args = (marker["marker"], marker["text"] or "") if marker else ("", "")
        return BodyLine("comment", line, start, stop, whole, indent, args)
    if (m := _OPEN.match(raw)) is not None:
        return BodyLine("open", line, start, end, raw, indent, (m["kind"],))
    if _CLOSE.match(raw):
        return BodyLine("close", line, start, end, raw, indent)
    if (m := _DIRECTIVE.match(raw)) is not None:
        return BodyLine(
            "directive", line, start, end, raw, "", (m["kind"], m["expr"] or ""), m["sep"] or "",
            m["comment"] or "",
        )
    if (m := _FIELD.match(raw)) is not None:
        decl = " ".join(m["decl"].split(" ")) if "  " not in m["decl"] else ""
        if decl and _TAGGED.match(decl):
            return BodyLine(
                "field", line, start, end, raw, indent, (decl, "", "", "", ""), m["sep"] or "",
                m["comment"] or "",
            )
        d = _DECL.match(decl) if decl else None
        if d is not None and d["type"].strip():
            kind = d["type"].rstrip()
            return BodyLine(
                "field", line, start, end, raw, indent,
                (kind, d["name"], d["array"] or "", d["bits"] or "", d["bitsep"] or ""),
                m["sep"] or "", m["comment"] or "",
            )
    return BodyLine("foreign", line, start, end, raw, indent, (construct_at(anchors.tree, start + lead),))


# -- nesting ---------------------------------------------------------------------------------


@dataclass
class Aggregate:
    kind: str  # struct or union
    open: BodyLine
    close: BodyLine | None
    members: list[Node] = field(default_factory=list)


@dataclass
class Conditional:
    branches: list[tuple[BodyLine, list[Node]]] = field(default_factory=list)
    endif: BodyLine | None = None


Node = BodyLine | Aggregate | Conditional


class Unnested(Exception):
    def __init__(self, line: BodyLine, why: str) -> None:
        super().__init__(why)
        self.at, self.why = line, why


def nest(lines: list[BodyLine]) -> list[Node]:
    """The body as a tree; Unnested when an aggregate or #if does not close where it opened."""
    top: list[Node] = []
    stack: list[Aggregate | Conditional] = []

    def sink() -> list[Node]:
        if not stack:
            return top
        last = stack[-1]
        return last.members if isinstance(last, Aggregate) else last.branches[-1][1]

    for line in lines:
        if line.kind == "open":
            agg = Aggregate(line.args[0], line, None)
            sink().append(agg)
            stack.append(agg)
        elif line.kind == "close":
            if not stack or not isinstance(stack[-1], Aggregate):
                raise Unnested(line, "a '};' that closes nothing opened in the same #if branch")
            closed = stack.pop()
            assert isinstance(closed, Aggregate)
            closed.close = line
        elif line.kind == "directive":
            kind = line.args[0]
            if kind in ("ifdef", "ifndef", "if"):
                cond = Conditional([(line, [])])
                sink().append(cond)
                stack.append(cond)
            elif not stack or not isinstance(stack[-1], Conditional):
                raise Unnested(line, f"#{kind} outside the #if it belongs to")
            elif kind == "endif":
                done = stack.pop()
                assert isinstance(done, Conditional)
                done.endif = line
            else:
                current = stack[-1]
                assert isinstance(current, Conditional)
                if current.branches[-1][0].args[0] == "else":
                    raise Unnested(line, f"#{kind} after #else")
                current.branches.append((line, []))
        else:
            sink().append(line)
    if stack:
        left = stack[-1]
        opened = left.open if isinstance(left, Aggregate) else left.branches[0][0]
        raise Unnested(opened, "an aggregate or #if the struct does not close")
    return top


# -- kept text: where a comment of the tree stands, named the same way on both sides -----------


def prose_keys(events: list[tuple[str, str]]) -> list[str]:
    """A key per event that names where it stands: `events` are (kind, name) in text order,
    kind one of field (name), comment, marker (its kind), trail (on the field named),
    directive (its text), above. A comment is named by the next field after it, so a key
    survives edits elsewhere in the struct."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for i, (kind, name) in enumerate(events):
        if kind in ("comment", "marker", "directive"):
            following = next((n for k, n in events[i + 1 :] if k == "field"), "")
            base = f"{kind}:{name}:{following}"
        else:
            base = f"{kind}:{name}"
        seen[base] = seen.get(base, 0) + 1
        keys.append(f"{base}#{seen[base]}")
    return keys


def tree_prose(region: StructRegion | None) -> dict[str, str]:
    """The tree's comment texts by key (see prose_keys): own-line comments whole, marker text,
    trailing comments after fields and directives."""
    if region is None:
        return {}
    events: list[tuple[str, str]] = []
    texts: list[str] = []
    if region.above is not None:
        events.append(("above", ""))
        texts.append(region.above.text)
    for line in region.lines:
        if line.kind == "field":
            events.append(("field", line.args[1] or line.args[0]))
            texts.append("")
            if line.comment:
                events.append(("trail", line.args[1] or line.args[0]))
                texts.append(line.comment)
        elif line.kind == "comment":
            if line.args[0]:
                events.append(("marker", line.args[0]))
                texts.append(line.args[1])
            else:
                events.append(("comment", ""))
                texts.append(dedent(line.text, line.indent))
        elif line.kind == "directive" and line.comment:
            events.append(("directive", line.text.split("/*")[0].strip()))
            texts.append(line.comment)
    return {k: t for k, t in zip(prose_keys(events), texts, strict=True) if t}


def dedent(text: str, indent: str) -> str:
    """A comment's text with `indent` taken off each continuation line ("": a line lacks it)."""
    rows = text.split("\n")
    out = [rows[0][len(indent) :]]
    for row in rows[1:]:
        if not row.startswith(indent):
            return ""
        out.append(row[len(indent) :])
    return "\n".join(out)
