"""Spec change -> rule findings: what changed between the revision and now, and what it does
to the layout on each ABI. Each finding sits at the spec line a human edits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from codegen.propose.layouts import Layouts, fields_struct
from codegen.propose.rules import finding
from codegen.report import Finding
from codegen.spec.model import Field, Loc, Member, Spec
from codegen.verify.hostmodel import HostModel

ChangeKind = Literal["added", "removed", "renamed", "retyped", "moved", "host-changed"]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    struct: str
    name: str
    old_name: str | None = None


@dataclass
class Classified:
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def marks(self, struct: str) -> dict[str, str]:
        """Field name -> table marker: '+' added, '~' changed otherwise."""
        out: dict[str, str] = {}
        for c in self.changes:
            if c.struct == struct and c.kind != "removed":
                out[c.name] = "+" if c.kind == "added" else out.get(c.name, "~")
        return out

    def removed(self, struct: str) -> list[str]:
        return [c.name for c in self.changes if c.struct == struct and c.kind == "removed"]


def per_abi(values: dict[str, str], form: str = "{value} on {abis}") -> str:
    """'48 on x86_64, aarch64; 24 on i386, arm': ABIs grouped by value, in ABI order."""
    groups: dict[str, list[str]] = {}
    for abi, value in values.items():
        groups.setdefault(value, []).append(abi)
    return "; ".join(form.format(value=value, abis=", ".join(names)) for value, names in groups.items())


def _at(loc: Loc) -> tuple[str, int, int]:
    return loc.path, loc.line, loc.col


class _Classifier:
    def __init__(self, old: Spec | None, new: Spec, model: HostModel, new_layouts: Layouts,
                 old_layouts: Layouts, against: str) -> None:
        self.old, self.new, self.model, self.against = old, new, model, against
        self.new_layouts, self.old_layouts = new_layouts, old_layouts
        self.out = Classified()

    def add(self, rule: str, loc: Loc, message: str, change: Change | None = None) -> None:
        self.out.findings.append(finding(rule, _at(loc), message))
        if change is not None:
            self.out.changes.append(change)

    def placed(self, layouts: Layouts, tag: str, name: str) -> dict[str, tuple[int, int]]:
        """ABI -> (offset, size) of a member, where clang laid it out."""
        out: dict[str, tuple[int, int]] = {}
        for abi, structs in layouts.items():
            member = structs[tag].field(name) if tag in structs else None
            if member is not None:
                out[abi] = (member.offset, member.size)
        return out

    def run(self) -> Classified:
        self.mirror_fields()
        self.alias_members()
        self.overlays()
        self.size_limit()
        return self.out

    # -- mirror fields -------------------------------------------------------------------------

    def mirror_fields(self) -> None:
        new, old = self.new, self.old
        struct = new.mirror.struct
        before = {f.name: f for f in old.mirror.fields} if old else {}
        now = {f.name: f for f in new.mirror.fields}
        added = [f for f in new.mirror.fields if f.name not in before]
        removed = [f for f in old.mirror.fields if f.name not in now] if old else []
        renames = _pair_renames(removed, added, old.mirror.fields if old else (), new.mirror.fields)
        for old_f, new_f in renames:
            self.add("field-renamed", new_f.loc,
                     f"{new_f.name} was {old_f.name} in struct {struct} at {self.against}",
                     Change("renamed", struct, new_f.name, old_f.name))
        paired = {n.name: o for o, n in renames}
        for f in added:
            if f.name not in paired:
                self.added_field(f)
        for f in removed:
            if f.name not in {o.name for o in paired.values()}:
                where = self.near(new.mirror.fields, old.mirror.fields.index(f) if old else 0)
                self.add("field-removed", where, f"{f.name} ({f.type}, overlaying {self.host_name(f.host)}) "
                         f"is removed from struct {struct}", Change("removed", struct, f.name))
        for f in new.mirror.fields:
            was = before.get(f.name) or paired.get(f.name)
            if was is not None:
                self.changed_field(was, f)

    def near(self, fields: tuple[Field, ...], index: int) -> Loc:
        """Where a removed field was: the field now at its index, else the last one."""
        return fields[min(index, len(fields) - 1)].loc if fields else self.new.mirror.loc

    def host_name(self, host: str) -> str:
        return f"struct {self.new.host.struct}'s {host}"

    def added_field(self, f: Field) -> None:
        struct = self.new.mirror.struct
        where = self.placed(self.new_layouts, fields_struct(self.new), f.name)
        at = per_abi({abi: str(off) for abi, (off, _) in where.items()})
        self.add("field-added", f.loc, f"{f.name} ({f.type}) is added to struct {struct}, overlaying "
                 f"{self.host_name(f.host)}, at offset {at}", Change("added", struct, f.name))
        self.union_siblings(f)

    def changed_field(self, was: Field, f: Field) -> None:
        struct = self.new.mirror.struct
        if was.type != f.type:
            self.add("field-retyped", f.loc, f"{f.name} changes type from {was.type} to {f.type}",
                     Change("retyped", struct, f.name))
        if was.host != f.host:
            self.add("host-field-changed", f.loc, f"{f.name} now overlays {f.host}, not {was.host}, in "
                     f"struct {self.new.host.struct}", Change("host-changed", struct, f.name))
            self.union_siblings(f)
        assert self.old is not None
        before = self.placed(self.old_layouts, fields_struct(self.old), was.name)
        after = self.placed(self.new_layouts, fields_struct(self.new), f.name)
        moved = {abi: f"{before[abi][0]} -> {after[abi][0]}" for abi in after
                 if abi in before and before[abi][0] != after[abi][0]}
        if moved:
            self.add("offsets-changed", f.loc, f"{f.name} moves in struct {struct}: {per_abi(moved)}; "
                     f"the overlay on struct {self.new.host.struct} changes",
                     Change("moved", struct, f.name))

    def union_siblings(self, f: Field) -> None:
        if f.host not in self.model.fields:
            return
        siblings = [name for name in self.model.fields if name in self.model.siblings(f.host)]
        if siblings:
            shown = ", ".join(siblings[:6]) + (f" and {len(siblings) - 6} more" if len(siblings) > 6 else "")
            self.add("host-union-sibling", f.loc,
                     f"{f.name} overlays {f.host}, which shares storage with {shown} in a union of "
                     f"struct {self.new.host.struct}: code that reads {siblings[0]} sees {f.name}")

    # -- alias members -------------------------------------------------------------------------

    def alias_members(self) -> None:
        new = self.new.alias
        if new is None:
            return
        old = self.old.alias if self.old else None
        struct = new.struct
        mine = [m for m in new.members if m.kind != "field"]
        before = {m.name: m for m in old.members if m.kind != "field"} if old else {}
        now = {m.name: m for m in mine}
        for m in mine:
            if m.name in before:
                continue
            self.add("field-added", m.loc, f"{m.name} ({m.type}) is added to struct {struct}",
                     Change("added", struct, m.name))
        for index, (name, m) in enumerate(before.items()):
            if name not in now:  # at the member now in its place, like a removed mirror field
                where = mine[min(index, len(mine) - 1)].loc if mine else new.loc
                self.add("field-removed", where, f"{name} ({m.type}) is removed from struct {struct}",
                         Change("removed", struct, name))
        for m in mine:
            was = before.get(m.name)
            if was is not None:
                self.changed_member(was, m, struct)

    def changed_member(self, was: Member, m: Member, struct: str) -> None:
        if was.type != m.type:
            self.add("field-retyped", m.loc, f"{m.name} in struct {struct} changes type from {was.type} "
                     f"to {m.type}", Change("retyped", struct, m.name))
        assert self.old is not None and self.old.alias is not None
        before = self.placed(self.old_layouts, self.old.alias.struct, m.name)
        after = self.placed(self.new_layouts, struct, m.name)
        moved = {abi: f"{before[abi][0]} -> {after[abi][0]}" for abi in after
                 if abi in before and before[abi][0] != after[abi][0]}
        if moved:
            self.add("field-moved", m.loc, f"{m.name} moves in struct {struct}: {per_abi(moved)}",
                     Change("moved", struct, m.name))

    # -- what each mirror field overlays ---------------------------------------------------------

    def overlays(self) -> None:
        tag = fields_struct(self.new)
        taken = {f.host for f in self.new.mirror.fields if f.host in self.model.fields}
        for f in self.new.mirror.fields:
            where = self.placed(self.new_layouts, tag, f.name)
            if f.host not in self.model.fields:
                self.add("no-host-field", f.loc, f"{f.name} overlays no struct {self.new.host.struct} field: "
                         f"{self.model.path} has no '{f.host}'; {self.free_at(where, taken)}")
                continue
            padding = {abi: self.padding(abi, off, size) for abi, (off, size) in where.items()}
            padding = {abi: text for abi, text in padding.items() if text}
            if padding:
                self.add("no-host-field", f.loc, f"{f.name} overlays padding of struct "
                         f"{self.new.host.struct}: {per_abi(padding)}")

    def free_at(self, where: dict[str, tuple[int, int]], taken: set[str]) -> str:
        """Host fields at this offset on every ABI whose storage no mirror field uses yet."""
        if not where:
            return "clang did not lay it out"
        at = per_abi({abi: str(off) for abi, (off, _) in where.items()})
        free = [name for name in self.model.fields
                if all(self.starts_free(name, abi, off, taken) for abi, (off, _) in where.items())]
        if not free:
            return f"no host field is free at its offset ({at})"
        hint = "name one with --host-field, or host: in the spec"
        return f"free at its offset ({at}): {', '.join(free)} ({hint})"

    def starts_free(self, name: str, abi: str, offset: int, taken: set[str]) -> bool:
        layout = self.new_layouts[abi][self.new.host.struct]
        me = layout.field(name)
        if me is None or me.offset != offset:
            return False
        for other in taken:
            used = layout.field(other)
            if used is not None and used.offset < me.offset + me.size and me.offset < used.offset + used.size:
                return False
        return True

    def padding(self, abi: str, offset: int, size: int) -> str:
        layout = self.new_layouts[abi][self.new.host.struct]
        holes = [b for b in range(offset, offset + size)
                 if not any(f.offset <= b < f.offset + f.size for f in layout.fields)]
        if not holes:
            return ""
        return f"bytes {holes[0]}..{holes[-1]}" if len(holes) > 1 else f"byte {holes[0]}"

    # -- size limit ------------------------------------------------------------------------------

    def size_limit(self) -> None:
        limit = self.new.mirror.size_limit
        if limit is None or not self.new.mirror.define:
            return
        struct, host = self.new.mirror.struct, self.new.host.struct
        over: dict[str, str] = {}
        fits: dict[str, str] = {}
        padded = False
        for abi, structs in self.new_layouts.items():
            mirror, hosted = structs.get(struct), structs.get(host)
            bound = hosted.field(limit.host_field) if hosted else None
            if mirror is None or bound is None:
                continue
            end = max((f.offset + f.size for f in mirror.fields), default=0)
            if mirror.size > bound.offset:
                padded = padded or end <= bound.offset
                ends = f" (fields end at {end})" if end != mirror.size else ""
                over[abi] = f"{mirror.size} > {bound.offset}{ends}"
            else:
                fits[abi] = f"{mirror.size} <= {bound.offset}"
        if not over:
            return
        why = "; the size counts the padding to the struct's alignment" if padded else ""
        still = f"; it still fits on {per_abi(fits, '{abis} ({value})')}" if fits else ""
        grown = [c.name for c in self.out.changes if c.struct == struct and c.kind == "added"]
        loc = next((f.loc for f in self.new.mirror.fields if f.name in grown), limit.loc)
        self.add("size-limit-exceeded", loc,
                 f"sizeof(struct {struct}) > offsetof(struct {host}, {limit.host_field}): "
                 f"{per_abi(over)}{why}{still}")


def _pair_renames(removed: list[Field], added: list[Field], old_all: tuple[Field, ...] | list[Field],
                  new_all: tuple[Field, ...] | list[Field]) -> list[tuple[Field, Field]]:
    """A removed and an added field are one renamed field when they overlay the same host field,
    or else sit at the same index with the same type."""
    pairs: list[tuple[Field, Field]] = []
    left = list(added)
    rules: list[Callable[[Field, Field], bool]] = [
        lambda o, n: o.host == n.host,
        lambda o, n: o.type == n.type and list(old_all).index(o) == list(new_all).index(n),
    ]
    for same in rules:
        for o in [r for r in removed if r not in {p[0] for p in pairs}]:
            match = next((n for n in left if same(o, n)), None)
            if match is not None:
                pairs.append((o, match))
                left.remove(match)
    return pairs


def classify(old: Spec | None, new: Spec, model: HostModel, new_layouts: Layouts,
             old_layouts: Layouts, against: str) -> Classified:
    return _Classifier(old, new, model, new_layouts, old_layouts, against).run()
