"""The assert sites of one C file: offset comparisons in asserts, family macros and their uses.

Reads through the one C reader (codegen.creader.parse). The result is JSON-ready so
the per-file cache stores it as is; discover.py turns the sites of a whole
tree into families. Only comparisons of two `offsetof` operands count:
`offsetof(A, f) ==/!= offsetof(B, g) [+ N * sizeof(...)]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from codegen.creader import parse

ASSERTS = frozenset({"static_assert", "_Static_assert", "BUILD_BUG_ON", "BUILD_BUG_ON_MSG"})
_PREPROC = ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else", "preproc_elifdef")

# An operand: [type as written, member (or a macro parameter's name), page index N].
Op = list[Any]
Sites = dict[str, list[dict[str, Any]]]


@cache
def _queries() -> tuple[Any, Any, Any]:
    import tree_sitter as ts
    import tree_sitter_c as tc

    language = ts.Language(tc.language())
    offsetof = ts.Query(language, "(offsetof_expression) @o")
    sizeof = ts.Query(language, "(sizeof_expression) @s")
    defines = ts.Query(language, "(preproc_function_def) @d")
    return offsetof, sizeof, defines


def _captures(query: Any, node: Any) -> list[Any]:
    import tree_sitter as ts

    found: dict[str, list[Any]] = ts.QueryCursor(query).captures(node)
    return next(iter(found.values()), [])


def _text(node: Any) -> str:
    return " ".join(node.text.decode("utf-8", "replace").split())


def _strip(node: Any) -> Any:
    while node is not None and node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def operand(node: Any) -> Op | None:
    """`offsetof(T, f)`, `offsetof(T, f) + sizeof(U)` or `offsetof(T, f) + N * sizeof(U)`."""
    node = _strip(node)
    if node is None:
        return None
    if node.type == "offsetof_expression":
        kind, member = node.child_by_field_name("type"), node.child_by_field_name("member")
        if kind is None or member is None or node.has_error:
            return None
        return [_text(kind), _text(member), 0]
    if node.type == "binary_expression" and node.child_by_field_name("operator").type == "+":
        base = operand(node.child_by_field_name("left"))
        step = _strip(node.child_by_field_name("right"))
        if base is None or base[2] or step is None:
            return None
        if step.type == "sizeof_expression":
            return [base[0], base[1], 1]
        if step.type == "binary_expression" and step.child_by_field_name("operator").type == "*":
            count = _strip(step.child_by_field_name("left"))
            size = _strip(step.child_by_field_name("right"))
            if count.type == "number_literal" and size.type == "sizeof_expression":
                try:
                    return [base[0], base[1], int(count.text.decode(), 0)]
                except ValueError:
                    return None
    return None


def _comparison(node: Any) -> tuple[Any, Op, Op] | None:
    """The ==/!= comparison of two offsetof operands that `node` (an offsetof) takes part in."""
    up = node.parent
    while up is not None and up.type in ("binary_expression", "parenthesized_expression"):
        if up.type == "binary_expression" and up.child_by_field_name("operator").type in ("==", "!="):
            left = operand(up.child_by_field_name("left"))
            right = operand(up.child_by_field_name("right"))
            if left is not None and right is not None:
                return up, left, right
            return None
        up = up.parent
    return None


def _assert_call(node: Any) -> str | None:
    """The assert (static_assert, BUILD_BUG_ON, ...) whose condition holds `node`."""
    up = node.parent
    while up is not None and up.type in ("argument_list", "parenthesized_expression", "binary_expression"):
        up = up.parent
    if up is None or up.type != "call_expression":
        return None
    name = up.child_by_field_name("function")
    text = name.text.decode() if name is not None and name.type == "identifier" else ""
    return text if text in ASSERTS else None


def condition(node: Any) -> str | None:
    """The innermost #if/#ifdef around `node`, other than a header's include guard."""
    up = node.parent
    while up is not None:
        if up.type in _PREPROC:
            head = up.text.decode("utf-8", "replace").split("\n", 1)[0].strip()
            if up.type == "preproc_ifdef" and up.parent is not None and up.parent.type == "translation_unit":
                name = up.child_by_field_name("name")
                if name is not None and name.text.decode().upper().endswith(("_H", "_H_", "_H__")):
                    up = up.parent
                    continue
            return head if up.type != "preproc_else" else "#else"
        up = up.parent
    return None


def _line(node: Any) -> int:
    return int(node.start_point[0]) + 1


def may_compare(data: bytes) -> bool:
    """The byte-level prefilter: two `offsetof` with `==` or `!=` between them, within a statement.

    Cheap, and generous: the reader decides; a file that fails here has no site.
    """
    return next(_hits(data, len(data)), None) is not None


def file_sites(data: bytes) -> Sites:
    """Every offset comparison in an assert, every family macro and its uses, and size bounds.

    Only what can hold them is read: from the first family `#define` to the end
    (its uses follow it), and before that, each statement that compares two
    `offsetof` on its own.
    """
    out: Sites = {"direct": [], "macros": [], "uses": [], "sizes": []}
    starts = _family_defines(data)
    limit = starts[0] if starts else len(data)
    _windows(data, limit, out)
    for start in starts:
        if any(m["start"] == start for m in out["macros"]):
            continue  # read by an earlier pass from before it
        _read_from(data, start, out, whole=start == limit)
    for macro in out["macros"]:
        del macro["start"]
    out["macros"].sort(key=lambda m: m["line"])
    out["uses"] = sorted({(u["name"], u["line"]): u for u in out["uses"]}.values(), key=lambda u: u["line"])
    out["direct"] = sorted({d["line"]: d for d in out["direct"]}.values(), key=lambda d: d["line"])
    out["sizes"] = sorted({z["line"]: z for z in out["sizes"]}.values(), key=lambda z: z["line"])
    names = {m["name"] for m in out["macros"]}
    if names:  # where a family macro stops being defined: after its last #undef it is used nowhere
        out["undefs"] = [
            {"name": m.group(1).decode(), "line": data.count(b"\n", 0, m.start()) + 1}
            for m in _UNDEF.finditer(data) if m.group(1).decode() in names
        ]
    return out


_UNDEF = re.compile(rb"^[ \t]*#[ \t]*undef[ \t]+(\w+)", re.M)


def uses_of(data: bytes, names: set[str]) -> list[dict[str, Any]]:
    """The uses, in a file that does not define them, of family macros another file leaves defined."""
    if not any(f"{name}(".encode() in data for name in names):
        return []
    return _uses(parse(data).root_node, names, 0)


def _read_from(data: bytes, start: int, out: Sites, whole: bool) -> None:
    """Read `data` from `start` (a family define) on: its defines, their uses, asserts, size bounds."""
    offsetof, sizeof, defines = _queries()
    base = data.count(b"\n", 0, start)
    root = parse(data[start:]).root_node
    known = {m["start"] for m in out["macros"]}
    found = []
    for node in _captures(defines, root):
        macro = _macro(node)
        if macro is None:
            continue
        macro["start"] = start + node.start_byte
        macro["line"] += base
        if macro["start"] not in known:
            found.append(macro)
    if not whole:  # a define the first pass lost to an error: only what follows it, from it
        found = found[:1]
    out["macros"] += found
    out["uses"] += _uses(root, {m["name"] for m in found}, base) if found else []
    out["sizes"] += _sizes(root, sizeof, base)
    if whole:
        out["direct"] += _direct(root, offsetof, base)


def _direct(root: Any, offsetof: Any, base: int) -> list[dict[str, Any]]:
    direct: list[dict[str, Any]] = []
    seen: set[int] = set()
    for node in _captures(offsetof, root):
        found = _comparison(node)
        if found is None or found[0].start_byte in seen:
            continue
        cmp, left, right = found
        seen.add(cmp.start_byte)
        if left[0] == right[0]:
            continue  # two members of one struct: an order, not a mirror
        call = _assert_call(cmp)
        if call is not None:
            kind = "static_assert" if "static_assert" in call.lower() else "build_bug_on"
            line = base + _line(cmp)
            direct.append({"kind": kind, "line": line, "a": left, "b": right, "cond": condition(cmp)})
    return direct


def _windows(data: bytes, limit: int, out: Sites) -> None:
    """Each statement before `limit` that compares two `offsetof`, read alone in a function body."""
    offsetof = _queries()[0]
    done = 0
    for first, _ in _hits(data, limit):
        if first < done:
            continue
        line_start = data.rfind(b"\n", 0, first) + 1
        if data[line_start:first].lstrip().startswith(b"#") or _in_define(data, line_start):
            continue  # a macro's body: read with the macro
        begin = max(data.rfind(b";", 0, first), data.rfind(b"{", 0, first), data.rfind(b"}", 0, first)) + 1
        end = data.find(b";", first)
        if end < 0:
            continue
        done = end
        root = parse(b"void f(void){" + data[begin : end + 1] + b"}").root_node
        out["direct"] += _direct(root, offsetof, data.count(b"\n", 0, begin))


def _in_define(data: bytes, line_start: int) -> bool:
    """The line at `line_start` continues a `#define` (the lines above end in backslashes)."""
    while line_start > 1 and data[line_start - 2 : line_start - 1] == b"\\":
        line_start = data.rfind(b"\n", 0, line_start - 1) + 1
        if data[line_start:].lstrip()[:1] == b"#":
            return True
    return False


def _hits(data: bytes, limit: int) -> Iterator[tuple[int, int]]:
    """(first, second) positions of two `offsetof` with `==` or `!=` between, within a statement."""
    start = data.find(b"offsetof", 0, limit)
    while start >= 0:
        nxt = data.find(b"offsetof", start + 8, limit)
        if nxt < 0:
            return
        if (
            nxt - start - 8 < 600
            and (data.find(b"==", start + 8, nxt) >= 0 or data.find(b"!=", start + 8, nxt) >= 0)
            and data.find(b";", start + 8, nxt) < 0
        ):
            yield start, nxt
        start = nxt


def _family_defines(data: bytes) -> list[int]:
    """Where each family `#define` starts: function-like, comparing two `offsetof` of fixed structs
    (read alone first: a helper over any type is no reason to read the rest of a big file)."""
    out: list[int] = []
    for first, second in _hits(data, len(data)):
        start = _logical_start(data, first)
        if start in out or not _DEFINE.match(data, start) or second > _logical_end(data, start):
            continue
        alone = parse(data[start : _logical_end(data, start)] + b"\n").root_node
        if any(_macro(node) is not None for node in _captures(_queries()[2], alone)):
            out.append(start)
    return out


def _logical_start(data: bytes, pos: int) -> int:
    """The start of the logical line (backslash continuations joined) that holds `pos`."""
    start = data.rfind(b"\n", 0, pos) + 1
    while start > 1 and data[start - 2 : start - 1] == b"\\":
        start = data.rfind(b"\n", 0, start - 1) + 1
    return start


_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+\w+\(", re.M)


def _logical_end(data: bytes, start: int) -> int:
    """The end of the logical line (backslash continuations joined) that starts at `start`."""
    end = data.find(b"\n", start)
    while end > 0 and data[end - 1 : end] == b"\\":
        end = data.find(b"\n", end + 1)
    return len(data) if end < 0 else end


def _macro(node: Any) -> dict[str, Any] | None:
    value = node.child_by_field_name("value")
    if value is None or value.text.count(b"offsetof") < 2:
        return None
    params = [p.text.decode() for p in node.child_by_field_name("parameters").named_children]
    body = value.text.replace(b"\\\r\n", b"  ").replace(b"\\\n", b" ")
    cmps: list[list[Op]] = []
    offsetof = _queries()[0]
    seen: set[int] = set()
    inner = parse(b"void f(void) {" + body + b";}").root_node  # a statement's context, as at a use
    for off in _captures(offsetof, inner):
        found = _comparison(off)
        if found is not None and found[0].start_byte not in seen:
            seen.add(found[0].start_byte)
            cmps.append([found[1], found[2]])
    if not cmps or any(op[0] in params for pair in cmps for op in pair):
        return None  # a generic helper over any type, not one family
    name = node.child_by_field_name("name").text.decode()
    return {"name": name, "line": _line(node), "params": params, "cmps": cmps}


def _uses(root: Any, names: set[str], base: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _, match in _calls().matches(root):
        fn, args = match["f"][0], match["a"][0]
        if fn.text.decode("utf-8", "replace") not in names:
            continue
        values = [_text(a) for a in args.named_children if a.type != "comment"]
        line = base + _line(fn)
        out.append({"name": _text(fn), "line": line, "args": values, "cond": condition(fn)})
    return out


def _calls() -> Any:
    """A cursor over every call of a plain name (compiled once: a query per file costs ~5 ms)."""
    import tree_sitter as ts

    return ts.QueryCursor(_call_query())


@cache
def _call_query() -> Any:
    import tree_sitter as ts
    import tree_sitter_c as tc

    calls = "(call_expression function: (identifier) @f arguments: (argument_list) @a)"
    return ts.Query(ts.Language(tc.language()), calls)


def _sizes(root: Any, sizeof: Any, base: int) -> list[dict[str, Any]]:
    """`sizeof(A) <= sizeof(B)` / `<= offsetof(B, f)` in static_assert (or `>` in BUILD_BUG_ON)."""
    out: list[dict[str, Any]] = []
    for node in _captures(sizeof, root):
        up = _strip_up(node)
        if up is None or up.type != "binary_expression":
            continue
        op = up.child_by_field_name("operator").type
        if op not in ("<=", "<", ">", ">=") or _strip(up.child_by_field_name("left")) != node:
            continue
        call = _assert_call(up)
        if call is None or (op in ("<=", "<")) != ("static_assert" in call.lower()):
            continue
        kind = node.child_by_field_name("type")
        if kind is None:
            continue
        right = _text(up.child_by_field_name("right"))
        if "sizeof" in right or "offsetof" in right:
            out.append({"line": base + _line(up), "mirror": _text(kind), "bound": right})
    return out


def _strip_up(node: Any) -> Any:
    up = node.parent
    while up is not None and up.type == "parenthesized_expression":
        up = up.parent
    return up
