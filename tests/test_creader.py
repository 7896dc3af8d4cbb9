"""The one C reader: its line view (shape) and its byte view (anchors) agree on
which comment is a construct's own, under one rule."""

from __future__ import annotations

import pytest

from codegen.creader import parse
from codegen.creader.anchors import scan
from codegen.creader.shape import extract

CASES = {
    "adjacent": (b"/* mine */\nstruct s {\n\tint a;\n};\n", 1),
    "blank line between": (b"/* not mine */\n\nstruct s {\n\tint a;\n};\n", None),
    "trailing comment of the line above": (b"int x; /* x's */\nstruct s {\n\tint a;\n};\n", None),
    "on the construct's own line": (b"/* before */ struct s {\n\tint a;\n};\n", None),
    "after an include guard's #define": (
        b"#ifndef G\n#define G\n/* mine */\nstruct s {\n\tint a;\n};\n#endif\n", 3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_and_anchors_take_the_same_comment(name: str) -> None:
    text, line = CASES[name]
    struct = extract(text).structs["s"]
    (piece,) = scan(text).structs["s"]
    assert struct.comment_line == line
    assert piece.comment_line == line
    assert (struct.comment is not None) == (line is not None)


def test_parse_reads_bytes() -> None:
    tree = parse(b"struct s { int a; };\n")
    assert tree.root_node.type == "translation_unit"
    assert not tree.root_node.has_error
