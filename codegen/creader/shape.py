"""The shape of C text: structs and their members, assert macros and their uses,
size asserts, and the comment above each, by line.

Used to say *what* differs between the text a spec produces and the text on
disk, in kernel terms, for generated/ files and for kernel headers alike, and
to read a tree's header as a spec (propose's baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codegen.creader.syntax import comment_above, comment_text, norm, parse


@dataclass
class MemberShape:
    name: str  # "" for an anonymous struct/union
    type: str  # whitespace-normalized declaration text without the name ("union", "struct" for anonymous)
    line: int  # 1-based line in the parsed text
    children: list[MemberShape] | None = None  # members of an anonymous struct/union
    comment: str | None = None  # comment directly above, inside the enclosing braces


@dataclass
class StructShape:
    name: str
    line: int
    members: list[MemberShape]
    comment: str | None
    end_line: int
    comment_line: int | None = None  # first line of the comment above


@dataclass
class MacroShape:
    name: str
    params: tuple[str, ...]
    body: str  # whitespace-normalized replacement text
    line: int
    comment: str | None
    uses: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    undef_line: int | None = None
    comment_line: int | None = None
    define_end_line: int | None = None  # last line of the #define (continuation lines)


@dataclass
class SizeAssertShape:
    text: str  # whitespace-normalized
    line: int
    comment: str | None
    comment_line: int | None = None


@dataclass
class Shape:
    structs: dict[str, StructShape] = field(default_factory=dict)
    macros: dict[str, MacroShape] = field(default_factory=dict)
    size_asserts: list[SizeAssertShape] = field(default_factory=list)


def _comment_above(node: Any) -> str | None:
    comment = comment_above(node)
    return comment_text(comment) if comment is not None else None


def _comment_line(node: Any) -> int | None:
    """First line of the comment above `node`, if any."""
    comment = comment_above(node)
    return int(comment.start_point[0]) + 1 if comment is not None else None


def _members(field_list: Any) -> list[MemberShape]:
    out: list[MemberShape] = []
    for child in field_list.named_children:
        if child.type != "field_declaration":
            continue
        line = child.start_point[0] + 1
        comment = _comment_above(child)
        spec = child.child_by_field_name("type")
        declarator = child.child_by_field_name("declarator")
        if declarator is None and spec is not None and spec.type in ("union_specifier", "struct_specifier"):
            body = spec.child_by_field_name("body")
            kind = "union" if spec.type == "union_specifier" else "struct"
            out.append(MemberShape("", kind, line, _members(body) if body else [], comment))
            continue
        name = _declarator_name(declarator) if declarator is not None else ""
        decl = norm(child.text).rstrip(";").strip()
        type_text = decl[: decl.rfind(name)].strip() if name else decl
        out.append(MemberShape(name, type_text.replace("* ", "*").replace(" *", " *"), line, None, comment))
    return out


def _declarator_name(node: Any) -> str:
    while node is not None and node.type not in ("field_identifier", "identifier"):
        node = node.child_by_field_name("declarator") or (
            node.named_children[-1] if node.named_children else None
        )
    return node.text.decode() if node is not None else ""


_PREPROC = ("preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "preproc_elifdef")


def member_names(text: bytes, tag: str) -> tuple[int, frozenset[str]] | None:
    """`struct tag`'s line and every member name it declares, anonymous structs and unions
    opened and members under any `#if` included (what a kernel config may give it); None when
    `text` does not define it."""
    stack = list(reversed(parse(text).root_node.children))
    while stack:
        node = stack.pop()
        if node.type in _PREPROC:
            stack.extend(reversed(node.children))
            continue
        if node.type not in ("struct_specifier", "declaration"):
            continue
        spec = node if node.type == "struct_specifier" else node.child_by_field_name("type")
        if spec is None or spec.type != "struct_specifier":
            continue
        name, body = spec.child_by_field_name("name"), spec.child_by_field_name("body")
        if name is not None and body is not None and name.text.decode() == tag:
            return int(node.start_point[0]) + 1, frozenset(_names(body))
    return None


def _names(body: Any) -> list[str]:
    out: list[str] = []
    for child in body.named_children:
        if child.type in _PREPROC:
            out += _names(child)
        elif child.type == "field_declaration":
            kind = child.child_by_field_name("type")
            declarators = child.children_by_field_name("declarator")
            if not declarators and kind is not None and kind.type in ("struct_specifier", "union_specifier"):
                inner = kind.child_by_field_name("body")
                out += _names(inner) if inner is not None else []
            out += [_declarator_name(d) for d in declarators]
    return out


def extract(text: bytes) -> Shape:
    """Read the shape of every top-level struct, assert macro and size assert in `text`."""
    shape = Shape()
    for node in parse(text).root_node.children:
        _visit(node, shape)
    return shape


def _visit(node: Any, shape: Shape) -> None:
    kind = node.type
    if kind in _PREPROC:
        for child in node.children:  # include guards and config blocks hold the constructs
            _visit(child, shape)
    elif kind in ("struct_specifier",) or (
        kind == "declaration"
        and node.child_by_field_name("type") is not None
        and node.child_by_field_name("type").type == "struct_specifier"
        and node.child_by_field_name("declarator") is None
    ):
        spec = node if kind == "struct_specifier" else node.child_by_field_name("type")
        name_node = spec.child_by_field_name("name")
        body = spec.child_by_field_name("body")
        if name_node is not None and body is not None:
            name = name_node.text.decode()
            shape.structs[name] = StructShape(
                name, node.start_point[0] + 1, _members(body), _comment_above(node), node.end_point[0] + 1,
                _comment_line(node),
            )
    elif kind == "preproc_function_def":
        name = node.child_by_field_name("name").text.decode()
        params = tuple(p.text.decode() for p in node.child_by_field_name("parameters").named_children)
        value = node.child_by_field_name("value")
        shape.macros[name] = MacroShape(
            name, params, norm(value.text) if value else "", node.start_point[0] + 1, _comment_above(node),
            comment_line=_comment_line(node),
            define_end_line=node.end_point[0] + (0 if node.end_point[1] == 0 else 1),
        )
    elif kind == "preproc_call":
        directive = node.child_by_field_name("directive").text.decode()
        arg = node.child_by_field_name("argument")
        if directive == "#undef" and arg is not None and arg.text.decode().strip() in shape.macros:
            shape.macros[arg.text.decode().strip()].undef_line = node.start_point[0] + 1
    elif kind == "expression_statement" and node.named_children:
        call = node.named_children[0]
        if call.type != "call_expression":
            return
        fn = call.child_by_field_name("function").text.decode()
        args = call.child_by_field_name("arguments")
        if fn in ("static_assert", "_Static_assert") and b"sizeof" in args.text:
            shape.size_asserts.append(
                SizeAssertShape(norm(node.text), node.start_point[0] + 1, _comment_above(node),
                                _comment_line(node))
            )
        elif fn in shape.macros:
            values = tuple(norm(a.text) for a in args.named_children if a.type != "comment")
            shape.macros[fn].uses.append((values, node.start_point[0] + 1))
