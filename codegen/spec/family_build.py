"""Turn a loaded version-2 (`kind: family`) document into a validated `FamilySpec`.

The same two passes as version 1 (spec/build.py): the JSON Schema
(family_schema.json) with errors at the YAML node, then the rules the schema
cannot say: which layout keys go together, the order of `#if` branches,
duplicate uses, where the block goes.
"""

from __future__ import annotations

from typing import Any, cast

from codegen.errors import InputError
from codegen.spec.build import _schema_error
from codegen.spec.family_model import (
    After,
    Bound,
    Branch,
    Conditional,
    Directive,
    FamilySpec,
    Group,
    Indent,
    Layout,
    Use,
)
from codegen.spec.model import Loc
from codegen.spec.target_file import has_control_character, leaves_tree
from codegen.spec.yamlload import Document, PathKey

_OPENERS = ("ifdef", "ifndef", "if")
_DIRECTIVES = ("ifdef", "ifndef", "if", "elif", "else")
_ANCHORS = ("struct", "include", "define", "undef", "typedef")


def build_family(doc: Document, name: str) -> FamilySpec:
    from fastjsonschema import JsonSchemaValueException

    from codegen.spec.schema import FAMILY_SCHEMA, validator

    try:
        validator(FAMILY_SCHEMA)(doc.data)
    except JsonSchemaValueException as exc:
        raise _struct_schema_error(doc, exc) or _schema_error(doc, exc) from None
    return _Builder(doc).spec(name)


_PATTERNS = {"sep": "spaces and tabs (1 to 8)", "array": "an array length: digits or an identifier"}


def _struct_schema_error(doc: Document, exc: Any) -> InputError | None:
    """The `struct:` section's own words for a pattern it breaks (the generic ones are version 1's)."""
    from codegen.spec.build import _value_path

    key = _value_path(doc.data, list(exc.path)[1:])
    if exc.rule != "pattern" or not key or key[0] != "struct" or str(key[-1]) not in _PATTERNS:
        return None
    return doc.error(key, f"{'.'.join(str(k) for k in key)}: {exc.value!r} is not {_PATTERNS[str(key[-1])]}")


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.seen: dict[tuple[int, str, str, str], Loc] = {}

    def loc(self, key: PathKey) -> Loc:
        line, col = self.doc.where(key)
        return Loc(self.doc.path, line, col)

    def fail(self, key: PathKey, message: str) -> InputError:
        return self.doc.error(key, message)

    def spec(self, name: str) -> FamilySpec:
        d = self.data
        path = d["file"]
        if has_control_character(path) or leaves_tree(path):
            raise self.fail(("file",), f"file '{path}' must be relative to the tree and stay inside it")
        groups = tuple(self.group(i, g) for i, g in enumerate(d["groups"]))
        bounds = tuple(self.bound_item(("bounds", i), b) for i, b in enumerate(d.get("bounds", [])))
        struct = None
        if "struct" in d:
            from codegen.spec.family_struct_build import build_struct

            struct = build_struct(self.doc, path, groups, self.after(("struct", "after")))
        return FamilySpec(
            self.doc.path,
            name,
            path,
            d["macro"],
            d["host"],
            d["mirror"],
            d["clang_format"],
            self.after(),
            self.layout(),
            groups,
            bounds,
            self.loc(()),
            struct,
        )

    def layout(self) -> Layout:
        raw = self.data["layout"]
        escape = raw["escape"]
        if escape == "tab-column" and "column" not in raw:
            raise self.fail(
                ("layout",), "layout: escape 'tab-column' needs 'column' (where the backslashes go)"
            )
        if escape != "tab-column" and "column" in raw:
            raise self.fail(
                ("layout", "column"), f"layout: 'column' goes only with escape 'tab-column', not '{escape}'"
            )
        return Layout(escape, raw.get("column", 0), raw.get("blank_after_define", False))

    def after(self, key: PathKey = ("after",)) -> After | None:
        raw: Any = self.data
        for k in key:
            raw = raw.get(str(k)) if isinstance(raw, dict) else None
        if raw is None:
            return None
        named = [k for k in _ANCHORS if k in raw]
        if len(named) != 1:
            raise self.fail(key, f"{key[-1]}: name exactly one of {', '.join(repr(k) for k in _ANCHORS)}")
        return After(
            raw.get("struct"), raw.get("include"), raw.get("blank_lines", 0), raw.get("comment", False),
            raw.get("define"), raw.get("undef"), raw.get("typedef"),
        )

    def group(self, index: int, raw: dict[str, Any]) -> Group:
        key: PathKey = ("groups", index)
        params = tuple(raw["params"])
        if params[0] == params[1]:
            raise self.fail(
                (*key, "params"), f"params: '{params[0]}' twice; a use passes a host word and a mirror field"
            )
        page = raw.get("page", 0)
        wrap = Indent(raw["wrap"]["tabs"], raw["wrap"]["spaces"]) if "wrap" in raw else None
        items = tuple(self.use_item((*key, "uses", i), page, u) for i, u in enumerate(raw["uses"]))
        return Group((params[0], params[1]), raw.get("order", "host-first"), page, wrap, items, self.loc(key))

    def use_item(self, key: PathKey, page: int, raw: Any) -> Use | Conditional:
        if isinstance(raw, dict) and "conditional" in raw:
            return self.conditional(key, raw["conditional"], lambda k, r: self.use(k, page, r))
        return self.use(key, page, raw)

    def use(self, key: PathKey, page: int, raw: Any) -> Use:
        host, mirror = (raw[0], raw[1]) if isinstance(raw, list) else (raw["host"], raw["mirror"])
        comment = raw.get("comment") if isinstance(raw, dict) else None
        text = raw.get("text") if isinstance(raw, dict) else None
        if text is not None and (comment is None or not text.startswith("/*") or not text.endswith("*/")
                                 or "*/" in text[2:-2] or "\n" in text):
            raise self.fail((*key, "text"),
                            "text: a trailing comment is one '/* ... */' after 'comment: tab|space'")
        where = self.loc(key)
        branch = self._branch_key(key)
        first = self.seen.setdefault((page, host, mirror, branch), where)
        if first is not where:
            raise self.fail(
                key, f"duplicate use ({host}, {mirror}) for page[{page}] (first at line {first.line})"
            )
        return Use(host, mirror, comment, where, text)

    @staticmethod
    def _branch_key(key: PathKey) -> str:
        """Uses in different branches of one #if may repeat; elsewhere they may not."""
        return "/".join(str(k) for k in key[:-1]) if "conditional" in key else ""

    def conditional(self, key: PathKey, branches: list[dict[str, Any]], leaf: Any) -> Conditional:
        out: list[Branch] = []
        for i, raw in enumerate(branches):
            bkey: PathKey = (*key, "conditional", i)
            directive = next(d for d in _DIRECTIVES if d in raw)
            if (i == 0) != (directive in _OPENERS):
                want = "#ifdef, #ifndef or #if" if i == 0 else "#elif or #else"
                raise self.fail(
                    (*bkey, directive), f"branch {i + 1} of a conditional must be {want}, not #{directive}"
                )
            if out and out[-1].directive == "else":
                raise self.fail((*bkey, directive), "nothing may follow #else in a conditional")
            expr = "" if directive == "else" else str(raw[directive])
            items = tuple(leaf((*bkey, "then", j), r) for j, r in enumerate(raw["then"]))
            out.append(Branch(cast(Directive, directive), expr, items))
        return Conditional(tuple(out), self.loc(key))

    def bound_item(self, key: PathKey, raw: dict[str, Any]) -> Bound | Conditional:
        if "conditional" in raw:
            return self.conditional(key, raw["conditional"], self.bound)
        return self.bound(key, raw)

    def bound(self, key: PathKey, raw: dict[str, Any]) -> Bound:
        where = self.loc(key)
        if "aligned" in raw:
            struct, member = raw["aligned"]
            if struct != self.data["mirror"]:
                raise self.fail(
                    (*key, "aligned"), f"aligned: '{struct}' is not the mirror struct '{self.data['mirror']}'"
                )
            return Bound("aligned", member, raw["to"]["sizeof"], False, where)
        limit = raw["at_most"]
        if "offsetof" in limit:
            struct, member = limit["offsetof"]
            if struct != self.data["host"]:
                raise self.fail(
                    (*key, "at_most"),
                    f"at_most: offsetof '{struct}' is not the host struct '{self.data['host']}'",
                )
            return Bound("size", raw["sizeof"], member, True, where)
        return Bound("size", raw["sizeof"], limit["sizeof"], False, where)
