"""The `struct:` section of a version-2 spec, validated into `StructSpec` (family_struct_model).

The schema (family_schema.json) says which keys exist; this says which go
together (a field has a `type`, a trailing comment has its `sep`, an
anonymous member is a tagged type), checks types against the C type grammar
(spec/ctypes.py), and attaches to each field the host words the assert block
maps onto it. Errors are InputErrors at the YAML node, as everywhere.
"""

from __future__ import annotations

from typing import Any, cast

from codegen.errors import InputError
from codegen.spec import ctypes
from codegen.spec.family_model import After, Group
from codegen.spec.family_struct_model import (
    Aggregate,
    Blank,
    Branch,
    Comment,
    Conditional,
    Field,
    HostWord,
    Member,
    Prose,
    StructLayout,
    StructSpec,
    Trailing,
)
from codegen.spec.model import Loc
from codegen.spec.target_file import has_control_character, leaves_tree
from codegen.spec.yamlload import Document, PathKey

KEPT = "kept"  # a comment whose text the tree holds
_KINDS = ("type", "marker", "comment", "blank", "union", "struct", "conditional")
_FIELD_ONLY = ("name", "array", "bits", "sep", "unasserted")
_OPENERS = ("ifdef", "ifndef", "if")
_DIRECTIVES = ("ifdef", "ifndef", "if", "elif", "else")


def build_struct(doc: Document, block_file: str, groups: tuple[Group, ...],
                 after: After | None) -> StructSpec:
    return _StructBuilder(doc, groups).build(block_file, after)


class _StructBuilder:
    def __init__(self, doc: Document, groups: tuple[Group, ...]) -> None:
        self.doc = doc
        self.raw: dict[str, Any] = doc.data["struct"]
        self.hosts: dict[str, list[HostWord]] = {}
        self.macro = str(doc.data.get("macro", "the block"))
        for group in groups:
            for use, _ in group.uses():
                words = self.hosts.setdefault(use.mirror, [])
                if HostWord(use.host, group.page) not in words:
                    words.append(HostWord(use.host, group.page))

    def loc(self, key: PathKey) -> Loc:
        line, col = self.doc.where(key)
        return Loc(self.doc.path, line, col)

    def fail(self, key: PathKey, message: str) -> InputError:
        return self.doc.error(key, message)

    def build(self, block_file: str, after: After | None) -> StructSpec:
        raw, top = self.raw, ("struct",)
        path = raw.get("file", block_file)
        if has_control_character(path) or leaves_tree(path):
            raise self.fail((*top, "file"), f"file '{path}' must be relative to the tree and stay inside it")
        layout = raw.get("layout", {})
        comment = self.prose((*top, "comment"), raw["comment"], whole=True) if "comment" in raw else None
        members = self.members((*top, "body"), raw["body"])
        spec = StructSpec(
            raw["name"], path, comment, "comment" in raw,
            StructLayout(layout.get("marker_tabs", 1), layout.get("bitfield", "tight")),
            members, after, self.loc(top), raw.get("clang_format", False),
        )
        names = {f.name for f in spec.fields()}
        for mirror, words in self.hosts.items():
            if mirror not in names:
                host = ", ".join(w.host for w in words)
                raise self.fail((*top, "body"), f"struct.body: no field '{mirror}', which the assert "
                                                f"block maps onto {host}")
        for mirror, words in self.hosts.items():
            for w in words:
                here = spec.fields_by_host.get((w.page, w.host), ())
                spec.fields_by_host[(w.page, w.host)] = (*here, mirror)
        return spec

    def prose(self, key: PathKey, text: str, whole: bool) -> Prose:
        """A comment's text ('kept': the tree's). `whole`: the text holds its delimiters."""
        if text == KEPT:
            return None
        if not whole:
            if "*/" in text or "\n" in text:
                raise self.fail(key, f"{_dotted(key)}: a marker's text is one line without '*/'")
            return text
        if not (text.startswith("/*") and text.endswith("*/")) or "*/" in text[2:-2] or len(text) < 4:
            raise self.fail(key, f"{_dotted(key)}: a comment is one C block comment '/* ... */' "
                                 "(or 'kept')")
        return text

    def members(self, key: PathKey, raw: list[Any]) -> tuple[Member, ...]:
        out: list[Member] = []
        for i, item in enumerate(raw):
            out += self.member((*key, i), item)
        return tuple(out)

    def member(self, key: PathKey, raw: dict[str, Any]) -> list[Member]:
        kinds = [k for k in _KINDS if k in raw]
        kind = "type" if "type" in kinds else (kinds[0] if len(kinds) == 1 else "")
        if not kind:
            raise self.fail(key, f"{_dotted(key)}: a member is one of a field (type), marker, comment, "
                                 "blank, union, struct or conditional")
        if kind != "type":
            stray = next((k for k in (*_FIELD_ONLY, "text", "endif", "indent") if k in raw
                          and not _allowed(kind, k)), None)
            if stray:
                raise self.fail((*key, stray), f"{_dotted(key)}: '{stray}' does not go with '{kind}'")
        where = self.loc(key)
        if kind == "type":
            return [self.field(key, raw, where)]
        if kind == "marker":
            text = self.prose((*key, "text"), raw["text"], whole=False) if "text" in raw else ""
            return [Comment(text, raw["marker"], raw.get("indent"), where)]
        if kind == "comment":
            return [Comment(self.prose((*key, "comment"), raw["comment"], whole=True), "", raw.get("indent"),
                            where)]
        if kind == "blank":
            return [Blank(where) for _ in range(raw["blank"])]
        if kind in ("union", "struct"):
            return [Aggregate(cast(Any, kind), self.members((*key, kind), raw[kind]), where)]
        return [self.conditional(key, raw, where)]

    def field(self, key: PathKey, raw: dict[str, Any], where: Loc) -> Field:
        bad = next((k for k in ("marker", "text", "blank", "union", "struct", "conditional", "endif")
                    if k in raw), None)
        if bad:
            raise self.fail((*key, bad), f"{_dotted(key)}: '{bad}' does not go with a field's 'type'")
        kind = raw["type"]
        try:
            ctypes.normalize_type(kind)
        except ctypes.CTypeError as exc:
            raise self.fail((*key, "type"), f"{_dotted(key)}.type: {kind!r} is not a C type: {exc}") from None
        if kind != " ".join(kind.split()) or (kind.endswith("*") and not kind.rstrip("*").endswith(" ")):
            raise self.fail((*key, "type"), f"{_dotted(key)}.type: write {kind!r} with single spaces and "
                                            "the '*' after one (void *)")
        name = raw.get("name", "")
        if name in ctypes.KEYWORDS:
            raise self.fail((*key, "name"),
                            f"{_dotted(key)}.name: '{name}' is a C keyword, not an identifier")
        if not name and (kind.split(" ")[0] not in ("struct", "union") or "*" in kind or "bits" in raw):
            raise self.fail(key, f"{_dotted(key)}: a field without 'name' is an anonymous tagged "
                                 "member ('struct TAG'), nothing else")
        return Field(kind, name, str(raw.get("array", "")), raw.get("bits"), self.trailing(key, raw),
                     raw.get("indent"), where, tuple(self.hosts.get(name, ())) if name else (),
                     self.unasserted(key, raw, name))

    def unasserted(self, key: PathKey, raw: dict[str, Any], name: str) -> str | None:
        """The reason a field mirrors a host word without an assert; only a field no use names."""
        if "unasserted" not in raw:
            return None
        where: PathKey = (*key, "unasserted")
        reason = " ".join(str(raw["unasserted"]).split())
        if not reason:
            raise self.fail(where, f"{_dotted(where)}: give the reason the field needs no assert "
                                   "(it must not be empty)")
        if not name:
            raise self.fail(where, f"{_dotted(where)}: an anonymous member is no word of the host; "
                                   "'unasserted' goes on a named field")
        if name in self.hosts:
            uses = ", ".join(f"{self.macro}({w.host}, {name})" + (f" on page[{w.page}]" if w.page else "")
                             for w in self.hosts[name])
            raise self.fail(where, f"{_dotted(where)}: '{name}' is asserted ({uses}); 'unasserted' "
                                   "marks a field no assert pins")
        return reason

    def trailing(self, key: PathKey, raw: dict[str, Any]) -> Trailing | None:
        if ("sep" in raw) != ("comment" in raw):
            missing = "comment" if "sep" in raw else "sep"
            raise self.fail(key, f"{_dotted(key)}: a trailing comment needs both 'sep' and 'comment' "
                                 f"('{missing}' is missing)")
        if "sep" not in raw:
            return None
        return Trailing(raw["sep"], self.prose((*key, "comment"), raw["comment"], whole=True))

    def conditional(self, key: PathKey, raw: dict[str, Any], where: Loc) -> Conditional:
        out: list[Branch] = []
        for i, branch in enumerate(raw["conditional"]):
            bkey: PathKey = (*key, "conditional", i)
            named = [d for d in _DIRECTIVES if d in branch]
            if len(named) != 1:
                raise self.fail(bkey, f"{_dotted(bkey)}: a branch names one of #ifdef, #ifndef, #if, "
                                      "#elif, #else")
            directive = named[0]
            if (i == 0) != (directive in _OPENERS):
                want = "#ifdef, #ifndef or #if" if i == 0 else "#elif or #else"
                raise self.fail((*bkey, directive), f"branch {i + 1} of a conditional must be {want}, "
                                                    f"not #{directive}")
            if out and out[-1].directive == "else":
                raise self.fail((*bkey, directive), "nothing may follow #else in a conditional")
            expr = "" if directive == "else" else str(branch[directive])
            members = self.members((*bkey, "then"), branch["then"])
            out.append(Branch(cast(Any, directive), expr, self.trailing(bkey, branch), members))
        endif = raw.get("endif")
        trailing = None
        if endif:
            trailing = Trailing(endif["sep"], self.prose((*key, "endif", "comment"), endif["comment"], True))
        return Conditional(tuple(out), trailing, where)


def _allowed(kind: str, key: str) -> bool:
    return (kind, key) in {("marker", "text"), ("marker", "indent"), ("comment", "indent"),
                           ("conditional", "endif")}


def _dotted(key: PathKey) -> str:
    out = ""
    for k in key:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out
