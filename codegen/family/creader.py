"""The one way family code reads C: the project's tree-sitter reader.

Everything under codegen/family parses through `parse_c`, so moving the reader
is a one-line change here.
"""

from __future__ import annotations

from typing import Any

from codegen.check.shape import parse


def parse_c(text: bytes) -> Any:
    """The tree-sitter tree of `text`."""
    return parse(text)
