"""Which of a family's regions in a tree are clang-format-stable (what `import` records as
`clang_format: true`): the tree's own bytes, formatted with the tree's own `.clang-format`
(the bundled kernel style where the tree has none), come back byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codegen.creader.anchors import scan
from codegen.creader.macroblock import Block
from codegen.creader.structbody import find_struct


def stable_regions(tree: Path, block_data: bytes, block: Block, struct_data: bytes,
                   struct_name: str) -> tuple[bool, bool]:
    """(the assert block is stable, the struct is stable), from one clang-format call."""
    from codegen.format import format_snippets
    from codegen.place.tree_paths import style_file
    from codegen.resources import clang_format_style

    region = find_struct(scan(struct_data), struct_name)
    assert region is not None  # import read the struct from these bytes
    texts = [_text(block_data[block.start : block.end]), _text(struct_data[region.start : region.end])]
    formatted = format_snippets(texts, style_file(tree) or clang_format_style())
    block_ok, struct_ok = (f == t + "\n" for f, t in zip(formatted, texts, strict=True))
    return block_ok, struct_ok


def with_clang_format(section: dict[str, Any], stable: bool) -> dict[str, Any]:
    """The `struct:` section with its `clang_format` right after the name."""
    out: dict[str, Any] = {}
    for key, value in section.items():
        out[key] = value
        if key == "name":
            out["clang_format"] = stable
    return out


def _text(data: bytes) -> str:
    # as rendered: the newline of the file is the place stage's business, not clang-format's
    return data.decode("utf-8", "replace").replace("\r\n", "\n")
