"""Turn a loaded YAML document into a validated `Spec`.

Two passes: the JSON Schema (shape, unknown keys, identifier syntax), then the
semantic rules the schema cannot say (C type grammar, uniqueness, which
member kinds go together). Every failure is an InputError at the YAML node.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from codegen.errors import InputError
from codegen.spec import ctypes
from codegen.spec.model import (
    Alias,
    AssertBlock,
    Comment,
    Field,
    Host,
    Loc,
    Member,
    MemberKind,
    Mirror,
    SizeLimit,
    Spec,
    Target,
    carrier_style,
)
from codegen.spec.target_file import has_control_character, leaves_tree
from codegen.spec.yamlload import Document, PathKey


def build(doc: Document, name: str) -> Spec:
    _check_schema(doc)
    return _Builder(doc).spec(name)


def _check_schema(doc: Document) -> None:
    from fastjsonschema import JsonSchemaValueException

    from codegen.spec.schema import validator

    try:
        validator()(doc.data)
    except JsonSchemaValueException as exc:
        raise _schema_error(doc, exc) from None


def _schema_error(doc: Document, exc: Any) -> InputError:
    key = _value_path(doc.data, list(exc.path)[1:])
    where = _dotted(key) or "the spec"
    rule = exc.rule
    value = exc.value
    definition = exc.rule_definition
    if rule in ("additionalProperties", "required") and isinstance(value, dict):
        # An unknown key next to a missing one is most often a typo of it: name the typo.
        known = set((exc.definition or {}).get("properties", {}))
        unknown = sorted(k for k in value if k not in known)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(known))}"
            return doc.error(
                (*key, unknown[0]), f"unknown key '{unknown[0]}' in {where} ({hint})", at_key=True
            )
    if rule == "required":
        missing = [k for k in definition if not isinstance(value, dict) or k not in value]
        return doc.error(key, f"{where}: missing required key '{missing[0]}'")
    if rule == "pattern" and definition.startswith("^[A-Za-z_]"):
        return doc.error(key, f"{where}: {value!r} is not a valid C identifier")
    if rule == "pattern":
        return doc.error(key, f"{where}: a comment must be a C block comment starting with '/*'")
    if rule == "oneOf" and len(key) >= 2 and key[-2] == "members":
        return doc.error(
            key,
            f"{where}: a member is a declaration string ('struct net_iov_area *owner'), "
            "{mirror: union|embedded, name: NAME}, or {field: NAME}",
        )
    message = exc.message
    if message.startswith("data"):
        message = message[len("data") :].lstrip(".")
    return doc.error(key, message)


def _value_path(data: Any, parts: list[str]) -> PathKey:
    out: list[str | int] = []
    for part in parts:
        if isinstance(data, list):
            index = int(part)
            out.append(index)
            data = data[index] if index < len(data) else None
        else:
            out.append(part)
            data = data.get(part) if isinstance(data, dict) else None
    return tuple(out)


def _dotted(key: PathKey) -> str:
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data

    def loc(self, key: PathKey) -> Loc:
        line, col = self.doc.where(key)
        return Loc(self.doc.path, line, col)

    def fail(self, key: PathKey, message: str) -> InputError:
        return self.doc.error(key, message)

    def ident(self, key: PathKey, value: str, what: str) -> str:
        if not ctypes.is_identifier(value):
            raise self.fail(key, f"{what} '{value}' {ctypes.not_identifier(value)}")
        return value

    def ctype(self, key: PathKey, value: str) -> str:
        try:
            return ctypes.normalize_type(value)
        except ctypes.CTypeError as exc:
            raise self.fail(key, f"invalid C type {value!r}: {exc}") from None

    def comment(self, key: PathKey) -> Comment | None:
        text = _get(self.data, key)
        if text is None:
            return None
        lines = tuple(text.rstrip("\n").split("\n"))
        body = "\n".join(lines)
        if not body.endswith("*/") or body.find("*/") != len(body) - 2 or body == "/*/":
            raise self.fail(key, "a comment must end with '*/' and contain no other '*/'")
        for i, line in enumerate(lines[1:], start=1):
            if not line.startswith(" *"):
                raise self.fail(
                    key, f"comment line {i + 1} must start with ' *' (kernel block comment style)"
                )
        if any(ch in body for ch in "\t\r"):
            raise self.fail(key, "a comment may not hold tabs or carriage returns")
        control = next((ch for ch in body if (ch < " " and ch != "\n") or "\x7f" <= ch < "\xa0"
                        or ch in "\u2028\u2029\ufeff"), None)
        if control is not None:
            raise self.fail(key, f"a comment may not hold the control character U+{ord(control):04X}")
        return Comment(lines, self.comment_loc(key))

    def comment_loc(self, key: PathKey) -> Loc:
        """Where the comment's first line is: the line after `key: |` for a block scalar."""
        line, col = self.doc.where(key)
        if key in self.doc.block_scalars:
            key_col = self.doc.where_key(key)[1]
            return Loc(self.doc.path, line + 1, key_col + 2)
        return Loc(self.doc.path, line, col)

    def spec(self, name: str) -> Spec:
        target = self.target()
        host = Host(
            self.ident(("host", "struct"), self.data["host"]["struct"], "host struct"),
            self.data["host"].get("model"),
        )
        mirror = self.mirror(host)
        alias = self.alias(host, mirror) if "alias" in self.data else None
        if alias and mirror.asserts and alias.asserts and alias.asserts.macro == mirror.asserts.macro:
            raise self.fail(
                ("alias", "assert", "macro"),
                f"macro '{alias.asserts.macro}' is already the mirror's assert macro",
            )
        return Spec(self.doc.path, name, target, host, mirror, alias)

    def target(self) -> Target:
        raw = self.data["target"]
        path = raw["file"]
        if has_control_character(path):
            raise self.fail(("target", "file"), "target file name holds a control character (a NUL byte?)")
        if leaves_tree(path):
            raise self.fail(
                ("target", "file"), f"target file '{path}' must be relative to the tree and stay inside it"
            )
        after = raw.get("insert_asserts_after")
        if after is not None:
            self.ident(("target", "insert_asserts_after"), after, "struct")
        return Target(path, raw.get("insert_mirror_before"), after)

    def fields(self) -> tuple[Field, ...]:
        out: list[Field] = []
        names: dict[str, Field] = {}
        hosts: dict[str, Field] = {}
        for i, raw in enumerate(self.data["mirror"]["fields"]):
            key: PathKey = ("mirror", "fields", i)
            fname = self.ident((*key, "name"), raw["name"], "field name")
            if fname in names:
                raise self.fail(
                    (*key, "name"), f"duplicate field '{fname}' (first at line {names[fname].loc.line})"
                )
            ftype = self.ctype((*key, "type"), raw["type"])
            host = self.ident((*key, "host"), raw.get("host", fname), "host field")
            if host in hosts:
                raise self.fail(
                    (*key, "host") if "host" in raw else (*key, "name"),
                    f"host field '{host}' is already overlaid by '{hosts[host].name}' "
                    f"(line {hosts[host].loc.line}); each host field may be mirrored once",
                )
            field = Field(fname, ftype, host, self.loc((*key, "name")))
            names[fname] = hosts[host] = field
            out.append(field)
        return tuple(out)

    def assert_block(
        self, key: PathKey, left: str, right: str, pairs: tuple[tuple[str, str, Field], ...]
    ) -> AssertBlock | None:
        raw = _get(self.data, key)
        if raw is None:
            return None
        macro = self.ident((*key, "macro"), raw["macro"], "macro")
        a, b = (self.ident((*key, "params", i), p, "macro parameter") for i, p in enumerate(raw["params"]))
        if a == b:
            raise self.fail((*key, "params", 1), f"macro parameters must differ (both '{a}')")
        return AssertBlock(macro, (a, b), left, right, pairs, self.comment((*key, "comment")), self.loc(key))

    def mirror(self, host: Host) -> Mirror:
        raw = self.data["mirror"]
        struct = self.ident(("mirror", "struct"), raw["struct"], "mirror struct")
        define = raw.get("define", True)
        fields = self.fields()
        for key in ("assert", "size_limit", "comment"):
            if not define and key in raw:
                raise self.fail(
                    ("mirror", key), f"mirror.{key} needs the mirror struct to be defined (define: false)"
                )
        if "assert" in raw and "against" in raw["assert"]:
            raise self.fail(
                ("mirror", "assert", "against"),
                "'against' belongs to alias.assert; the mirror is always compared with the host",
            )
        pairs = tuple((f.host, f.name, f) for f in fields)
        asserts = self.assert_block(("mirror", "assert"), host.struct, struct, pairs)
        size = None
        if "size_limit" in raw:
            field = self.ident(
                ("mirror", "size_limit", "host_field"), raw["size_limit"]["host_field"], "host field"
            )
            size = SizeLimit(
                field,
                self.comment(("mirror", "size_limit", "comment")),
                self.loc(("mirror", "size_limit")),
                struct,
                host.struct,
            )
        return Mirror(
            struct, define, self.comment(("mirror", "comment")), fields, asserts, size, self.loc(("mirror",))
        )

    def alias(self, host: Host, mirror: Mirror) -> Alias:
        raw = self.data["alias"]
        struct = self.ident(("alias", "struct"), raw["struct"], "alias struct")
        if struct in (mirror.struct, host.struct):
            raise self.fail(
                ("alias", "struct"), f"alias struct '{struct}' must differ from the host and mirror structs"
            )
        members = self.alias_members(struct, mirror)
        carriers = sum(1 for m in members if m.kind in ("union", "embedded"))
        inline = {m.name for m in members if m.kind == "field"}
        if inline and carriers:
            raise self.fail(
                ("alias", "members"),
                "use either a union/embedded mirror member or inline {field: ...} members, not both",
            )
        missing = [f.name for f in mirror.fields if f.name not in inline]
        if inline and missing:
            raise self.fail(("alias", "members"), f"struct {struct} lacks mirror field '{missing[0]}'")
        if not inline and not carriers:
            raise self.fail(
                ("alias", "members"),
                f"struct {struct} carries no mirror fields: add a union, embedded or field member",
            )
        asserts = self.alias_asserts(struct, carrier_style(members), host, mirror)
        return Alias(struct, members, asserts, self.loc(("alias",)))

    def alias_members(self, struct: str, mirror: Mirror) -> tuple[Member, ...]:
        members: list[Member] = []
        seen: dict[str, int] = {}

        def claim(name: str, key: PathKey) -> None:
            if name in seen:
                raise self.fail(key, f"struct {struct} already has a member '{name}' (line {seen[name]})")
            seen[name] = self.doc.where(key)[0]

        for i, item in enumerate(self.data["alias"]["members"]):
            key: PathKey = ("alias", "members", i)
            if isinstance(item, str):
                try:
                    mtype, mname = ctypes.split_declaration(item)
                except ctypes.CTypeError as exc:
                    raise self.fail(key, f"invalid member {item!r}: {exc}") from None
                claim(mname, key)
                members.append(Member("plain", mname, mtype, None, None, self.loc(key)))
            elif "mirror" in item:
                if any(m.kind in ("union", "embedded") for m in members):
                    raise self.fail(key, f"struct {struct} can carry the mirror only once")
                members.append(self.carrier(key, item, mirror, claim))
            else:
                field = next((f for f in mirror.fields if f.name == item["field"]), None)
                if field is None:
                    raise self.fail(
                        (*key, "field"), f"'{item['field']}' is not a field of struct {mirror.struct}"
                    )
                claim(field.name, (*key, "field"))
                members.append(Member("field", field.name, field.type, None, field, self.loc(key)))
        return tuple(members)

    def carrier(
        self, key: PathKey, item: dict[str, Any], mirror: Mirror, claim: Callable[[str, PathKey], None]
    ) -> Member:
        """The member that carries the mirror: a union with its fields, or the struct embedded."""
        if not mirror.define:
            raise self.fail((*key, "mirror"), f"'{item['mirror']}' needs the mirror struct to be defined")
        kind = item["mirror"]
        mname = self.ident((*key, "name"), item["name"], "member name")
        claim(mname, (*key, "name"))
        if kind == "union":
            for f in mirror.fields:
                claim(f.name, (*key, "mirror"))
        elif "note" in item:
            raise self.fail(
                (*key, "note"),
                "a note goes above the anonymous struct of a union; 'embedded' has none",
            )
        return Member(
            kind, mname, f"struct {mirror.struct}", self.comment((*key, "note")), None, self.loc(key)
        )

    def alias_asserts(self, struct: str, style: MemberKind, host: Host, mirror: Mirror) -> AssertBlock | None:
        raw = self.data["alias"].get("assert")
        if raw is None:
            return None
        against = raw.get("against", "mirror" if mirror.define else "host")
        key: PathKey = ("alias", "assert")
        if style == "embedded":
            raise self.fail(
                key,
                f"fields of an embedded struct {mirror.struct} are not members of "
                f"struct {struct}; drop alias.assert",
            )
        if against == "mirror" and not mirror.define:
            raise self.fail((*key, "against"), "cannot assert against a mirror struct that is not defined")
        if against == "mirror":
            pairs = tuple((f.name, f.name, f) for f in mirror.fields)
            return self.assert_block(key, mirror.struct, struct, pairs)
        pairs = tuple((f.host, f.name, f) for f in mirror.fields)
        return self.assert_block(key, host.struct, struct, pairs)


def _get(data: Any, key: PathKey) -> Any:
    for part in key:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data
