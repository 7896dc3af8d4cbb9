"""The host struct (`struct page`) as data: the members of a host model file, and queries.

Pure data: where each member is written, which kernels and options have it,
and which union arms it sits in. Its layout on each ABI is computed by
verify (codegen/verify/hostmodel.py); the YAML loader is codegen/spec/hostload.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from codegen.errors import InputError
from codegen.spec.model import Loc

Version = tuple[int, int]
_VERSION = re.compile(r"(\d+)\.(\d+)\Z")


@dataclass(frozen=True)
class Versions:
    """The kernels that have a member: from `since` up to `until`, both inclusive."""

    since: Version | None = None
    until: Version | None = None

    def admits(self, version: Version) -> bool:
        return (self.since is None or version >= self.since) and (self.until is None or version <= self.until)

    def meets(self, other: Versions) -> bool:
        """Some kernel has both members."""
        lows = [v for v in (self.since, other.since) if v is not None]
        highs = [v for v in (self.until, other.until) if v is not None]
        return not lows or not highs or max(lows) <= min(highs)

    def within(self, outer: Versions) -> Versions:
        lows = [v for v in (self.since, outer.since) if v is not None]
        highs = [v for v in (self.until, outer.until) if v is not None]
        return Versions(max(lows) if lows else None, min(highs) if highs else None)


@dataclass(frozen=True)
class HostField:
    name: str
    type: str
    loc: Loc
    versions: Versions  # effective: narrowed by the enclosing groups
    config: str | None

    @property
    def kind(self) -> Literal["field"]:
        return "field"


@dataclass(frozen=True)
class HostGroup:
    """An anonymous struct or union inside the host struct."""

    kind: Literal["struct", "union"]
    members: tuple[HostMember, ...]
    loc: Loc
    versions: Versions


HostMember = HostField | HostGroup
# Where a field sits: for each enclosing union, (the union's loc, the arm index).
_Arms = tuple[tuple[Loc, int], ...]


Arms = tuple[tuple[Loc, int], ...]


@dataclass(frozen=True)
class HostStruct:
    """A validated host model: the struct's members as written, indexed by name."""

    path: str  # as shown in messages
    struct: str
    members: tuple[HostMember, ...]
    header: str | None = None  # the kernel header that declares it, as #include'd
    fields: dict[str, HostField] = field(init=False, repr=False, compare=False)
    arms: dict[str, Arms] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields: dict[str, HostField] = {}
        arms: dict[str, Arms] = {}
        _index(self.members, (), fields, arms)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "arms", arms)

    def field(self, name: str) -> HostField:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"struct {self.struct} has no member '{name}' in {self.path}") from None

    def for_kernel(self, version: Version) -> HostStruct:
        """The members a kernel of this version has (by `since` / `until`)."""
        return HostStruct(self.path, self.struct, _select(self.members, version), self.header)

    def union_siblings(self, a: str, b: str) -> bool:
        """Some union puts `a` and `b` in different arms, and some kernel has both."""
        if not self.field(a).versions.meets(self.field(b).versions):
            return False
        mine, theirs = self.arms[a], self.arms[b]
        shared = next((i for i, (x, y) in enumerate(zip(mine, theirs, strict=False)) if x != y), None)
        return shared is not None and mine[shared][0] == theirs[shared][0]

    def error_at(self, line: int, message: str) -> InputError:
        """An error at the model entry that starts on `line` (clang sees the YAML lines via #line)."""
        col = next((f.loc.col for f in self.fields.values() if f.loc.line == line), 1)
        return InputError(self.path, line, col, message)


def _index(
    members: tuple[HostMember, ...], arms: Arms, fields: dict[str, HostField], where: dict[str, Arms]
) -> None:
    for member in members:
        if isinstance(member, HostField):
            fields[member.name] = member
            where[member.name] = arms
        elif member.kind == "union":
            for i, arm in enumerate(member.members):
                _index((arm,), (*arms, (member.loc, i)), fields, where)
        else:
            _index(member.members, arms, fields, where)


def _select(members: tuple[HostMember, ...], version: Version) -> tuple[HostMember, ...]:
    out: list[HostMember] = []
    for member in members:
        if not member.versions.admits(version):
            continue
        if isinstance(member, HostGroup):
            inner = _select(member.members, version)
            if not inner:
                continue
            member = HostGroup(member.kind, inner, member.loc, member.versions)
        out.append(member)
    return tuple(out)


def parse_version(text: str) -> Version | None:
    m = _VERSION.match(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


