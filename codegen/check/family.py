"""What differs between a family spec (version 2) and the tree's block, in kernel terms.

Uses are compared by what they assert (page[N] word, mirror field, the #if
they are under), so a renamed page word reads as one finding naming both
names, not as a pair of diff lines. What the constructs leave unexplained
is the layout: the first line that differs, named by its construct.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.creader.anchors import scan
from codegen.creader.macroblock import Block, define_page, find_block
from codegen.spec.family_model import FamilySpec, Use

_CONSTRUCT = {
    "define": "the #define",
    "fragment": "a #define body without its #define line",
    "undef": "the #undef",
    "use": "a use",
    "cond": "a conditional",
    "bound": "a size assert",
    "blank": "a blank line",
    "foreign": "text the spec does not make",
}


@dataclass(frozen=True)
class Said:
    line: int  # 1-based within the block text
    message: str


@dataclass(frozen=True)
class _TreeUse:
    page: int
    host: str
    mirror: str
    cond: str | None
    line: int


def explain_family(spec: FamilySpec, expected: str, found: bytes) -> list[Said]:
    """Findings for a block whose text differs from the spec's (lines relative to `found`)."""
    block = find_block(scan(found), spec.macro, spec.mirror)
    if block is None:
        return [Said(1, f"the {spec.macro} block has no #define {spec.macro} any more")]
    said = _uses(spec, _tree_uses(block))
    if not said:
        said = _layout(spec, expected, block)
    return said


def _tree_uses(block: Block) -> list[_TreeUse]:
    out, page, cond = [], 0, None
    for line in block.lines:
        if line.kind == "define":
            page = define_page(line.text)
        elif line.kind == "cond":
            cond = None if line.args[0] == "endif" else line.text
        elif line.kind == "use":
            out.append(_TreeUse(page, line.args[0], line.args[1], cond, line.line))
    return out


def _uses(spec: FamilySpec, tree: list[_TreeUse]) -> list[Said]:
    said: list[Said] = []
    matched: set[int] = set()
    wanted = [(g.page, u, cond) for g in spec.groups for u, cond in g.uses()]
    by_key = {(t.page, t.host, t.mirror): i for i, t in enumerate(tree)}
    for page, use, cond in wanted:
        i = by_key.get((page, use.host, use.mirror))
        if i is not None:
            matched.add(i)
            if tree[i].cond != cond:
                said.append(
                    Said(
                        tree[i].line,
                        f"{_name(spec, use.host, use.mirror)} is under "
                        f"{tree[i].cond or 'no #if'} in the tree; the spec puts it under "
                        f"{cond or 'no #if'} ({use.loc})",
                    )
                )
    for page, use, _ in wanted:
        if (page, use.host, use.mirror) in by_key:
            continue
        said.append(_renamed(spec, page, use, tree, matched))
    for i, t in enumerate(tree):
        if i not in matched:
            said.append(
                Said(
                    t.line,
                    f"{_name(spec, t.host, t.mirror)}{_page(t.page)} is in the tree "
                    f"but not in the spec ({spec.path})",
                )
            )
            matched.add(i)
    return sorted(said, key=lambda s: s.line)


def _renamed(spec: FamilySpec, page: int, use: Use, tree: list[_TreeUse], matched: set[int]) -> Said:
    for i, t in enumerate(tree):
        if i in matched or t.page != page:
            continue
        if t.mirror == use.mirror:
            matched.add(i)
            return Said(
                t.line,
                f"{spec.macro}: renamed {spec.host} word: {spec.mirror}.{use.mirror}{_page(page)} sits on "
                f"{spec.host} word '{t.host}' in the tree, '{use.host}' in the spec ({use.loc})",
            )
        if t.host == use.host:
            matched.add(i)
            return Said(
                t.line,
                f"{spec.macro}: renamed {spec.mirror} field: {spec.host} word '{use.host}'{_page(page)} is "
                f"asserted on '{t.mirror}' in the tree, '{use.mirror}' in the spec ({use.loc})",
            )
    return Said(1, f"{_name(spec, use.host, use.mirror)}{_page(page)} is missing from the tree ({use.loc})")


def _layout(spec: FamilySpec, expected: str, block: Block) -> list[Said]:
    want = expected.split("\n")
    for line in block.lines:
        rows = line.text.split("\n")
        index = line.line - block.line
        for k, row in enumerate(rows):
            if index + k >= len(want) or want[index + k] != row:
                return [
                    Said(
                        line.line + k,
                        f"{_CONSTRUCT[line.kind]} of the {spec.macro} block differs from "
                        f"what the spec makes: {_shown(want, index + k)} ({_layout_of(spec)})",
                    )
                ]
    if len(want) > block.end_line - block.line + 1:
        return [
            Said(
                block.end_line,
                f"the {spec.macro} block ends before what the spec makes: "
                f"{_shown(want, block.end_line - block.line + 1)}",
            )
        ]
    return []


def _shown(want: list[str], index: int) -> str:
    return f"expected {want[index].strip()!r}" if index < len(want) else "expected nothing more"


def _layout_of(spec: FamilySpec) -> str:
    layout = spec.layout
    column = f" to column {layout.column}" if layout.escape == "tab-column" else ""
    return f"layout: escape {layout.escape}{column}, {spec.path}"


def _name(spec: FamilySpec, host: str, mirror: str) -> str:
    return f"{spec.macro}({host}, {mirror})"


def _page(page: int) -> str:
    return f" (page[{page}])" if page else ""
