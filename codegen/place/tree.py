"""Put a spec's formatted regions into a kernel header, shared by `check --tree` and `apply`.

The header is handled as bytes: regions are located by C syntax
(place.regions) and only their byte ranges are replaced, so CRLF line
endings, a missing final newline, tabs or non-UTF-8 bytes elsewhere survive.
A region the header lacks is inserted where the spec says; a region the spec
no longer has is removed together with the blank line that separated it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from codegen.creader.anchors import scan
from codegen.errors import InputError
from codegen.place.names import refuse_header_macros
from codegen.place.ownership import foreign_text, keep_decorations
from codegen.place.regions import Insertion, insertion_point, label, locate, overlaps
from codegen.spec.model import Spec

Action = Literal["keep", "replace", "insert", "remove"]


@dataclass(frozen=True)
class Change:
    """What one region needs: bytes [start, end) of the old header become `new`."""

    region: str
    label: str  # how messages name it: 'R1 (struct netmem_desc)'
    action: Action
    start: int
    end: int
    line: int  # where it applies in the old header, 1-based
    new: bytes  # the region's text wanted, alone
    old: bytes  # the region's text found, alone
    splice: bytes  # what replaces [start, end): `new`, with a blank separator line when inserted


@dataclass
class Rewrite:
    header: bytes
    newline: bytes
    changes: list[Change] = field(default_factory=list)
    unplaceable: list[tuple[str, str]] = field(default_factory=list)  # (region label, why)
    overlaps: list[tuple[int, str]] = field(default_factory=list)  # (line, why): nothing can be spliced
    foreign: list[tuple[int, str]] = field(default_factory=list)  # (line, what): human text in a region
    lost: list[tuple[int, str]] = field(default_factory=list)  # (line, what): the tree's text, gone
    shown: str = ""  # the header as messages name it

    @property
    def in_step(self) -> bool:
        return not (self.edits or self.unplaceable or self.overlaps or self.foreign or self.lost)

    @property
    def edits(self) -> list[Change]:
        return [c for c in self.changes if c.action != "keep"]

    def result(self) -> bytes:
        """The rewritten header; exit 2 when no splice is safe (foreign text, overlapping regions)."""
        for line, why in self.foreign + self.overlaps:
            raise InputError(self.shown, line, 1, f"{why}; refusing to rewrite it")
        out = self.header
        for change in sorted(self.edits, key=lambda c: c.start, reverse=True):
            out = out[: change.start] + change.splice + out[change.end :]
        return out


def newline_of(header: bytes) -> bytes:
    """The header's own line ending (its first one), used for the text put in."""
    first = header.find(b"\n")
    return b"\r\n" if first > 0 and header[first - 1 : first] == b"\r" else b"\n"


def plan(header: bytes, spec: Spec, expected: list[tuple[str, str]], shown: str) -> Rewrite:
    """The changes that make `header` hold exactly the `expected` (region, text) pairs."""
    anchors = scan(header)
    spans = locate(anchors, spec, shown)
    refuse_header_macros(anchors, spec, [(s.start, s.end) for s in spans.values() if s is not None], shown)
    out = Rewrite(header, newline_of(header), overlaps=overlaps(spans, spec), shown=shown)
    if out.overlaps:
        return out
    wanted = {name: text.encode().replace(b"\n", out.newline) for name, text in expected}
    for region, span in spans.items():
        name = label(region, spec, span)
        if span is not None:
            found = foreign_text(anchors, span.pieces, span.start, span.end)
            if found is not None:
                line, what = found
                out.foreign.append((line, f"region {name} holds {what}, which the spec does not "
                                          "generate; move it out of the region or remove it"))
    if out.foreign:
        return out
    for region, span in spans.items():
        new = wanted.get(region)
        name = label(region, spec, span)
        if span is not None:
            struct = next((p for p in span.pieces if p.kind == "struct"), None)
            new = keep_decorations(new, struct) if new is not None else None
            old = header[span.start : span.end]
            if new is None:
                start, end = _with_separator(header, span.start, span.end)
                out.changes.append(Change(region, name, "remove", start, end, span.line, b"", old, b""))
            else:
                action: Action = "keep" if old == new else "replace"
                change = Change(region, name, action, span.start, span.end, span.line, new, old, new)
                out.changes.append(change)
        elif new is not None:
            where = insertion_point(anchors, spec, region, shown)
            if isinstance(where, Insertion):
                # A blank line separates an inserted region from the construct it is put next to.
                splice = new + out.newline if where.before else out.newline + new
                if where.before and _after_text(header, where.at):
                    splice = out.newline + splice  # and from the text above it: no stacked comments
                out.changes.append(
                    Change(region, name, "insert", where.at, where.at, where.line, new, b"", splice)
                )
            else:
                out.unplaceable.append((name, where))
    return out


def _with_separator(header: bytes, start: int, end: int) -> tuple[int, int]:
    """Widen a removed region by the blank line after it (else before it), its separator."""
    for blank in (b"\r\n", b"\n"):
        if header.startswith(blank, end):
            return start, end + len(blank)
    for blank in (b"\r\n", b"\n"):
        before = header[:start]
        if before.endswith(blank) and before[: -len(blank)].endswith(b"\n"):
            return start - len(blank), end
    return start, end


def _after_text(header: bytes, at: int) -> bool:
    """Is the line before offset `at` (a line start) a non-blank one?"""
    if at == 0:
        return False
    previous = header[header.rfind(b"\n", 0, at - 1) + 1 : at]
    return bool(previous.strip())
