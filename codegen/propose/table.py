"""The per-ABI layout of the changed struct(s): one column per group of ABIs that lay them out
alike (11 ABIs usually make two columns), the new field marked `+`, a changed one `~`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from codegen.propose.classify import Classified
from codegen.propose.layouts import Layouts
from codegen.render import render
from codegen.spec.model import Spec
from codegen.verify.abis import alike
from codegen.verify.clangtu import StructLayout

CELL = "{offset:>6} {size:>4}"


@dataclass(frozen=True)
class Row:
    mark: str  # "+", "~" or " "
    name: str
    overlays: str
    cells: tuple[str, ...]  # one per ABI column


@dataclass(frozen=True)
class Table:
    struct: str
    rows: tuple[Row, ...]
    totals: tuple[Row, ...]  # fields end / sizeof against the limit
    removed: tuple[str, ...]


@dataclass(frozen=True)
class LayoutTable:
    columns: tuple[str, ...]  # the first ABI of each group
    groups: tuple[tuple[str, ...], ...]  # every ABI of each group
    tables: tuple[Table, ...]

    def text(self) -> str:
        return render("propose/layout.txt.j2", layout=self, widths=self.widths()) if self.tables else ""

    def widths(self) -> dict[str, int]:
        rows = [r for t in self.tables for r in (*t.rows, *t.totals)]
        cell = max([len(CELL.format(offset="", size="")), *(len(c) for r in rows for c in r.cells),
                    *(len(c) for c in self.columns)])
        return {
            "name": max([len("field"), *(len(r.name) for r in rows)]),
            "overlays": max([len("overlays"), *(len(r.overlays) for r in rows)]),
            "cell": cell,
        }

    def data(self) -> list[dict[str, object]]:
        return [{"struct": t.struct,
                 "abis": [list(g) for g in self.groups],
                 "rows": [{"mark": r.mark.strip(), "name": r.name, "overlays": r.overlays,
                           "cells": list(r.cells)} for r in (*t.rows, *t.totals)],
                 "removed": list(t.removed)} for t in self.tables]


def changed_structs(spec: Spec, classified: Classified) -> list[str]:
    """The structs a proposal changes: those with a change, and an alias that carries a changed mirror."""
    touched = {c.struct for c in classified.changes}
    out = [spec.mirror.struct] if spec.mirror.define and spec.mirror.struct in touched else []
    alias = spec.alias
    if alias and (alias.struct in touched or (spec.mirror.struct in touched and alias.style != "plain")):
        out.append(alias.struct)
    return out


def build(spec: Spec, layouts: Layouts, classified: Classified) -> LayoutTable:
    structs = changed_structs(spec, classified)
    per_abi = {abi: [_table(spec, structs_by_tag, tag, classified) for tag in structs]
               for abi, structs_by_tag in layouts.items()}
    groups = alike((tuple((r.name, r.cells) for t in tables for r in (*t.rows, *t.totals)), abi)
                   for abi, tables in per_abi.items())
    firsts = [names[0] for names in groups.values()]
    tables = []
    for i, tag in enumerate(structs):
        columns = [per_abi[first][i] for first in firsts]
        base = columns[0]
        rows = tuple(Row(r.mark, r.name, r.overlays, tuple(c.rows[j].cells[0] for c in columns))
                     for j, r in enumerate(base.rows))
        totals = tuple(Row(r.mark, r.name, r.overlays, tuple(c.totals[j].cells[0] for c in columns))
                       for j, r in enumerate(base.totals))
        tables.append(Table(tag, rows, totals, base.removed))
    return LayoutTable(tuple(firsts), tuple(tuple(n) for n in groups.values()), tuple(tables))


def _table(spec: Spec, structs: Mapping[str, StructLayout], tag: str, classified: Classified) -> Table:
    """One struct on one ABI: its rows with a single cell each."""
    layout = structs.get(tag)
    host = structs.get(spec.host.struct)
    if layout is None:
        return Table(tag, (), (), tuple(classified.removed(tag)))
    marks = classified.marks(tag)
    if tag == spec.mirror.struct:
        names = [(f.name, f.host) for f in spec.mirror.fields]
        mirror_marks = marks
    else:
        assert spec.alias is not None
        names = [(m.name, m.field.host if m.field else "-") for m in spec.alias.members]
        mirror_marks = {**classified.marks(spec.mirror.struct), **marks}
    rows = []
    for name, overlays in names:
        placed = layout.field(name)
        cell = CELL.format(offset=placed.offset, size=placed.size) if placed else "?"
        rows.append(Row(mirror_marks.get(name, " "), name, overlays, (cell,)))
    end = max((f.offset + f.size for f in layout.fields), default=0)
    totals = [Row(" ", "(fields end)", "", (f"{end:>6}",)), Row(" ", "(sizeof)", "", (f"{layout.size:>6}",))]
    limit = spec.mirror.size_limit
    bound = host.field(limit.host_field) if limit and host else None
    if tag == spec.mirror.struct and limit and bound is not None:
        verdict = "<=" if layout.size <= bound.offset else ">"
        flag = "" if verdict == "<=" else " !"
        totals.append(Row(" ", "(sizeof vs limit)", f"{spec.host.struct}.{limit.host_field}",
                          (f"{layout.size} {verdict} {bound.offset}{flag}",)))
    return Table(tag, tuple(rows), tuple(totals), tuple(classified.removed(tag)))
