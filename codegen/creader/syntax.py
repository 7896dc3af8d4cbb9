"""Parsing C with tree-sitter, and the node queries every reader of it shares."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from codegen.errors import ToolError

# What a construct is, in a word or two, by tree-sitter node type.
OTHER = "text of another kind"  # callers say that the spec does not generate it
KINDS = {
    "preproc_include": "an #include",
    "preproc_def": "a #define",
    "preproc_function_def": "a #define",
    "preproc_call": "a preprocessor directive",
    "preproc_if": "an #if block",
    "preproc_ifdef": "an #ifdef block",
    "preproc_else": "an #else",
    "preproc_elif": "an #elif",
    "comment": "a comment",
    "declaration": "a declaration",
    "field_declaration": "a member declaration",
    "function_definition": "a function definition",
    "type_definition": "a typedef",
    "expression_statement": "a statement or macro call",
    "ERROR": "text that does not parse as C",
}


@cache
def _parser() -> Any:
    try:
        import tree_sitter
        import tree_sitter_c
    except ImportError:
        raise ToolError("tree-sitter is not installed: pip install tree-sitter tree-sitter-c") from None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def parse(text: bytes) -> Any:
    """The tree-sitter syntax tree of `text` (a `tree_sitter.Tree`)."""
    return _parser().parse(text)


def comment_above(node: Any) -> Any:
    """The comment that belongs to `node`, or None.

    The one rule, for every reader: a comment is `node`'s when it is the node's
    previous sibling, ends on the line just above it (no blank line between),
    and is not the trailing comment of the construct before it.
    """
    prev = node.prev_sibling
    if prev is None or prev.type != "comment" or prev.end_point[0] + 1 != node.start_point[0]:
        return None
    before = prev.prev_sibling
    if before is not None and before.end_point[0] == prev.start_point[0] and before.end_point[1] > 0:
        return None  # a trailing comment of the construct before
    return prev


def comment_text(comment: Any) -> str:
    """A comment's text with each line stripped, as a spec's comment compares to it."""
    return "\n".join(line.strip() for line in comment.text.decode("utf-8", "replace").splitlines())


def norm(data: bytes) -> str:
    """C text with continuation lines joined and whitespace collapsed."""
    return " ".join(data.decode("utf-8", errors="replace").replace("\\\n", " ").split())


def end_line(node: Any, end: int) -> int:
    """The 1-based last line of `node` when it is taken to end at byte `end`."""
    # Preprocessor nodes end after their newline, i.e. at column 0 of the next row.
    row, col = int(node.end_point[0]), int(node.end_point[1])
    return row + 1 if col or end != node.end_byte else row


def enclosing(tree: Any, offset: int, kind: str) -> Any:
    """The innermost node of type `kind` holding the byte at `offset`, or None."""
    node = tree.root_node.descendant_for_byte_range(offset, offset + 1)
    while node is not None and node.type != kind:
        node = node.parent
    return node


def construct_at(tree: Any, at: int) -> str:
    """What the outermost construct starting at byte `at` is, in a word or two."""
    node = tree.root_node.descendant_for_byte_range(at, at)
    while node is not None and node.parent is not None and node.parent.start_byte == at \
            and node.parent.type != "translation_unit":
        node = node.parent
    return KINDS.get(node.type if node is not None else "", OTHER)


def starts_token(tree: Any, at: int) -> bool:
    """Does a C token start at byte `at` (not inside a longer comment or string)?"""
    node = tree.root_node.descendant_for_byte_range(at, at)
    return node is not None and node.start_byte == at


def unparsable(node: Any, start: int, end: int) -> Iterator[int]:
    """Start offsets of text tree-sitter could not parse inside [start, end)."""
    if node.end_byte <= start or node.start_byte >= end or not node.has_error:
        return
    if (node.type == "ERROR" or node.is_missing) and node.start_byte >= start:
        yield node.start_byte
        return
    for child in node.children:
        yield from unparsable(child, start, end)


def in_error(tree: Any, offset: int) -> bool:
    """Is the byte at `offset` inside text that does not parse (a whole comment never is)?"""
    node = tree.root_node.descendant_for_byte_range(offset, offset)
    if node is not None and node.type == "comment":
        return False  # even where error recovery put it inside an ERROR further up
    while node is not None:
        if node.type == "ERROR" or node.is_missing:
            return True
        node = node.parent
    return False
