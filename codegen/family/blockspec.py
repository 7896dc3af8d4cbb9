"""A family's assert block, as read from a tree (creader.macroblock), turned into spec-v2 data.

Only what the form can say is accepted; any other line is an InputError naming
the construct and its line. The data is checked once more by rendering it
(family/importer.py): a block that would come out different is refused too.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.creader.macroblock import Block, Line
from codegen.errors import InputError

_DEFINE = re.compile(r"^#define (\w+)\((\w+), (\w+)\)([ \t]*)\\$")
_OPERAND = re.compile(r"offsetof\(struct (\w+), (\w+)\)(?: \+ (?:(\d+) \* )?sizeof\(struct (\w+)\))?")
_SIZE = re.compile(
    r"^static_assert\(sizeof\(((?:struct |union )?\w+)\) <= "
    r"(?:sizeof\(((?:struct |union )?\w+)\)|offsetof\(struct (\w+), (\w+)\))\);$"
)
_ALIGNED = re.compile(
    r"^static_assert\(IS_ALIGNED\(offsetof\(struct (\w+), (\w+)\), "
    r"sizeof\(((?:struct |union )?\w+)\)\)\);$"
)


class BlockReader:
    def __init__(self, shown: str, host: str, mirror: str) -> None:
        self.shown, self.host, self.mirror = shown, host, mirror
        self.layout: dict[str, Any] | None = None

    def fail(self, line: Line, what: str) -> InputError:
        return InputError(
            self.shown, line.line, 1, f"import cannot express {what} (spec version 2 has no form for it)"
        )

    def groups(self, block: Block) -> tuple[list[dict[str, Any]], list[Any]]:
        """The groups (define, uses, undef) and the bounds after them."""
        groups: list[dict[str, Any]] = []
        bounds: list[Any] = []
        stack: list[list[Any]] = []  # open conditionals: their branch lists
        current: dict[str, Any] | None = None
        after_define = False
        for line in block.lines:
            if line.kind == "fragment":
                raise self.fail(line, "a #define body with no '#define' line above it")
            if line.kind == "foreign":
                raise self.fail(line, f"{line.args[0] if line.args else 'this text'} inside the block")
            if line.kind == "blank":
                if not after_define or self.layout is None:
                    raise self.fail(line, "a blank line here (only one right after the #define)")
                self.layout["blank_after_define"] = True
                after_define = False
                continue
            after_define = line.kind == "define"
            if line.kind == "define":
                if current is not None or stack:
                    raise self.fail(line, "a #define before the #undef of the one above")
                current = self.define(line)
                groups.append(current)
            elif line.kind == "undef":
                if current is None or stack:
                    raise self.fail(line, "an #undef inside an #if, or with no #define")
                current = None
            elif line.kind == "cond":
                self.cond(line, stack, current["uses"] if current is not None else bounds)
            elif line.kind == "use":
                if current is None:
                    raise self.fail(line, "a use of the macro after its #undef")
                self.leaf(stack, current["uses"], self.use(line))
            else:
                if current is not None:
                    raise self.fail(line, "a size assert between the #define and its #undef")
                self.leaf(stack, bounds, self.bound(line))
        if stack or current is not None:
            raise self.fail(block.lines[-1], "a block that ends inside an #if or before its #undef")
        return groups, bounds

    @staticmethod
    def leaf(stack: list[list[Any]], top: list[Any], item: Any) -> None:
        (stack[-1][-1]["then"] if stack else top).append(item)

    def cond(self, line: Line, stack: list[list[Any]], top: list[Any]) -> None:
        kind, expr = line.args
        if kind in ("ifdef", "ifndef", "if"):
            if stack:
                raise self.fail(line, "an #if nested in another")
            branches: list[Any] = [{kind: expr, "then": []}]
            top.append({"conditional": branches})
            stack.append(branches)
        elif not stack:
            raise self.fail(line, f"#{kind} with no #if")
        elif kind == "endif":
            if expr or any(not b["then"] for b in stack[-1]):
                raise self.fail(line, "an empty branch, or text after #endif")
            stack.pop()
        else:
            stack[-1].append({kind: True if kind == "else" else expr, "then": []})

    def define(self, line: Line) -> dict[str, Any]:
        rows = line.text.split("\n")
        head = _DEFINE.match(rows[0])
        if head is None or len(rows) not in (2, 3):
            raise self.fail(line, "this #define (the form is two or three lines, two parameters)")
        params = [head[2], head[3]]
        self.escape(line, rows)
        body = " ".join(r.rstrip("\\").strip() for r in rows[1:])
        ops = _OPERAND.findall(body)
        if not rows[1].startswith("\tstatic_assert(") or len(ops) != 2 or not body.endswith(")"):
            raise self.fail(line, "this #define's body (the form is one static_assert of two offsetof)")
        first, second = ops
        host_op, mirror_op = (first, second) if first[0] == self.host else (second, first)
        if (
            host_op[0] != self.host
            or mirror_op[0] != self.mirror
            or host_op[1:2] != (params[0],)
            or mirror_op[1:2] != (params[1],)
            or mirror_op[3]
        ):
            raise self.fail(
                line, "this #define's operands (host word first in the uses, page[N] on the host)"
            )
        group: dict[str, Any] = {"params": params}
        if first is mirror_op:
            group["order"] = "mirror-first"
        page = (int(host_op[2]) if host_op[2] else 1) if host_op[3] else 0
        if page:
            group["page"] = page
        if len(rows) == 3:
            lead = rows[2][: len(rows[2]) - len(rows[2].lstrip(" \t"))]
            group["wrap"] = {"tabs": lead.count("\t"), "spaces": lead.count(" ")}
        group["uses"] = []
        return group

    def escape(self, line: Line, rows: list[str]) -> None:
        pads = [r[len(r.rstrip("\\").rstrip(" \t")) : -1] for r in rows[:-1]]
        if all(p and set(p) == {"\t"} for p in pads):
            from codegen.render import line_width

            layout: dict[str, Any] = {"escape": "tab-column", "column": line_width(rows[0][:-1]) + 1}
        elif len(rows) == 2 and pads == [" "]:
            layout = {"escape": "single"}
        elif all(p and set(p) == {" "} for p in pads):
            layout = {"escape": "left"}
        else:
            raise self.fail(
                line, "this #define's backslashes (tabs to a column, spaces to line up, or one space)"
            )
        if self.layout is not None and self.layout["escape"] != layout["escape"]:
            raise self.fail(line, "a second #define laid out in another style")
        if self.layout is None:
            self.layout = layout

    def use(self, line: Line) -> Any:
        host, mirror = line.args
        if not line.comment:
            return [host, mirror]
        if line.sep not in ("\t", " "):
            raise self.fail(line, "what separates this use's trailing comment (one tab or one space)")
        return {"host": host, "mirror": mirror, "comment": "tab" if line.sep == "\t" else "space",
                "text": line.comment}

    def bound(self, line: Line) -> dict[str, Any]:
        size = _SIZE.match(line.text)
        if size is not None:
            if size[3] and size[3] != self.host:
                raise self.fail(line, "a size bound on a struct other than the host")
            limit: dict[str, Any] = {"sizeof": size[2]} if size[2] else {"offsetof": [size[3], size[4]]}
            return {"sizeof": size[1], "at_most": limit}
        aligned = _ALIGNED.match(line.text)
        if aligned is not None and aligned[1] == self.mirror:
            return {"aligned": [aligned[1], aligned[2]], "to": {"sizeof": aligned[3]}}
        raise self.fail(line, "this size assert")
