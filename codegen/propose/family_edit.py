"""`propose --add` for a family spec (version 2): one field into the `struct:` body and its use
into the assert block, as text.

Like spec_edit.py for version 1, the file is never re-dumped: each new entry
is inserted after its neighbour's last line (YAML line marks), in the
neighbour's indentation, so every comment, blank line and key order stays.
The field goes after `--after FIELD` in the same aggregate (after the whole
`#if` when FIELD sits in one, so the new field never inherits a condition it
was not given), else after the struct's last top-level member. Its use goes
into the group of page[N], after the use of the nearest field before the new
one that has a use there, else last. `--if` wraps both in a one-branch
conditional. The edit is proven: the edited file must load to exactly the
old data plus the new entries, and build as a family spec, or nothing is
written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from codegen.errors import InputError
from codegen.propose.spec_edit import Edited, _last_line, _quoted, parse_member
from codegen.render import render
from codegen.spec import ctypes
from codegen.spec.family_model import FamilySpec
from codegen.spec.yamlload import Document, PathKey, loads

_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class FamilyAddition:
    declaration: str  # "unsigned long _pt_word"
    host: str | None  # --host-field: the host word its use names; None: no use (propose says so)
    page: int  # --page: the group of page[N]
    after: str | None  # --after: a field of the struct
    condition: str | None  # --if: a symbol (#ifdef) or an expression (#if)


@dataclass(frozen=True)
class FamilyEdited(Edited):
    use: tuple[str, str] | None = None  # (host word, field) added to the block
    directive: str | None = None  # the `#ifdef X` line both sit under


@dataclass(frozen=True)
class _Insert:
    sequence: PathKey
    index: int  # the new entry's index in the sequence
    value: Any  # the entry as data (for the proof)
    text: str  # the entry as YAML, flow style


def add_family(raw: bytes, doc: Document, spec: FamilySpec, addition: FamilyAddition,
               host_words: Collection[str], model_name: str) -> FamilyEdited:
    """The spec text with the field (and its use) inserted. `host_words`: the words of the host
    struct's hand model for the tree's kernel (`model_name` says which, for messages)."""
    ctype, name = parse_member(addition.declaration)
    struct = spec.struct
    if struct is None:
        raise doc.error((), f"{spec.path} has no 'struct:' section: propose adds a field to the struct "
                            "the spec owns (import the family again to get one)")
    if name in {f.name for f in struct.fields()}:
        raise InputError("--add", 1, addition.declaration.rfind(name) + 1,
                         f"struct {struct.name} already has a field '{name}'")
    directive = _directive(addition.condition)
    value_field = "{" + f"type: {_quoted(ctype)}, name: {_quoted(name)}" + "}"
    fields = _fields(doc)
    text = raw.decode("utf-8")
    lines = text.splitlines(keepends=True)
    sequence, index = _struct_anchor(doc, fields, addition.after, struct.name)
    inserts = [_Insert(sequence, index, _wrapped({"type": ctype, "name": name}, directive), value_field)]
    placed = [_entry(doc, lines, inserts[0], directive)]
    use = None
    if addition.host is not None:
        use = (addition.host, name)
        if not ctypes.is_identifier(addition.host) or addition.host not in host_words:
            raise InputError("--host-field", 1, 1, f"struct {spec.host} has no word '{addition.host}' in "
                             f"{model_name} (it has: {', '.join(sorted(host_words))})")
        group = next((i for i, g in enumerate(spec.groups) if g.page == addition.page), None)
        if group is None:
            pages = ", ".join(str(g.page) for g in spec.groups)
            raise InputError("--page", 1, 1, f"the {spec.macro} block has no group for page[{addition.page}] "
                             f"(it has page {pages})")
        earlier = [n for n, line in fields if line <= placed[0][0]]  # the fields above the new one
        inserts.append(_Insert(("groups", group, "uses"), _use_anchor(doc, group, earlier),
                               _wrapped([addition.host, name], directive),
                               f"[{_quoted(addition.host)}, {_quoted(name)}]"))
        placed.append(_entry(doc, lines, inserts[1], directive))
    elif addition.page:
        raise InputError("--page", 1, 1, "--page names the group of the field's use: give --host-field too")
    for at, entry in sorted(placed, key=lambda p: p[0], reverse=True):  # bottom-up: line numbers stay true
        lines[at:at] = [entry]
    edited = "".join(lines)
    at = placed[0][0]
    first = at + 1 + sum(e.count("\n") for other, e in placed[1:] if other < at)
    _prove(doc, edited, inserts, first, spec.name)
    shown = None if directive is None else f"#{directive[0]} {directive[1]}"
    return FamilyEdited(edited.encode("utf-8"), name, ctype, struct.name, first, use, shown)


def _directive(condition: str | None) -> tuple[str, str] | None:
    """`--if X`: `#ifdef X` for a symbol, `#if EXPR` for an expression."""
    if condition is None:
        return None
    expr = condition.strip()
    if not expr or any(c in expr for c in "\n\r\\") or "/*" in expr or "//" in expr:
        raise InputError("--if", 1, 1, f"'{condition}' is not one preprocessor condition: a symbol "
                         "(CONFIG_MEMCG) or an expression (defined(CONFIG_X) && ...), on one line")
    return ("ifdef", expr) if _IDENT.fullmatch(expr) else ("if", expr)


def _wrapped(value: Any, directive: tuple[str, str] | None) -> Any:
    if directive is None:
        return value
    return {"conditional": [{directive[0]: directive[1], "then": [value]}]}


def _fields(doc: Document) -> list[tuple[str, int]]:
    """Every named field of the struct body, with the line of its entry, in file order."""
    out: list[tuple[str, int]] = []

    def walk(key: PathKey, items: Any) -> None:
        for i, item in enumerate(items if isinstance(items, list) else []):
            here = (*key, i)
            if not isinstance(item, dict):
                continue
            if "type" in item and item.get("name"):
                out.append((str(item["name"]), doc.where(here)[0]))
            for kind in ("union", "struct"):
                if kind in item:
                    walk((*here, kind), item[kind])
            for b, branch in enumerate(item.get("conditional") or []):
                if isinstance(branch, dict):
                    walk((*here, "conditional", b, "then"), branch.get("then"))

    walk(("struct", "body"), doc.data["struct"]["body"])
    return out


def _struct_anchor(doc: Document, fields: list[tuple[str, int]], after: str | None,
                   struct: str) -> tuple[PathKey, int]:
    """(sequence, index) where the field goes: after FIELD's entry in its aggregate (after the
    conditional around it), or after the body's last top-level member."""
    body = doc.data["struct"]["body"]
    if after is None:
        return ("struct", "body"), len(body)
    found: list[tuple[PathKey, int]] = []

    def walk(key: PathKey, items: Any, outer: tuple[PathKey, int] | None) -> None:
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            here = (*key, i)
            anchor = outer or (key, i + 1)
            if "type" in item and item.get("name") == after:
                found.append(anchor)
            for kind in ("union", "struct"):
                if kind in item:
                    walk((*here, kind), item[kind], None)
            for b, branch in enumerate(item.get("conditional") or []):
                if isinstance(branch, dict):
                    walk((*here, "conditional", b, "then"), branch.get("then"), anchor)

    walk(("struct", "body"), body, None)
    if not found:
        names = ", ".join(dict.fromkeys(n for n, _ in fields))
        raise InputError("--after", 1, 1, f"struct {struct} has no field '{after}' (it has: {names})")
    return found[0]  # a field in two branches (ptdesc's ptl) has one conditional: the same anchor


def _use_anchor(doc: Document, group: int, earlier: list[str]) -> int:
    """The index after the use of the nearest earlier field that has one in the group, else last."""
    uses = doc.data["groups"][group]["uses"]
    where: dict[str, int] = {}
    for i, item in enumerate(uses):
        for mirror in _mirrors(item):
            where.setdefault(mirror, i + 1)
    for name in reversed(earlier):
        if name in where:
            return where[name]
    return len(uses)


def _mirrors(item: Any) -> list[str]:
    if isinstance(item, list) and len(item) == 2:
        return [str(item[1])]
    if isinstance(item, dict) and "conditional" in item:
        return [m for branch in item["conditional"] for u in branch.get("then", []) for m in _mirrors(u)]
    if isinstance(item, dict) and "mirror" in item:
        return [str(item["mirror"])]
    return []


def _entry(doc: Document, lines: list[str], ins: _Insert,
           directive: tuple[str, str] | None) -> tuple[int, str]:
    """(0-based line to insert at, the entry's text), indented like the entry before it."""
    if ins.index == 0:
        raise InputError(doc.path, *doc.where(ins.sequence), "--add cannot insert before the first entry "
                         "of a list; use --after")
    neighbour: PathKey = (*ins.sequence, ins.index - 1)
    line, col = doc.marks[neighbour]
    prefix = lines[line - 1][: col - 1]
    if prefix.strip() != "-":
        raise InputError(doc.path, line, col, "this list is not a block sequence with one '- ' entry per "
                         "line here; add the entry by hand")
    end = _last_line(doc, neighbour, lines)
    newline = "\r\n" if lines[end - 1].endswith("\r\n") else "\n"
    if not lines[end - 1].endswith("\n"):  # the neighbour was the file's unterminated last line
        lines[end - 1] += newline
    entry = render("propose/family_entry.yaml.j2", prefix=prefix, newline=newline, value=ins.text,
                   directive=directive[0] if directive else None,
                   expr=_quoted(directive[1]) if directive else None)
    return end, entry


def _prove(doc: Document, edited: str, inserts: list[_Insert], line: int, name: str) -> None:
    """The edited file reads as the old data plus the new entries, and builds as a family spec."""
    from codegen.spec.family_build import build_family

    expected = json.loads(json.dumps(doc.data))
    for ins in inserts:
        target: Any = expected
        for part in ins.sequence:
            target = target[part]
        target.insert(ins.index, ins.value)
    try:
        edited_doc = loads(edited.encode("utf-8"), doc.path)
    except InputError as exc:
        raise InputError(doc.path, line, 1, f"inserting the entry here breaks the YAML ({exc.message}); "
                         "add it by hand") from None
    if edited_doc.data != expected:
        raise InputError(doc.path, line, 1, "inserting the entry here would change other values of the "
                         "spec; add it by hand")
    build_family(edited_doc, name)  # a rule the schema cannot say (a duplicate use) is bad input too
