"""The typed spec model: plain frozen dataclasses that the templates read.

Vocabulary (README.md, "The spec format"):
- host:   the struct being overlaid (`struct page`);
- mirror: the struct that mirrors some host words (`struct netmem_desc`);
- alias:  the struct that carries the mirror's fields too (`struct net_iov`),
          as a union with an anonymous struct, as an embedded member, or
          (pre-patch) as its own interleaved members.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, NamedTuple


@dataclass(frozen=True)
class Loc:
    """Where a value was written in the spec (1-based)."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # canonical spelling, see spec.ctypes.normalize_type
    host: str  # the host field overlaid; often the same name
    loc: Loc


@dataclass(frozen=True)
class Comment:
    """A C block comment; `lines` are as written in the spec, unindented."""

    lines: tuple[str, ...]
    # Where its first line is written in the spec, so a finding about line i of the comment
    # points at spec line `loc.line + i` (None for comments not read from a spec file).
    loc: Loc | None = dataclasses.field(default=None, compare=False)

    def line_loc(self, index: int) -> Loc | None:
        if self.loc is None:
            return None
        return Loc(self.loc.path, self.loc.line + min(index, len(self.lines) - 1), self.loc.col)


# The assert operands are NamedTuples: as immutable as the dataclasses, and about a
# sixth of a frozen dataclass's class-creation cost, which every cold `check` pays.
class OffsetsEqual(NamedTuple):
    """The operands of `offsetof(struct left, left_member) == offsetof(struct right, right_member)`.

    The C text is rendered from these by `_macros.j2` (codegen/asserts.py for Python readers).
    """

    left: str  # struct tags
    left_member: str
    right: str
    right_member: str


class SizeWithin(NamedTuple):
    """The operands of `sizeof(struct mirror) <= offsetof(struct host, host_field)`."""

    mirror: str
    host: str
    host_field: str


class AssertUse(NamedTuple):
    """One use of an assert macro, `MACRO(left, right)`, for one spec field."""

    macro: str
    left: str  # the macro's arguments
    right: str
    field: Field
    check: OffsetsEqual  # what the use expands to


@dataclass(frozen=True)
class AssertBlock:
    """`#define MACRO(a, b) static_assert(offsetof(L, a) == offsetof(R, b))`, one use per field."""

    macro: str
    params: tuple[str, str]
    left: str  # struct tag compared on the left (first macro argument)
    right: str  # struct tag on the right
    pairs: tuple[tuple[str, str, Field], ...]  # (left field, right field, spec field)
    comment: Comment | None
    loc: Loc

    @property
    def body(self) -> OffsetsEqual:
        """The define's body: the comparison over the macro's parameters."""
        return OffsetsEqual(self.left, self.params[0], self.right, self.params[1])

    @property
    def uses(self) -> tuple[AssertUse, ...]:
        return tuple(
            AssertUse(self.macro, a, b, field, OffsetsEqual(self.left, a, self.right, b))
            for a, b, field in self.pairs
        )


@dataclass(frozen=True)
class SizeLimit:
    host_field: str
    comment: Comment | None
    loc: Loc
    mirror: str  # struct tags, the operands of `check`
    host: str

    @property
    def check(self) -> SizeWithin:
        return SizeWithin(self.mirror, self.host, self.host_field)


@dataclass(frozen=True)
class Mirror:
    struct: str
    define: bool
    comment: Comment | None
    fields: tuple[Field, ...]
    asserts: AssertBlock | None
    size_limit: SizeLimit | None
    loc: Loc


MemberKind = Literal["plain", "union", "embedded", "field"]


@dataclass(frozen=True)
class Member:
    """One member of the alias struct, in order.

    plain:    `type name;`, not mirrored;
    union:    `union { struct MIRROR name; <note> struct { fields }; };`;
    embedded: `struct MIRROR name;`;
    field:    one mirror field declared directly (pre-patch form).
    """

    kind: MemberKind
    name: str
    type: str  # plain members: their type; union/embedded: `struct MIRROR`
    note: Comment | None
    field: Field | None
    loc: Loc


@dataclass(frozen=True)
class Alias:
    struct: str
    members: tuple[Member, ...]
    asserts: AssertBlock | None
    loc: Loc

    @property
    def style(self) -> MemberKind:
        return carrier_style(self.members)


def carrier_style(members: tuple[Member, ...]) -> MemberKind:
    """How an alias carries the mirror: union, embedded, or field (inline)."""
    return next((m.kind for m in members if m.kind != "plain"), "plain")


@dataclass(frozen=True)
class Host:
    struct: str
    model: str | None


@dataclass(frozen=True)
class Target:
    file: str
    insert_mirror_before: str | None
    insert_asserts_after: str | None


@dataclass(frozen=True)
class Spec:
    path: str  # as displayed in messages
    name: str  # file stem, names the generated header
    target: Target
    host: Host
    mirror: Mirror
    alias: Alias | None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.mirror.fields if f.name == name), None)
