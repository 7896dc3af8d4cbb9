"""What differs between a family spec's struct and the tree's, in kernel terms.

Fields are compared by name, with the aggregates and the `#if` branches they
sit in: a field added, removed, retyped (type, array, bitfield width),
renamed (same place, same type, another name), moved (another aggregate or
another order) or under another condition is one finding each, naming the
host word the assert block maps onto it. What the fields leave unexplained
(a comment, a marker, a blank line, indentation) is the first line that
differs, named by its construct.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from codegen.check.family import Said
from codegen.creader.anchors import scan
from codegen.creader.structbody import (
    Aggregate,
    BodyLine,
    Conditional,
    Node,
    StructRegion,
    Unnested,
    find_struct,
    nest,
)
from codegen.spec.family_model import FamilySpec

_CONSTRUCT = {
    "comment": "a comment",
    "open": "an anonymous aggregate",
    "close": "the end of an aggregate",
    "field": "a field",
    "directive": "a conditional",
    "blank": "a blank line",
    "foreign": "text the spec does not make",
}


@dataclass(frozen=True)
class _Field:
    label: str
    decl: str  # type, array and width, as C says them
    where: tuple[str, ...]  # the aggregates around it
    cond: tuple[str, ...]  # the directives it is under
    line: int
    nth: int = 0  # the same name declared again (folio's _entire_mapcount under #ifdef and #ifndef)

    @property
    def key(self) -> tuple[str, int]:
        return self.label, self.nth


def explain_struct(spec: FamilySpec, expected: str, found: bytes) -> list[Said]:
    """Findings for a struct whose text differs from the spec's (lines relative to `found`)."""
    assert spec.struct is not None
    name = f"struct {spec.struct.name}"
    want_region = find_struct(scan(expected.encode()), spec.struct.name, spec.struct.has_comment)
    have_region = find_struct(scan(found), spec.struct.name, spec.struct.has_comment)
    if have_region is None or want_region is None:
        return [Said(1, f"{name}: no 'struct {spec.struct.name} {{' line any more")]
    said: list[Said] = []
    try:
        want, have = _fields(want_region), _fields(have_region)
    except Unnested as exc:
        said.append(Said(exc.at.line, f"{name}: {exc.why} (line {exc.at.line} of the struct)"))
        want = have = []
    said += _compare(spec, name, want, have)
    if not said:
        said = _layout(name, expected, found, have_region, spec.struct.loc.path)
    return said


def _fields(region: StructRegion) -> list[_Field]:
    out: list[_Field] = []

    def walk(nodes: list[Node], where: tuple[str, ...], cond: tuple[str, ...]) -> None:
        count = 0
        for node in nodes:
            if isinstance(node, Aggregate):
                count += 1
                walk(node.members, (*where, f"{node.kind}#{count}"), cond)
            elif isinstance(node, Conditional):
                for line, members in node.branches:
                    walk(members, where, (*cond, line.text.split("/*")[0].strip()))
            elif node.kind == "field":
                out.append(_field(node, where, cond))

    walk(nest(region.lines), (), ())
    seen: dict[str, int] = {}
    for i, f in enumerate(out):
        out[i] = _Field(f.label, f.decl, f.where, f.cond, f.line, seen.get(f.label, 0))
        seen[f.label] = seen.get(f.label, 0) + 1
    return out


def _field(line: BodyLine, where: tuple[str, ...], cond: tuple[str, ...]) -> _Field:
    kind, name, array, bits, _ = line.args
    decl = kind + (f"[{array}]" if array else "") + (f":{bits}" if bits else "")
    return _Field(name or kind, decl, where, cond, line.line)


def _compare(spec: FamilySpec, name: str, want: list[_Field], have: list[_Field]) -> list[Said]:
    said: list[Said] = []
    have_by = {f.key: f for f in have}
    want_by = {f.key: f for f in want}
    gone = [f for f in want if f.key not in have_by]
    new = [f for f in have if f.key not in want_by]
    for f in list(gone):
        twin = next((h for h in new if h.decl == f.decl and h.where == f.where and h.cond == f.cond), None)
        if twin is not None:
            gone.remove(f)
            new.remove(twin)
            said.append(Said(twin.line, f"{name}: renamed field: '{twin.label}' in the tree, '{f.label}' in "
                                        f"the spec{_host(spec, f.label)}"))
    for f in list(gone):  # the same place (after the same field, same aggregates): renamed and retyped
        twin = next((h for h in new if h.where == f.where and h.cond == f.cond
                     and _before(have, h) == _before(want, f)), None)
        if twin is not None:
            gone.remove(f)
            new.remove(twin)
            said.append(Said(twin.line, f"{name}: renamed field: '{twin.label}' ({twin.decl}) in the tree, "
                                        f"'{f.label}' ({f.decl}) in the spec{_host(spec, f.label)}"))
    said += _embedded(name, want, have, gone, new)
    said += [Said(1, f"{name}: field '{f.label}' ({f.decl}){_host(spec, f.label)} is missing from the tree")
             for f in gone]
    said += [Said(f.line, f"{name}: field '{f.label}' ({f.decl}) is in the tree but not in the spec")
             for f in new]
    order_want = [f.key for f in want if f.key in have_by]
    order_have = [f.key for f in have if f.key in want_by]
    blocks = SequenceMatcher(None, order_want, order_have, autojunk=False).get_matching_blocks()
    in_order = {order_want[b.a + k] for b in blocks for k in range(b.size)}
    for f in want:
        h = have_by.get(f.key)
        if h is None:
            continue
        if h.decl != f.decl:
            said.append(Said(h.line, f"{name}: field '{f.label}' is '{h.decl}' in the tree, '{f.decl}' in "
                                     f"the spec{_host(spec, f.label)}"))
        if h.cond != f.cond:
            said.append(Said(h.line, f"{name}: field '{f.label}' is under {_cond(h.cond)} in the tree, "
                                     f"{_cond(f.cond)} in the spec"))
        elif _where(h) != _where(f):
            said.append(Said(h.line, f"{name}: field '{f.label}' moved: in {_where(h)} in the tree, "
                                     f"{_where(f)} in the spec{_host(spec, f.label)}"))
        elif f.key not in in_order:
            said.append(Said(h.line, f"{name}: field '{f.label}' moved: after '{_before(have, h)}' in the "
                                     f"tree, '{_before(want, f)}' in the spec{_host(spec, f.label)}"))
    return sorted(said, key=lambda s: s.line)


def _embedded(name: str, want: list[_Field], have: list[_Field], gone: list[_Field],
              new: list[_Field]) -> list[Said]:
    """Words moved into (or out of) an anonymous tagged member such as `struct freelist_counters;`:
    one finding naming the member and the loose fields that stand in its place on the other side,
    instead of one finding per field (the member's own definition is in neither struct)."""
    said: list[Said] = []
    sides = ((want, have, gone, new, "spec"), (have, want, new, gone, "tree"))
    for side, others, spare, loose, where in sides:
        for f in [f for f in spare if f.label == f.decl and " " in f.decl]:
            at = side.index(f)
            common = {o.label for o in others}
            before = next((x.label for x in reversed(side[:at]) if x.label in common), None)
            after = next((x.label for x in side[at + 1:] if x.label in common), None)
            labels = [o.label for o in others]
            low = labels.index(before) + 1 if before else 0
            high = labels.index(after) if after else len(others)
            instead = [o for o in others[low:high] if o in loose]
            if not instead:
                continue
            spare.remove(f)
            for o in instead:
                loose.remove(o)
            other = "tree" if where == "spec" else "spec"
            names = ", ".join(f"'{o.label}'" for o in instead)
            line = f.line if where == "tree" else instead[0].line
            said.append(Said(line, f"{name}: where the {where} embeds '{f.decl}'"
                                   f"{f' (after {before!r})' if before else ''}, the {other} has the fields "
                                   f"{names}: those words moved into or out of '{f.decl}'"))
    return said


def _before(fields: list[_Field], f: _Field) -> str:
    at = fields.index(f)
    return fields[at - 1].label if at else ""


def _host(spec: FamilySpec, field: str) -> str:
    pairs = spec.struct.fields_by_host.items() if spec.struct else []
    words = [f"{spec.host}[{p}].{h}" if p else f"{spec.host}.{h}"
             for (p, h), fields in pairs if field in fields]
    return f" (on {', '.join(words)})" if words else ""


def _cond(cond: tuple[str, ...]) -> str:
    return " and ".join(f"'{c}'" for c in cond) if cond else "no #if"


def _where(f: _Field) -> str:
    """The aggregates around a field by kind (an aggregate added elsewhere renumbers the rest)."""
    return " > ".join(w.split("#")[0] for w in f.where) or "the struct itself"


def _layout(name: str, expected: str, found: bytes, have: StructRegion, spec_path: str) -> list[Said]:
    want = expected.split("\n")
    rows = found.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    for i, row in enumerate(rows):
        if i >= len(want) or want[i] != row:
            what = _construct_at(have, i + 1)
            shown = f"expected {want[i].strip()!r}" if i < len(want) else "expected nothing more"
            return [Said(i + 1, f"{name}: {what} differs from what the spec makes: {shown} ({spec_path})")]
    if len(want) > len(rows):
        return [Said(len(rows), f"{name} ends before what the spec makes: "
                                f"expected {want[len(rows)].strip()!r}")]
    return [Said(1, f"{name} differs from the spec's text in whitespace only")]


def _construct_at(region: StructRegion, line: int) -> str:
    above = region.above
    if above is not None and above.line <= line <= above.line + above.text.count("\n"):
        return "the comment above it"
    for body in region.lines:
        if body.line <= line <= body.line + body.text.count("\n"):
            return _CONSTRUCT.get(body.kind, "a line")
    return "its first or last line"
