"""The baseline of a proposal made against a kernel tree: the tree's current regions, read back
into a spec model.

A patch turns the tree's header into what the spec makes, so it must be graded by that
difference, not by the spec's git history (which may be behind or ahead of the tree). The
model keeps the new spec's form and everything the regions do not spell (comments, macro
names, target); only what the classifier compares comes from the header: the mirror fields
(name, type, and the host field each one's assert names) and the alias struct's members.
"""

from __future__ import annotations

from dataclasses import replace

from codegen.creader.shape import MemberShape, Shape, StructShape, extract
from codegen.propose.history import Baseline
from codegen.spec.ctypes import CTypeError, normalize_type
from codegen.spec.model import Alias, AssertBlock, Field, Loc, Member, Spec


def tree_baseline(spec: Spec, header: bytes, shown: str) -> Baseline:
    """`shown`: the header as messages name it (`linux/include/net/netmem.h`)."""
    return Baseline(read_back(spec, extract(header), shown), shown)


def read_back(spec: Spec, shape: Shape, shown: str) -> Spec:
    hosts = _host_of(spec, shape)
    alias_shape = shape.structs.get(spec.alias.struct) if spec.alias else None
    mirror_shape = shape.structs.get(spec.mirror.struct)
    if spec.mirror.define and mirror_shape is not None:
        fields = tuple(_field(m, hosts, shown) for m in mirror_shape.members if m.name)
    else:  # pre-patch header (or the spec's own form): the fields sit in the alias struct
        members = alias_shape.members if alias_shape else []
        fields = tuple(_field(m, hosts, shown) for m in members if m.name and m.name in hosts)
    mirror = replace(spec.mirror, fields=fields, asserts=_pairs(spec.mirror.asserts, fields, host_side=True))
    alias = spec.alias
    if alias is not None:
        alias = _alias(spec, alias, alias_shape, fields, shown)
    return replace(spec, path=shown, mirror=mirror, alias=alias)


def _host_of(spec: Spec, shape: Shape) -> dict[str, str]:
    """Mirror field -> host field, as the header's asserts against the host pair them."""
    out: dict[str, str] = {}
    for block in (spec.mirror.asserts, spec.alias.asserts if spec.alias else None):
        if block is None or block.left != spec.host.struct:
            continue
        macro = shape.macros.get(block.macro)
        for args, _line in macro.uses if macro else []:
            if len(args) == 2:
                out.setdefault(args[1], args[0])
    return out


def _field(m: MemberShape, hosts: dict[str, str], shown: str) -> Field:
    return Field(m.name, _type(m.type), hosts.get(m.name, m.name), Loc(shown, m.line, 1))


def _type(text: str) -> str:
    try:
        return normalize_type(text)
    except CTypeError:  # a declaration the spec grammar cannot hold: compared as written
        return text


def _pairs(block: AssertBlock | None, fields: tuple[Field, ...], host_side: bool) -> AssertBlock | None:
    if block is None:
        return None
    return replace(block, pairs=tuple((f.host if host_side else f.name, f.name, f) for f in fields))


def _alias(spec: Spec, alias: Alias, found: StructShape | None, fields: tuple[Field, ...],
           shown: str) -> Alias:
    carrier = next((m for m in alias.members if m.kind in ("union", "embedded")), None)
    mirrored = {f.name: f for f in fields}
    members: list[Member] = []
    for m in found.members if found else []:
        loc = Loc(shown, m.line, 1)
        name = _carried(m, spec.mirror.struct)
        if name is not None:
            if carrier is not None:
                members.append(replace(carrier, name=name, loc=loc))
        elif m.name in mirrored:
            if alias.style == "field":
                members.append(Member("field", m.name, mirrored[m.name].type, None, mirrored[m.name], loc))
        elif m.name:
            members.append(Member("plain", m.name, _type(m.type), None, None, loc))
    if alias.style == "field":  # every mirror field needs its member to render
        missing = [f for f in fields if not any(x.field is f for x in members)]
        members += [Member("field", f.name, f.type, None, f, f.loc) for f in missing]
    elif carrier is not None and not any(x.kind == carrier.kind for x in members):
        members.insert(0, carrier)  # the header carries the mirror some other way: keep the spec's
    asserts = alias.asserts
    if asserts is not None:
        asserts = _pairs(asserts, fields, host_side=asserts.left == spec.host.struct)
    return replace(alias, members=tuple(members), asserts=asserts)


def _carried(m: MemberShape, mirror: str) -> str | None:
    """The member name of `struct MIRROR name;`, alone or first in an anonymous union."""
    if m.type == f"struct {mirror}" and m.name:
        return m.name
    if not m.name and m.type == "union":
        for child in m.children or []:
            if child.type == f"struct {mirror}" and child.name:
                return child.name
    return None
