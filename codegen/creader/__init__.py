"""The one C reader: kernel header text parsed with tree-sitter.

- `syntax`: `parse`, the one rule for "the comment above" a construct, and
  the small node queries every reader shares;
- `shape`: structs with their members, assert macros with their uses, size
  asserts, by line (to explain, in kernel terms, what differs);
- `anchors`: the same constructs as byte spans (to splice a header's bytes),
  plus the definitions no region may swallow.

It sits below `place`, `check` and `propose` and imports nothing of
mirrorgen's but `errors`. tree-sitter itself is imported on the first parse.
"""

from __future__ import annotations

from codegen.creader.syntax import parse

__all__ = ["parse"]
