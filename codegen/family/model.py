"""The family model: an assert macro or an assert list that compares offsets of two structs.

Plain, typed, JSON-ready data. `host` is the struct whose words are copied
(the first operand of the first comparison, or `struct page` where it takes
part), `mirror` the struct that copies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FamilyKind = Literal["macro", "static_assert", "build_bug_on"]


@dataclass(frozen=True)
class Operand:
    """`offsetof(struct, field) [+ page * sizeof(struct)]`."""

    struct: str  # as written: "struct page", "union niu_page", "siginfo_t"
    field: str
    page: int = 0  # N in `+ N * sizeof(...)`: the field of the N-th struct in an array of them


@dataclass(frozen=True)
class Pair:
    """One assert: the host word and the mirror field it must sit on."""

    file: str  # relative to the tree
    line: int
    host: Operand
    mirror: Operand
    condition: str | None = None  # the #if / #ifdef it is under, if any


@dataclass(frozen=True)
class Define:
    """One `#define` of a family macro (FOLIO_MATCH has four in a row)."""

    file: str
    line: int
    params: tuple[str, ...]


@dataclass(frozen=True)
class SizeBound:
    """`sizeof(mirror) <= sizeof(host)` or `<= offsetof(host, field)`."""

    file: str
    line: int
    mirror: str
    bound: str  # the right-hand side, whitespace-normalized


@dataclass
class Family:
    kind: FamilyKind
    name: str  # the macro's name; for a plain list, "static_assert" or "BUILD_BUG_ON"
    host: str
    mirror: str
    defines: list[Define] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    size_bounds: list[SizeBound] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable across runs and line moves: what a baseline remembers."""
        where = self.defines[0].file if self.defines else (self.pairs[0].file if self.pairs else "")
        return f"{self.name}:{self.host}:{self.mirror}:{where}"

    @property
    def uses(self) -> int:
        return len(self.pairs)

    @property
    def files(self) -> list[str]:
        seen = [d.file for d in self.defines] + [p.file for p in self.pairs]
        return list(dict.fromkeys(seen))

    @property
    def file(self) -> str:
        return self.files[0]

    @property
    def line(self) -> int:
        return self.defines[0].line if self.defines else self.pairs[0].line

    def asserted(self) -> set[str]:
        """Mirror fields named by some assert (the first name of a dotted member)."""
        return {p.mirror.field.split(".")[0].split("[")[0] for p in self.pairs}

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "host": self.host,
            "mirror": self.mirror,
            "file": self.file,
            "line": self.line,
            "files": self.files,
            "uses": self.uses,
            "defines": [{"file": d.file, "line": d.line, "params": list(d.params)} for d in self.defines],
            "pairs": [
                {
                    "file": p.file,
                    "line": p.line,
                    "host": p.host.field,
                    "mirror": p.mirror.field,
                    "page": p.host.page,
                    "condition": p.condition,
                }
                for p in self.pairs
            ],
            "size_bounds": [
                {"file": b.file, "line": b.line, "mirror": b.mirror, "bound": b.bound}
                for b in self.size_bounds
            ],
        }
