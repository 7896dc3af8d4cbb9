"""Spec version 2, `kind: family`: the assert block of one page-mirror family, as plain data.

The templates (`family_asserts.h.j2`) read these objects. What the block says
is data (macro, params, operand order, page[N], conditions, bounds); how it
is laid out is data too (`Layout`, `Group.wrap`), because most of these blocks are
not clang-format-stable and must come out in the style the tree commits (a
stable one may be marked `clang_format: true`: clang-format then runs on it).
Trailing comments on uses are the kernel's prose: a `Use` records that one is
there, what separates it and, when the spec holds it, its text; without the
text it is taken from the tree. The mirror struct's definition, when the
spec owns it, is `FamilySpec.struct` (family_struct_model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from codegen.spec.family_anchor import After
from codegen.spec.model import Loc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from codegen.spec.family_struct_model import StructSpec

Escape = Literal["tab-column", "left", "single"]
Order = Literal["host-first", "mirror-first"]
Directive = Literal["ifdef", "ifndef", "if", "elif", "else"]
__all__ = ["After"]  # the anchor type lives apart, for the struct: section too


@dataclass(frozen=True)
class Layout:
    escape: Escape  # tab-padded to `column` / padded with spaces to line up (left) / one space
    column: int  # tab-column: the 1-based column of every backslash
    blank_after_define: bool


@dataclass(frozen=True)
class Indent:
    tabs: int
    spaces: int


@dataclass(frozen=True)
class Use:
    host: str
    mirror: str
    comment: Literal["tab", "space"] | None  # a trailing comment after this separator
    loc: Loc
    text: str | None = None  # its text (the kernel's prose); None: kept from the tree

    @property
    def separator(self) -> str:
        return {"tab": "\t", "space": " "}.get(self.comment or "", "")


@dataclass(frozen=True)
class Branch:
    directive: Directive
    expr: str  # "" for #else
    items: tuple[Use | Bound, ...]


@dataclass(frozen=True)
class Conditional:
    """`#if...` / `#elif` / `#else` / `#endif` around uses or bounds."""

    branches: tuple[Branch, ...]
    loc: Loc


@dataclass(frozen=True)
class Group:
    """One `#define` of the macro (with its uses); groups after the first `#undef` and redefine."""

    params: tuple[str, str]  # (host word, mirror field), as the uses pass them
    order: Order
    page: int  # the host word is in page[page]: `+ page * sizeof(struct host)`
    wrap: Indent | None  # break after `==`, the second operand indented so
    items: tuple[Use | Conditional, ...]
    loc: Loc

    def uses(self) -> list[tuple[Use, str | None]]:
        """Every use with the directive line it is under (None: unconditional)."""
        out: list[tuple[Use, str | None]] = []
        for item in self.items:
            if isinstance(item, Use):
                out.append((item, None))
            else:
                for branch in item.branches:
                    out += [(u, directive_text(branch)) for u in branch.items if isinstance(u, Use)]
        return out


@dataclass(frozen=True)
class Bound:
    """`sizeof(X) <= sizeof(Y)`, `sizeof(X) <= offsetof(struct H, f)`, or
    `IS_ALIGNED(offsetof(struct M, f), sizeof(T))`."""

    kind: Literal["size", "aligned"]
    subject: str  # size: a type as written; aligned: the mirror field
    limit: str  # size: a type, or a host field when `limit_field`; aligned: a type
    limit_field: bool
    loc: Loc


@dataclass(frozen=True)
class FamilySpec:
    path: str
    name: str
    file: str
    macro: str
    host: str
    mirror: str
    clang_format: bool  # the block passes through clang-format in the tree's style (a stable block)
    after: After | None
    layout: Layout
    groups: tuple[Group, ...]
    bounds: tuple[Bound | Conditional, ...]
    loc: Loc
    struct: StructSpec | None = None  # the mirror struct's definition, when the spec owns it


def directive_text(branch: Branch) -> str:
    return f"#{branch.directive} {branch.expr}".rstrip()
