"""`propose --add`: insert one field into the spec file as text.

The file is never re-dumped: the new entry is one (or, for a block-style
neighbour, a few) inserted lines, placed with the YAML line marks of
codegen/spec/yamlload.py and written in the style of the entry before it,
so every comment, blank line and key order stays. The edit is then proven:
the edited file must load to exactly the old data plus the new entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from codegen.errors import InputError
from codegen.render import render
from codegen.spec import ctypes
from codegen.spec.model import Spec
from codegen.spec.yamlload import Document, PathKey, loads

_BAD_CHAR = re.compile(r"'(.)' cannot appear")


@dataclass(frozen=True)
class Addition:
    declaration: str  # as given: "unsigned int frag_cnt"
    host: str | None  # --host-field
    after: str | None  # --after
    to: str | None  # --to: the mirror or the alias struct


@dataclass(frozen=True)
class Edited:
    text: bytes
    name: str  # the new field or member
    type: str
    struct: str  # the struct it was added to
    line: int  # where its entry starts in the edited file


def parse_member(declaration: str) -> tuple[str, str]:
    """(type, name) of one plain member declaration, or exit 2 pointing into the argument."""
    try:
        return ctypes.split_declaration(declaration)
    except ctypes.CTypeError as exc:
        bad = _BAD_CHAR.search(str(exc))
        col = declaration.find(bad.group(1)) + 1 if bad else 1
        raise InputError("--add", 1, max(col, 1),
                         f"'{declaration}' is not one plain member declaration: {exc}") from None


def add(raw: bytes, doc: Document, spec: Spec, addition: Addition) -> Edited:
    ctype, name = parse_member(addition.declaration)
    to = addition.to or spec.mirror.struct
    alias = spec.alias
    if to == spec.mirror.struct:
        plans = _mirror_plans(doc, spec, addition, ctype, name)
    elif alias is not None and to == alias.struct:
        if addition.host is not None:
            raise InputError("--host-field", 1, 1, f"a member of struct {to} overlays no host field; "
                             f"--host-field is for fields of struct {spec.mirror.struct}")
        plans = [_NewEntry(("alias", "members"), _member_index(doc, spec, addition.after), None,
                       f"{ctype} {name}")]
    else:
        known = " or ".join([spec.mirror.struct] + ([alias.struct] if alias else []))
        raise InputError("--to", 1, 1, f"'{to}' is neither struct this spec defines ({known})")
    text = raw.decode("utf-8")
    lines = text.splitlines(keepends=True)
    inserted: list[tuple[int, str]] = [_entry(doc, lines, plan) for plan in plans]
    # Insert bottom-up so the earlier line numbers stay true.
    for at, entry in sorted(inserted, reverse=True):
        lines[at:at] = [entry]
    edited = "".join(lines)
    first = min(at for at, _ in inserted) + 1
    _prove(doc, edited, plans, first)
    return Edited(edited.encode("utf-8"), name, ctype, to, first)


@dataclass(frozen=True)
class _NewEntry:
    sequence: PathKey  # ("mirror", "fields") or ("alias", "members")
    index: int  # the new entry's index in it
    pairs: tuple[tuple[str, str], ...] | None  # a mapping entry
    scalar: str | None  # or a plain string entry

    def value(self) -> Any:
        return dict(self.pairs) if self.pairs is not None else self.scalar


def _mirror_plans(doc: Document, spec: Spec, addition: Addition, ctype: str, name: str) -> list[_NewEntry]:
    names = [f.name for f in spec.mirror.fields]
    index = _index_after(doc, ("mirror", "fields"), names, addition.after, f"struct {spec.mirror.struct}")
    pairs = [("name", name), ("type", ctype)]
    if addition.host is not None and addition.host != name:
        if not ctypes.is_identifier(addition.host):
            raise InputError("--host-field", 1, 1, f"'{addition.host}' is not a C identifier")
        pairs.append(("host", addition.host))
    plans = [_NewEntry(("mirror", "fields"), index, tuple(pairs), None)]
    alias = spec.alias
    if alias is not None and alias.style == "field":
        # The alias declares the mirror fields inline: it needs a {field: NAME} member too,
        # after the member of the field before it (or after the last inline field).
        before = names[index - 1] if index > 0 else None
        kinds = [m for m in alias.members if m.kind == "field"]
        anchor = next((m for m in kinds if m.name == before), kinds[-1])
        at = [m.name for m in alias.members].index(anchor.name) + 1
        plans.append(_NewEntry(("alias", "members"), at, (("field", name),), None))
    return plans


def _member_index(doc: Document, spec: Spec, after: str | None) -> int:
    assert spec.alias is not None
    names = [m.name for m in spec.alias.members]
    return _index_after(doc, ("alias", "members"), names, after, f"struct {spec.alias.struct}")


def _index_after(doc: Document, sequence: PathKey, names: list[str], after: str | None, what: str) -> int:
    if after is None:
        return len(names)
    if after not in names:
        line, col = doc.where(sequence)
        raise InputError(doc.path, line, col, f"--after {after}: {what} has no member '{after}' "
                         f"(it has: {', '.join(names)})")
    return names.index(after) + 1


def _entry(doc: Document, lines: list[str], plan: _NewEntry) -> tuple[int, str]:
    """(0-based line to insert at, the entry's text), styled after its neighbour."""
    if plan.index == 0:
        raise InputError(doc.path, *doc.where(plan.sequence), "--add cannot insert before the first entry; "
                         "use --after")
    neighbour: PathKey = (*plan.sequence, plan.index - 1)
    line, col = doc.marks[neighbour]
    text = lines[line - 1]
    prefix = text[: col - 1]
    if prefix.strip() != "-":
        raise InputError(doc.path, line, col, f"{_dotted(plan.sequence)} is not a block sequence with "
                         "one '- ' entry per line here; add the entry by hand")
    end = _last_line(doc, neighbour, lines)
    newline = "\r\n" if lines[end - 1].endswith("\r\n") else "\n"
    entry = render(
        "propose/spec_entry.yaml.j2",
        prefix=prefix,
        newline=newline,
        scalar=plan.scalar,
        pairs=[(k, _quoted(v)) for k, v in plan.pairs or ()],
        flow=text[col - 1 : col] == "{",
        pad=" " if text[col : col + 1] == " " else "",
    )
    if not lines[end - 1].endswith("\n"):  # the neighbour was the file's unterminated last line
        lines[end - 1] += newline
    return end, entry


def _last_line(doc: Document, item: PathKey, lines: list[str]) -> int:
    """The 1-based last line of a sequence item: up to the next value or key outside it,
    less the blank and comment lines before that one."""
    start = doc.marks[item][0]
    later = [ln for marks in (doc.marks, doc.key_marks) for key, (ln, _) in marks.items()
             if ln > start and key[: len(item)] != item]
    end = min(later, default=len(lines) + 1) - 1
    while end > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _quoted(value: str) -> str:
    """A YAML scalar that reads back as exactly `value` (quoted only where needed: `on`, `null`)."""
    try:
        plain = yaml.safe_load(f"k: {value}")
    except yaml.YAMLError:
        plain = None
    return value if isinstance(plain, dict) and plain.get("k") == value else json.dumps(value)


def _prove(doc: Document, edited: str, plans: list[_NewEntry], line: int) -> None:
    """The edited file must read as the old data with the new entries, and nothing else changed."""
    expected = json.loads(json.dumps(doc.data))
    for plan in plans:
        target: Any = expected
        for part in plan.sequence:
            target = target[part]
        target.insert(plan.index, plan.value())
    try:
        got = loads(edited.encode("utf-8"), doc.path).data
    except InputError as exc:
        raise InputError(doc.path, line, 1, f"inserting the entry here breaks the YAML ({exc.message}); "
                         "add it by hand") from None
    if got != expected:
        raise InputError(doc.path, line, 1, "inserting the entry here would change other values of the "
                         "spec; add it by hand")


def _dotted(key: PathKey) -> str:
    return ".".join(str(k) for k in key)
