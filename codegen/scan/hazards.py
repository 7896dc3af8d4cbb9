"""Hazards of a family whose structs have a layout: what the hand-kept asserts leave open.

- unasserted-word: a mirror field over a host word it must keep in step with,
  at an offset no assert of the family pins (nothing fails the build when
  the host word moves). A host union whose members include anonymous
  structs is a union of per-use layouts (struct page's lru/page_pool/tail/
  ZONE_DEVICE arms): its arms in which the family asserts nothing are the
  mirror's own storage (slab's freelist words, folio's tail-page fields),
  for that host of the array. Every other host word is bound: those outside
  such unions (flags, page_type/_mapcount, _refcount) and those in claimed arms;
- union-sibling: an asserted mirror field on a host word narrower than a
  pointer that shares its storage, through a union, with a host field
  another family asserts under that other name (ptdesc's __page_type on
  page_type, folio's _mapcount on _mapcount). The pointer-sized words of
  struct page are unions of per-use arms by design; a narrower union is read
  under both names by generic code, so a mirror's write changes the other.
  Also a mirror field that no assert names but that is a union sibling of
  one that is, at its offset (folio's share beside index, swap beside
  private): the offset holds, but what it stands for on the host is unchecked;
- size-mismatch: an asserted pair whose two fields differ in size;
- no-size-bound: a mirror of struct page with no `sizeof(mirror) <= ...` assert, so it can
  outgrow the page (an alias of another mirror may extend it by design).

Offsets are the mirror's own; past the host's size a field overlays the next
host in an array of them (folio's page[1..3]).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from codegen.family.model import Family
from codegen.report import Severity
from codegen.scan.layouts import Placed, PlacedField

RULES = {
    "unasserted-word": "a mirror field overlays a host word that no assert pins",
    "union-sibling": "a mirror field's host word shares storage with a union sibling another family asserts",
    "size-mismatch": "an asserted pair of fields of different sizes",
    "no-size-bound": "no assert bounds the mirror's size by its host's",
}
_SEVERITY: dict[str, Severity] = {
    "unasserted-word": "error",
    "union-sibling": "warning",
    "size-mismatch": "warning",
    "no-size-bound": "warning",
}


@dataclass
class Hazard:
    rule: str
    file: str
    line: int
    family: str
    mirror: str
    field: str  # the mirror field ("" for the whole struct)
    host_words: tuple[str, ...]  # the host fields concerned
    message: str
    abis: list[str] = dataclasses.field(default_factory=list)
    reason: str = ""  # the owning spec marks the field `unasserted` on purpose: its reason
    by: str = ""  # that spec, as displayed

    @property
    def acknowledged(self) -> bool:
        return bool(self.reason)

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self.rule]

    @property
    def key(self) -> str:
        """What a baseline remembers: no line numbers, so moving code keeps it known."""
        return f"{self.rule}|{self.family}|{self.mirror}|{self.field}|{','.join(self.host_words)}"

    def text(self) -> str:
        return f"{self.message} ({', '.join(self.abis)})" if self.abis else self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule, "severity": self.severity, "file": self.file, "line": self.line,
            "family": self.family, "mirror": self.mirror, "field": self.field,
            "host_words": list(self.host_words), "abis": self.abis, "message": self.message, "key": self.key,
            "acknowledged": {"spec": self.by, "reason": self.reason} if self.reason else None,
        }  # fmt: skip


def family_hazards(
    family: Family, host: Placed, mirror: Placed, abi: str, claims: dict[str, set[str]] | None = None
) -> list[Hazard]:
    """`claims`: host field -> the families that assert a mirror field on it (for union-sibling)."""
    out: list[Hazard] = []
    named = {f.name: f for f in mirror.fields}
    asserted = family.asserted()
    pinned = {named[name].offset for name in asserted if name in named}
    claimed = _claimed_arms(family, host)
    for placed in mirror.fields:
        if placed.type in (host.struct, mirror.struct) or placed.name in asserted:
            continue  # a whole host struct (folio's page), or asserted
        page, start = divmod(placed.offset, host.size)
        words = [w for w in host.overlapping(start, start + max(placed.size, 1))
                 if _bound(w, claimed.get(page, set()))]  # fmt: skip
        if not words:
            continue  # the mirror's own storage: arms of a host union its family asserts nothing in
        names = tuple(dict.fromkeys(w.name for w in words))
        where = f"{host.struct}[{page}]" if page else host.struct
        sibling = _asserted_sibling(placed, mirror, asserted)
        if sibling is not None:
            out.append(Hazard(
                "union-sibling", placed.file, placed.line, family.name, mirror.struct, placed.name, names,
                f"{mirror.struct}.{placed.name} shares storage with its union sibling {sibling.name}, "
                f"which {family.name} asserts, over {where}'s {', '.join(names)}; no assert names "
                f"{placed.name} itself",
            ))  # fmt: skip
        elif placed.offset not in pinned:
            out.append(Hazard(
                "unasserted-word", placed.file, placed.line, family.name, mirror.struct, placed.name, names,
                f"{mirror.struct}.{placed.name} (offset {placed.offset}, {placed.size} bytes) overlays "
                f"{where}'s {', '.join(names)}, and no {family.name} assert pins it",
            ))  # fmt: skip
    out += _siblings(family, host, named, claims or {})
    out += _size_mismatches(family, host, named)
    if not family.size_bounds and host.struct == "struct page":  # an alias may extend its host (net_iov)
        out.append(Hazard(
            "no-size-bound", family.file, family.line, family.name, mirror.struct, "", (host.struct,),
            f"no assert bounds sizeof({mirror.struct}) ({mirror.size} bytes) by {host.struct}",
        ))  # fmt: skip
    for hazard in out:
        hazard.abis.append(abi)
    return out


def _claimed_arms(family: Family, host: Placed) -> dict[int, set[str]]:
    """Per host of the array (page index), the arms of the host's unions of per-use layouts that
    hold a host field some assert of the family names."""
    host_named = {f.name: f for f in host.fields}
    out: dict[int, set[str]] = {}
    for pair in family.pairs:
        word = host_named.get(pair.host.field.split(".")[0].split("[")[0])
        if word is not None:
            out.setdefault(pair.host.page, set()).update(t for t in word.path if "*#" in t)
    return out


def _bound(word: PlacedField, claimed: set[str]) -> bool:
    """A host word the mirror must keep in step: outside every union of per-use layouts (a word
    each use shares, as flags, page_type/_mapcount or _refcount), or in arms the family claims."""
    return all(t in claimed for t in word.path if "*#" in t)


def _asserted_sibling(placed: PlacedField, mirror: Placed, asserted: set[str]) -> PlacedField | None:
    """An asserted field at the same offset that is another member of the union `placed` is a
    direct member of (folio's share beside index, pgmap beside lru)."""
    if not placed.path or placed.path[-1] == "s":
        return None  # not a union member itself (folio's __filler sits in a struct beside lru)
    outer, union = placed.path[:-1], placed.path[-1].split("#")[0]
    for other in mirror.fields:
        if other.name not in asserted or other.offset != placed.offset or len(other.path) <= len(outer):
            continue
        arm = other.path[len(outer)]
        if other.path[: len(outer)] == outer and arm.split("#")[0] == union and arm != placed.path[-1]:
            return other
    return None


def _siblings(
    family: Family, host: Placed, named: dict[str, PlacedField], claims: dict[str, set[str]]
) -> list[Hazard]:
    out: list[Hazard] = []
    host_named = {f.name: f for f in host.fields}
    pointer = max((f.size for f in host.fields if f.type.endswith("*")), default=8)  # the ABI's word
    seen: set[str] = set()
    for pair in family.pairs:
        mine, word = named.get(pair.mirror.field), host_named.get(pair.host.field)
        if mine is None or word is None or mine.name in seen or pair.host.page or word.size >= pointer:
            continue
        seen.add(mine.name)
        same = [w for w in host.overlapping(word.offset, word.offset + word.size)
                if w.offset == word.offset and w.size == word.size and w.name != word.name]  # fmt: skip
        others = sorted({w.name for w in same if claims.get(w.name, set()) - {family.name}})
        if not others:
            continue
        by = sorted({f for name in others for f in claims[name] - {family.name}})
        words = (word.name, *others)
        out.append(Hazard(
            "union-sibling", pair.file, pair.line, family.name, family.mirror, mine.name, words,
            f"{family.mirror}.{mine.name} is asserted on {host.struct}.{word.name}, which shares storage "
            f"with {', '.join(others)} through a union, asserted under that name by {', '.join(by)}",
        ))  # fmt: skip
    return out


def _size_mismatches(family: Family, host: Placed, named: dict[str, PlacedField]) -> list[Hazard]:
    out: list[Hazard] = []
    host_named = {f.name: f for f in host.fields}
    for pair in family.pairs:
        mine = named.get(pair.mirror.field)
        theirs = host_named.get(pair.host.field)
        if mine is None or theirs is None or mine.size == theirs.size:
            continue  # a name the preprocessor renames (rcu_head) or a member path: not compared
        out.append(Hazard(
            "size-mismatch", pair.file, pair.line, family.name, family.mirror, mine.name, (theirs.name,),
            f"{family.name}({pair.host.field}, {pair.mirror.field}) asserts the offset of "
            f"{family.mirror}.{mine.name} ({mine.size} bytes) against {host.struct}.{theirs.name} "
            f"({theirs.size} bytes): only offsets are asserted, never sizes",
        ))  # fmt: skip
    return out


def merge(found: list[Hazard]) -> list[Hazard]:
    """One hazard per key, with every ABI it was found on, in file and line order."""
    by_key: dict[str, Hazard] = {}
    for hazard in found:
        known = by_key.setdefault(hazard.key, hazard)
        if known is not hazard:
            known.abis += [a for a in hazard.abis if a not in known.abis]
    return sorted(by_key.values(), key=lambda h: (h.file, h.line, h.rule, h.field))
