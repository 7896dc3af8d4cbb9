"""Spec version 2, the `struct:` section: the mirror struct's definition, as plain data.

A tree of members (fields, anonymous unions and structs to any depth,
conditionals, own-line comments, kernel-doc markers, blank lines), read by
`family_struct.h.j2`. Indentation is canonical (one tab per level) unless an
item says otherwise; markers sit where `StructLayout.marker_tabs` says.
Comment text is the kernel's prose: `None` means "kept from the tree" (the
spec holds no text, the tree does); a string is the text itself. Each field
also knows the host words the assert block maps onto it (`hosts`), derived
from the groups when the spec is built, so there is one place for that fact;
a field no use names may say why it needs none (`unasserted`), which scan
and propose then report as acknowledged. Neither changes the C text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from codegen.spec.family_anchor import After
from codegen.spec.model import Loc

Prose = str | None  # None: kept from the tree

# The members are NamedTuples, as immutable as frozen dataclasses and about a sixth of their
# class-creation cost, which every cold `check --tree` of a family spec pays.


class Trailing(NamedTuple):
    """A comment after a member or a directive on the same line."""

    sep: str  # the whitespace before it, as written
    text: Prose


class HostWord(NamedTuple):
    host: str  # the host struct's member
    page: int  # page[N]: the host word is in the N-th struct page


class Field(NamedTuple):
    type: str  # as written before the name (`void *`, `unsigned long`, `struct page`)
    name: str  # "" for an anonymous tagged member (`struct freelist_counters;`)
    array: str  # `[N]`, "" for none
    bits: int | None  # a bitfield's width
    trailing: Trailing | None
    indent: int | None  # tabs, where not the nesting depth
    loc: Loc
    hosts: tuple[HostWord, ...] = ()
    unasserted: str | None = None  # mirrors a host word on purpose without an assert: the author's reason

    @property
    def label(self) -> str:
        return self.name or self.type


class Comment(NamedTuple):
    """An own-line comment, or a kernel-doc marker (`/* private: */`, with text or not)."""

    text: Prose  # a comment: its text, delimiters included; a marker: the text after `kind:`
    marker: Literal["", "private", "public"]
    indent: int | None  # tabs, where not the nesting depth (markers: the layout's)
    loc: Loc


class Blank(NamedTuple):
    loc: Loc


class Aggregate(NamedTuple):
    kind: Literal["struct", "union"]
    members: tuple[Member, ...]
    loc: Loc


class Branch(NamedTuple):
    directive: Literal["ifdef", "ifndef", "if", "elif", "else"]
    expr: str
    trailing: Trailing | None
    members: tuple[Member, ...]


class Conditional(NamedTuple):
    branches: tuple[Branch, ...]
    endif: Trailing | None  # a comment after `#endif`
    loc: Loc


Member = Field | Comment | Blank | Aggregate | Conditional


class StructLayout(NamedTuple):
    marker_tabs: int  # where kernel-doc markers sit, whatever the depth
    bitfield: Literal["tight", "spaced"]  # `inuse:16` or `inuse : 16`


@dataclass(frozen=True)
class StructSpec:
    name: str
    file: str  # relative to the tree: the assert block's file unless the spec says another
    comment: Prose  # the comment above the struct, when `has_comment`
    has_comment: bool
    layout: StructLayout
    members: tuple[Member, ...]
    after: After | None  # where the struct goes when the file lacks it
    loc: Loc
    clang_format: bool = False  # passed through clang-format in the tree's style (a stable struct)
    fields_by_host: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                                   hash=False)

    def fields(self) -> list[Field]:
        return list(walk_fields(self.members))


def walk_fields(members: tuple[Member, ...]) -> list[Field]:
    out: list[Field] = []
    for m in members:
        if isinstance(m, Field):
            out.append(m)
        elif isinstance(m, Aggregate):
            out += walk_fields(m.members)
        elif isinstance(m, Conditional):
            for b in m.branches:
                out += walk_fields(b.members)
    return out
