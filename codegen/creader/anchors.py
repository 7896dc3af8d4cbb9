"""The C constructs of a kernel header that anchor mirrorgen's regions, found with tree-sitter.

One pass over the parse tree collects every struct definition, function-like
macro (#define, uses, #undef) and `static_assert(sizeof(struct X) ...)`, by
name, wherever they are: also inside include guards and inside the ERROR nodes
that tree-sitter makes of kernel idioms or of a half-edited region. Positions
are byte offsets, so the caller can splice the header's bytes without ever
decoding them. Definitions that no region may swallow are kept too ("foreign"):
a region's pieces must not be separated by one of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from codegen.creader.syntax import comment_above, end_line, parse, starts_token

# Never descended into: bodies of functions and enums, expressions, macro text.
_OPAQUE = frozenset({
    "compound_statement", "argument_list", "preproc_arg", "enumerator_list", "parameter_list",
    "string_literal", "char_literal", "comment", "preproc_params", "function_definition",
})
# Definitions that belong to no region; a struct counts unless it is the region's own.
_FOREIGN = {"function_definition": "a function definition", "type_definition": "a typedef",
            "preproc_if": "an #if block", "preproc_ifdef": "an #ifdef block"}
_SIZEOF = re.compile(rb"sizeof\s*\(\s*struct\s+([A-Za-z_]\w*)\s*\)")


@dataclass(frozen=True)
class Piece:
    """One construct: its bytes [start, end), 1-based lines, and the comment above it
    (`syntax.comment_above`)."""

    kind: str  # "struct", "define", "use", "undef", "size"
    name: str  # struct tag or macro name
    start: int
    end: int
    line: int
    end_line: int
    comment_start: int | None = None
    comment_line: int | None = None
    body: bytes = b""  # a #define's replacement text
    params: tuple[str, ...] = ()  # a #define's parameters
    # A struct's text outside `struct X {...}`: `typedef ` before, ` name_t;` or
    # ` __randomize_layout;` after. Kept byte for byte when the struct is rewritten.
    head: bytes = b""
    tail: bytes = b";"
    node: Any = field(default=None, compare=False, repr=False)  # the syntax node, for ownership checks


@dataclass
class Anchors:
    text: bytes
    tree: Any
    structs: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))
    defines: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))
    uses: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))
    undefs: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))
    sizes: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))
    foreign: list[Piece] = field(default_factory=list)
    macros: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # name -> #define offsets

    def line_of(self, offset: int) -> int:
        return self.text.count(b"\n", 0, offset) + 1


def scan(text: bytes) -> Anchors:
    anchors = Anchors(text, parse(text))
    stack = [anchors.tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in _FOREIGN:
            anchors.foreign.append(_piece("foreign", _FOREIGN[kind], node, node.end_byte))
        if kind == "struct_specifier":
            _struct(anchors, node)
        elif kind in ("enum_specifier", "union_specifier") and node.child_by_field_name("body"):
            name = node.child_by_field_name("name")
            if name is not None:  # an anonymous union is part of whatever holds it
                what = f"{kind.split('_')[0]} {name.text.decode()}"
                anchors.foreign.append(_piece("foreign", what, node, node.end_byte))
        elif kind == "preproc_function_def":
            _define(anchors, node)
        if kind in ("preproc_def", "preproc_function_def"):
            macro = node.child_by_field_name("name")
            if macro is not None:
                anchors.macros[macro.text.decode(errors="replace")].append(node.start_byte)
        elif kind == "preproc_call":
            _undef(anchors, node)
        elif kind == "call_expression":
            _call(anchors, node)
            continue
        if kind not in _OPAQUE:
            stack.extend(reversed(node.children))
    return anchors


def _piece(kind: str, name: str, node: Any, end: int, *, comment: bool = False,
           body: bytes = b"", params: tuple[str, ...] = (), head: bytes = b"", tail: bytes = b";") -> Piece:
    above = comment_above(node) if comment else None
    return Piece(
        kind, name, node.start_byte, end, node.start_point[0] + 1, end_line(node, end),
        above.start_byte if above is not None else None,
        above.start_point[0] + 1 if above is not None else None,
        body,
        params,
        head,
        tail,
        node,
    )


def _struct(anchors: Anchors, node: Any) -> None:
    name = node.child_by_field_name("name")
    if name is None or node.child_by_field_name("body") is None:
        return
    wrapped = node.parent is not None and node.parent.type in ("declaration", "type_definition")
    outer = node.parent if wrapped else node
    end = outer.end_byte
    after = outer.next_sibling
    if outer is node and after is not None and after.type == ";":
        end = after.end_byte
    body_end = node.child_by_field_name("body").end_byte
    head, tail = anchors.text[outer.start_byte : node.start_byte], anchors.text[body_end:end]
    piece = _piece("struct", name.text.decode(), outer, end, comment=True, head=head, tail=tail)
    anchors.structs[piece.name].append(piece)
    anchors.foreign.append(piece)


def _define(anchors: Anchors, node: Any) -> None:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    body = value.text if value is not None else b""
    parameters = node.child_by_field_name("parameters")
    params = tuple(p.text.decode() for p in parameters.named_children) if parameters is not None else ()
    piece = _piece("define", name.text.decode(), node, node.end_byte, comment=True, body=body, params=params)
    anchors.defines[piece.name].append(piece)


def _undef(anchors: Anchors, node: Any) -> None:
    directive = node.child_by_field_name("directive")
    argument = node.child_by_field_name("argument")
    if directive is None or directive.text.strip() != b"#undef" or argument is None:
        return
    name = argument.text.strip().decode(errors="replace")
    anchors.undefs[name].append(_piece("undef", name, node, node.end_byte))


def _call(anchors: Anchors, node: Any) -> None:
    function = node.child_by_field_name("function")
    if function is None or function.type != "identifier":
        return
    outer = node.parent if node.parent is not None and node.parent.type == "expression_statement" else node
    name = function.text.decode()
    if name in ("static_assert", "_Static_assert"):
        arguments = node.child_by_field_name("arguments")
        target = _SIZEOF.search(arguments.text) if arguments is not None else None
        if target is not None:
            piece = _piece("size", target.group(1).decode(), outer, outer.end_byte, comment=True)
            anchors.sizes[piece.name].append(piece)
        return
    anchors.uses[name].append(_piece("use", name, outer, outer.end_byte))


def marker_lines(anchors: Anchors, marker: str) -> list[int]:
    """Byte offsets of the lines that read exactly `marker` and start a C token there
    (a line inside a longer comment or string does not count)."""
    want = marker.strip().encode()
    found: list[int] = []
    start = 0
    for line in anchors.text.splitlines(keepends=True):
        if line.strip() == want:
            first = start + (len(line) - len(line.lstrip()))
            if starts_token(anchors.tree, first):
                found.append(start)
        start += len(line)
    return found
