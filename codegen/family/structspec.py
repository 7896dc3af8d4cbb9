"""A mirror struct's definition in a real tree (creader.structbody), as spec-v2 `struct:` data.

Only what the model can say is accepted; anything else is an InputError naming
the construct and its line ("import cannot express ..."). The importer proves
the data by rendering it back (family/importer.py), so a struct that would
come out different is refused too.

Comment text is the kernel's. `prose="inline"` writes it into the spec (the
user's own local file: deleting the struct and running `apply` restores it);
`prose="kept"` writes `kept` instead, and the text stays the tree's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from codegen.creader.anchors import Anchors, scan
from codegen.creader.macroblock import struct_ending_at
from codegen.creader.structbody import (
    Aggregate,
    BodyLine,
    Conditional,
    Node,
    StructRegion,
    Unnested,
    closing,
    dedent,
    find_struct,
    nest,
)
from codegen.errors import InputError

ProseMode = Literal["inline", "kept"]
KEPT = "kept"
_BARE = re.compile(r"^[A-Za-z_]\w*$")
_LOCAL_INCLUDE = re.compile(rb'^#include "([A-Za-z0-9_./-]+)"\r?$', re.M)


def locate_struct(tree: Path, block_file: str, name: str, shown_tree: str) -> tuple[str, bytes]:
    """The file (relative to the tree) defining `struct name`: the block's own file, else one
    of its local `#include "..."` headers."""
    data = (tree / block_file).read_bytes()
    if find_struct(scan(data), name) is not None:
        return block_file, data
    folder = Path(block_file).parent
    for m in _LOCAL_INCLUDE.finditer(data):
        relative = (folder / m[1].decode()).as_posix()
        path = tree / relative
        if path.is_file() and find_struct(scan(other := path.read_bytes()), name) is not None:
            return relative, other
    raise InputError(f"{shown_tree.rstrip('/')}/{block_file}", 1, 1,
                     f"import cannot find the definition of struct {name} (in this file or a header it "
                     "includes with #include \"...\")")


def struct_section(data: bytes, name: str, relative: str, block_file: str, shown: str,
                   prose: ProseMode) -> dict[str, Any]:
    anchors = scan(data)
    region = find_struct(anchors, name)
    if region is None:
        raise InputError(shown, 1, 1, f"no 'struct {name} {{' found by C syntax")
    return _Reader(anchors, region, shown, prose).section(relative, block_file)


class _Reader:
    def __init__(self, anchors: Anchors, region: StructRegion, shown: str, prose: ProseMode) -> None:
        self.anchors, self.region, self.shown, self.prose = anchors, region, shown, prose
        self.layout: dict[str, Any] = {}

    def fail(self, line: int, what: str) -> InputError:
        return InputError(self.shown, line, 1, f"import cannot express {what} (the struct: section has no "
                                               "form for it)")

    def section(self, relative: str, block_file: str) -> dict[str, Any]:
        region = self.region
        if not region.closed:
            raise self.fail(region.line, f"struct {region.name} without a '}};' that starts a line")
        end = closing(self.anchors, region)
        if end != "};":
            raise self.fail(region.end_line, f"'{end}' (an attribute or declarator after the closing brace)")
        foreign = region.foreign()
        if foreign is not None:
            raise self.fail(foreign.line, f"{foreign.args[0] if foreign.args else 'this text'} in the struct")
        try:
            tree = nest(region.lines)
        except Unnested as exc:
            raise self.fail(exc.at.line, exc.why) from None
        out: dict[str, Any] = {"name": region.name}
        if relative != block_file:
            out["file"] = relative
        if region.above is not None:
            out["comment"] = KEPT if self.prose == "kept" else region.above.text
        after = self.after()
        if after:
            out["after"] = after
        body = self.members(tree, 1)
        if self.layout:
            out["layout"] = self.layout
        out["body"] = body
        return out

    def members(self, nodes: list[Node], depth: int) -> list[Any]:
        out: list[Any] = []
        for node in nodes:
            if isinstance(node, Aggregate):
                for line in (node.open, node.close):
                    if line is not None and line.indent != "\t" * depth:
                        raise self.fail(line.line, f"a '{line.text.strip()}' indented unlike its depth")
                out.append({node.kind: self.members(node.members, depth + 1)})
            elif isinstance(node, Conditional):
                out.append(self.conditional(node, depth))
            elif node.kind == "blank":
                if node.text:
                    raise self.fail(node.line, "a blank line with spaces or tabs on it")
                if out and isinstance(out[-1], dict) and set(out[-1]) == {"blank"}:
                    out[-1]["blank"] += 1
                else:
                    out.append({"blank": 1})
            elif node.kind == "comment":
                out.append(self.comment(node, depth))
            else:
                out.append(self.field(node, depth))
        return out

    def indent(self, line: BodyLine, depth: int, item: dict[str, Any]) -> None:
        if set(line.indent) - {"\t"}:
            raise self.fail(line.line, "an indentation with spaces")
        if len(line.indent) != depth:
            item["indent"] = len(line.indent)

    def text(self, text: str) -> str:
        return KEPT if self.prose == "kept" else text

    def comment(self, line: BodyLine, depth: int) -> dict[str, Any]:
        marker, text = line.args
        if marker:
            item: dict[str, Any] = {"marker": marker}
            tabs = self.layout.setdefault("marker_tabs", len(line.indent))
            if set(line.indent) - {"\t"}:
                raise self.fail(line.line, "a marker indented with spaces")
            if len(line.indent) != tabs:
                item["indent"] = len(line.indent)
            if text:
                if text == KEPT:
                    raise self.fail(line.line, f"a marker whose text is '{KEPT}'")
                item["text"] = self.text(text)
            return item
        whole = dedent(line.text, line.indent)
        if not whole:
            raise self.fail(line.line, "a comment whose lines are indented unlike its first")
        item = {"comment": self.text(whole)}
        self.indent(line, depth, item)
        return item

    def field(self, line: BodyLine, depth: int) -> dict[str, Any]:
        kind, name, array, bits, bitsep = line.args
        item: dict[str, Any] = {"type": kind}
        if name:
            item["name"] = name
        if array:
            item["array"] = array
        if bits:
            style = "tight" if not bitsep else "spaced"
            if self.layout.setdefault("bitfield", style) != style:
                raise self.fail(line.line, "bitfields written in two styles")
            item["bits"] = int(bits)
        self.trailing(line, item)
        self.indent(line, depth, item)
        return item

    def trailing(self, line: BodyLine, item: dict[str, Any]) -> None:
        if line.comment:
            item["sep"] = line.sep
            item["comment"] = self.text(line.comment)

    def conditional(self, node: Conditional, depth: int) -> dict[str, Any]:
        branches: list[Any] = []
        for line, members in node.branches:
            kind, expr = line.args
            if kind in ("ifdef", "ifndef") and not _BARE.match(expr):
                raise self.fail(line.line, f"#{kind} of '{expr}'")
            if (kind == "else") == bool(expr) or (expr and expr != expr.strip()):
                raise self.fail(line.line, f"'{line.text}'")
            branch: dict[str, Any] = {kind: True if kind == "else" else expr}
            self.trailing(line, branch)
            branch["then"] = self.members(members, depth)
            branches.append(branch)
        out: dict[str, Any] = {"conditional": branches}
        endif = node.endif
        assert endif is not None
        if endif.args[1]:
            raise self.fail(endif.line, f"'{endif.text}'")
        if endif.comment:
            out["endif"] = {"sep": endif.sep, "comment": self.text(endif.comment)}
        return out

    def after(self) -> dict[str, Any] | None:
        """What stands above the struct (past blank lines): where apply puts it back."""
        text = self.anchors.text
        lines = text[: self.region.start].split(b"\n")[:-1]
        blanks = 0
        while blanks < len(lines) and not lines[-1 - blanks].strip():
            blanks += 1
        if len(lines) <= blanks:
            return None
        above = lines[-1 - blanks].rstrip(b"\r").decode("utf-8", "replace")
        out: dict[str, Any]
        if m := re.match(r"^#include <([A-Za-z0-9_./-]+)>$", above):
            out = {"include": m[1]}
        elif m := re.match(r"^#(define|undef) ([A-Za-z_]\w*)\b", above):
            out = {m[1]: m[2]}
        elif m := re.match(r"^(?:\}|typedef .*[\s*]) ?([A-Za-z_]\w*);$", above):
            out = {"typedef": m[1]}
        elif above == "};":
            start = sum(len(x) + 1 for x in lines[: len(lines) - blanks - 1])
            struct = struct_ending_at(self.anchors, start)
            if struct is None:
                return None
            out = {"struct": struct}
        else:
            return None
        if blanks:
            out["blank_lines"] = blanks
        return out
