"""One proposal for a family spec (version 2), graded against the kernel tree's current regions.

The baseline is what the tree holds now: the mirror struct's fields (read by
C syntax) and the assert block's uses, and the tree's struct laid out by
clang next to the spec's. The spec's struct and block go through the family
verify on every ABI (verify/familyrun.py) under its stated configuration.
The rules are the table in rules.py, in kernel terms: a field added (note),
removed or retyped (error), added without an assert (error), a host word
already mirrored by another field (warning), the struct past its size bound
or an existing field moved (error). verify's failures no rule explains are
kept as they are; a failing assert of a new use says where the field and the
word sit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from codegen.creader.anchors import scan
from codegen.creader.macroblock import define_page, find_block
from codegen.creader.structbody import find_struct
from codegen.propose.classify import Change, per_abi
from codegen.propose.rules import allow, counts, exit_code, finding
from codegen.propose.table import CELL, LayoutTable, Row, Table
from codegen.report import Finding
from codegen.spec.family_model import Bound, Conditional, FamilySpec
from codegen.spec.family_struct_model import Field
from codegen.spec.model import Loc
from codegen.verify.abis import Abi, alike, parse_pool
from codegen.verify.clangtu import StructLayout, compile_c
from codegen.verify.familyrun import AbiOutcome, FamilyRun, run_family, run_findings
from codegen.verify.familytu import CLANG_ARGS, family_tu, kernel_version, mirror_text

_Use = tuple[int, str, str]  # page, host word, mirror field


@dataclass(frozen=True)
class FamilyProposal:
    spec: FamilySpec
    label: str  # the baseline, as messages name it (the tree's file)
    changes: list[Change]
    findings: list[Finding]
    layout: LayoutTable
    asserts: int  # the asserts clang evaluated
    abis: int

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def counts(self) -> str:
        return counts(self.findings)


@dataclass(frozen=True)
class _Tree:
    fields: dict[str, tuple[str, ...]]  # name -> its declarations (type, array, width), one per #if branch
    uses: set[_Use]
    layouts: dict[str, StructLayout]  # ABI -> the tree's struct, as clang lays it out


def propose_family(spec: FamilySpec, tree: Path, shown_tree: str, abis: list[Abi],
                   allowed: set[str]) -> FamilyProposal:
    assert spec.struct is not None
    shown = f"{shown_tree.rstrip('/')}/{spec.file}"
    if spec.struct.file != spec.file:
        shown += f" and {spec.struct.file}"
    base = _tree(spec, tree, shown_tree, abis)
    run = run_family(spec, tree, abis, shown_tree)
    new = {r.abi.name: r.compiled.structs.get(spec.mirror) for r in run.results}
    grader = _Grader(spec, base, run, new, abis)
    findings = allow(grader.findings() + grader.unexplained(), allowed)
    evaluated = {s for r in run.results for s in r.active if s in run.sites}
    return FamilyProposal(spec, shown, grader.changes, findings, grader.table(), len(evaluated), len(abis))


def _tree(spec: FamilySpec, tree: Path, shown_tree: str, abis: list[Abi]) -> _Tree:
    """The baseline: the tree's struct fields, its uses, and its struct laid out on each ABI."""
    from codegen.resources import bundled_specs_dir
    from codegen.spec.hostload import load_host_struct

    assert spec.struct is not None
    struct_data = (tree / spec.struct.file).read_bytes()
    region = find_struct(scan(struct_data), spec.struct.name, False)
    fields: dict[str, tuple[str, ...]] = {}
    for body in region.lines if region else []:
        if body.kind == "field" and body.args[1]:
            kind, name, array, bits, _ = body.args
            fields[name] = (*fields.get(name, ()), _decl(kind, array, bits))
    block = find_block(scan((tree / spec.file).read_bytes()), spec.macro, spec.mirror)
    uses: set[_Use] = set()
    page = 0
    for line in block.lines if block else []:
        if line.kind == "define":
            page = define_page(line.text)
        elif line.kind == "use":
            uses.add((page, line.args[0], line.args[1]))
    hand_model = load_host_struct(bundled_specs_dir() / "hosts" / f"{spec.host}.yaml")
    model = hand_model.for_kernel(kernel_version(tree))
    if region is None:  # the tree lacks the struct: apply would insert it; nothing to move
        return _Tree(fields, uses, {})
    text = family_tu(model, mirror_text(replace(spec, struct=None), tree, shown_tree), "", "<tree>")
    with parse_pool(len(abis)) as pool:
        laid = list(pool.map(lambda abi: compile_c(text, abi.triple, [spec.mirror], {}, CLANG_ARGS), abis))
    layouts = {abi.name: c.structs[spec.mirror] for abi, c in zip(abis, laid, strict=True)
               if spec.mirror in c.structs}
    return _Tree(fields, uses, layouts)


def _decl(kind: str, array: str, bits: object) -> str:
    return " ".join(kind.split()) + (f"[{array}]" if array else "") + (f":{bits}" if bits else "")


def _at(loc: Loc) -> tuple[str, int, int]:
    return loc.path, loc.line, loc.col


class _Grader:
    def __init__(self, spec: FamilySpec, base: _Tree, run: FamilyRun,
                 new: dict[str, StructLayout | None], abis: list[Abi]) -> None:
        assert spec.struct is not None
        self.spec, self.base, self.run, self.new, self.abis = spec, base, run, new, abis
        self.struct = spec.struct
        self.fields: dict[str, Field] = {}
        self.decls: dict[str, tuple[str, ...]] = {}
        for f in self.struct.fields():
            if f.name:
                self.fields.setdefault(f.name, f)
                self.decls[f.name] = (*self.decls.get(f.name, ()), _decl(f.type, f.array, f.bits))
        self.uses: dict[_Use, Loc] = {(g.page, u.host, u.mirror): u.loc
                                      for g in spec.groups for u, _ in g.uses()}
        self.changes: list[Change] = []
        self.explained: dict[tuple[int, int], Finding] = {}  # verify findings a rule replaces, by spec line

    def placed(self, name: str) -> dict[str, str]:
        """ABI -> 'offset' of a field where clang laid it out (absent under the configuration)."""
        out: dict[str, str] = {}
        for abi, layout in self.new.items():
            member = layout.field(name) if layout else None
            out[abi] = str(member.offset) if member else "not compiled"
        return out

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        mirror = f"struct {self.struct.name}"
        for name, f in self.fields.items():
            decl = " or ".join(self.decls[name])
            words = [w for (page, w, m) in self.uses if m == name]
            if name not in self.base.fields:
                self.changes.append(Change("added", self.struct.name, name))
                over = ", ".join(_word(p, w) for (p, w, m) in self.uses if m == name)
                said = f", overlaying struct {self.spec.host}'s {over}" if over else ""
                out.append(finding("field-added", _at(f.loc), f"{name} ({decl}) is added to {mirror}{said}, "
                                   f"at offset {per_abi(self.placed(name))}"))
                if not words and f.unasserted:
                    out.append(finding("field-unasserted-on-purpose", _at(f.loc), f"{name} is added to "
                                       f"{mirror} with no {self.spec.macro} use, on purpose: "
                                       f"{f.unasserted}"))
                elif not words:
                    out.append(finding("field-unasserted", _at(f.loc), f"{name} is added to {mirror} with no "
                                       f"{self.spec.macro} use: nothing keeps it on a word of struct "
                                       f"{self.spec.host} (--host-field WORD adds one)"))
            elif sorted(self.base.fields[name]) != sorted(self.decls[name]):
                self.changes.append(Change("retyped", self.struct.name, name))
                was = " or ".join(self.base.fields[name])
                out.append(finding("field-retyped", _at(f.loc),
                                   f"{name} is {was} in the tree, {decl} in the spec"))
        for name, decls in self.base.fields.items():
            if name not in self.fields:
                self.changes.append(Change("removed", self.struct.name, name))
                out.append(finding("field-removed", _at(self.struct.loc),
                                   f"{name} ({' or '.join(decls)}) is removed from {mirror}"))
        out += self.dropped() + self.shared() + self.moved() + self.bounds()
        return out

    def dropped(self) -> list[Finding]:
        """A use the tree has and the spec no longer makes, for a field the spec keeps."""
        out = []
        for page, word, name in sorted(self.base.uses - set(self.uses)):
            if name in self.fields:
                self.changes.append(Change("host-changed", self.struct.name, name))
                out.append(finding("assert-removed", _at(self.fields[name].loc),
                                   f"{self.spec.macro}({word}, {name}) for page[{page}] is in the tree, "
                                   f"not in the spec: nothing keeps {name} on struct {self.spec.host}'s "
                                   f"{_word(page, word)} any more"))
        return out

    def shared(self) -> list[Finding]:
        """A new use on a host word another field of the struct already mirrors."""
        out = []
        for (page, word, name), loc in self.uses.items():
            if (page, word, name) in self.base.uses:
                continue
            others = sorted(m for (p, w, m) in self.uses if (p, w) == (page, word) and m != name)
            if others:
                out.append(finding("host-word-shared", _at(loc), f"{name} overlays struct {self.spec.host}'s "
                                   f"{_word(page, word)}, which {', '.join(others)} already mirror"
                                   f"{'s' if len(others) == 1 else ''}: code that uses "
                                   f"{' or '.join(others)} reads and writes {name}"))
        return out

    def moved(self) -> list[Finding]:
        out = []
        for name, f in self.fields.items():
            if name not in self.base.fields:
                continue
            was: dict[str, str] = {}
            for abi, old in self.base.layouts.items():
                layout = self.new.get(abi)
                a, b = old.field(name), layout.field(name) if layout else None
                if a is not None and b is not None and a.offset != b.offset:
                    was[abi] = f"{a.offset} -> {b.offset}"
            if was:
                self.changes.append(Change("moved", self.struct.name, name))
                out.append(finding("offsets-changed", _at(f.loc),
                                   f"{name} moves in struct {self.struct.name}: {per_abi(was)}; "
                                   f"the overlay on struct {self.spec.host} changes"))
        return out

    def bounds(self) -> list[Finding]:
        """A size bound the struct grows past on some ABI (the bound's own assert is then explained)."""
        out = []
        for bound in _bounds(self.spec):
            if bound.kind != "size" or bound.subject != f"struct {self.spec.mirror}":
                continue
            sizes: dict[str, str] = {}
            over: list[str] = []
            for r in self.run.results:
                layout = r.compiled.structs.get(self.spec.mirror)
                limit = self._limit(r, bound)
                if layout is None or limit is None:
                    continue
                verdict = "<=" if layout.size <= limit else ">"
                sizes[r.abi.name] = f"{layout.size} {verdict} {limit}"
                if verdict == ">":
                    over.append(r.abi.name)
            if over:
                fits = {a: v for a, v in sizes.items() if a not in over}
                tail = f"; it still fits on {per_abi(fits, '{abis} ({value})')}" if fits else ""
                said = f"sizeof({bound.subject}) > {_limit_text(self.spec, bound)}: " \
                       f"{per_abi({a: v for a, v in sizes.items() if a in over})}{tail}"  # fmt: skip
                f = finding("size-limit-exceeded", _at(bound.loc), said)
                out.append(f)
                self.explained[(bound.loc.line, bound.loc.col)] = f
        return out

    def _limit(self, result: AbiOutcome, bound: Bound) -> int | None:
        compiled = result.compiled
        if not bound.limit_field:
            if bound.limit == f"struct {self.spec.host}":
                return compiled.sizes.get(self.spec.host)
            return None
        return compiled.offsets.get(self.spec.host, {}).get(bound.limit)

    def unexplained(self) -> list[Finding]:
        """verify's findings, less a size bound a rule reports; a new use's failing assert says where
        the field and the word sit."""
        out = []
        for f in self._verify_findings():
            if (f.line, f.col) in self.explained and f.rule == "assert-failed":
                continue
            out.append(f)
        return out

    def _verify_findings(self) -> list[Finding]:
        """verify's findings; at a new use whose assert fails, where the field and the word sit."""
        new_uses = {u: loc for u, loc in self.uses.items() if u not in self.base.uses}
        mine: dict[tuple[int, int], Finding] = {}
        for line, site in self.run.sites.items():
            failed = [r for r in self.run.results if line in r.failed]
            use = (site.page, site.host or "", site.mirror or "")
            if not failed or not site.mirror or use not in new_uses:
                continue
            where = {}
            for r in failed:
                member = r.compiled.structs.get(self.spec.mirror)
                placed = member.field(site.mirror) if member else None
                offset = r.compiled.offsets.get(self.spec.host, {}).get(site.host or "")
                size = r.compiled.sizes.get(self.spec.host, 0)
                at = "?" if offset is None else str(offset + site.page * size)
                where[r.abi.name] = f"{'?' if placed is None else placed.offset} (the word at {at})"
            message = (f"{site.mirror} is not on struct {self.spec.host}'s "
                       f"{_word(site.page, site.host or '')}: it sits at {per_abi(where)}; {site.text} fails")
            mine[(site.loc.line, site.loc.col)] = Finding(site.loc.path, site.loc.line, site.loc.col,
                                                          "assert-failed", "error", message)
        out = []
        for f in run_findings(self.spec, self.run, self.abis):
            if f.rule == "assert-failed" and (f.line, f.col) in mine:
                out.append(mine.pop((f.line, f.col)))
            else:
                out.append(f)
        return out + list(mine.values())

    def table(self) -> LayoutTable:
        """The fields that changed and those on the same host words, per ABI group."""
        changed = {c.name for c in self.changes if c.kind != "removed"}
        words = {(p, w) for (p, w, m) in self.uses if m in changed}
        names = [n for n in self.fields if n in changed or any((p, w) in words for (p, w, m) in self.uses
                                                                if m == n)]
        if not changed:
            return LayoutTable((), (), ())
        marks = {c.name: "+" if c.kind == "added" else "~" for c in self.changes}
        per: dict[str, tuple[tuple[str, ...], ...]] = {}
        for r in self.run.results:
            layout = r.compiled.structs.get(self.spec.mirror)
            cells = []
            for n in names:
                member = layout.field(n) if layout else None
                cells.append(CELL.format(offset=member.offset, size=member.size) if member else "-")
            cells.append(f"{layout.size:>6}" if layout else "-")
            per[r.abi.name] = (tuple(cells),)
        groups = alike((cells, abi) for abi, cells in per.items())
        columns = [g[0] for g in groups.values()]
        rows = []
        for i, n in enumerate(names):
            over = ", ".join(_word(p, w) for (p, w, m) in self.uses if m == n) or "-"
            rows.append(Row(marks.get(n, " "), n, over, tuple(per[c][0][i] for c in columns)))
        totals = (Row(" ", "(sizeof)", "", tuple(per[c][0][-1] for c in columns)),)
        removed = tuple(c.name for c in self.changes if c.kind == "removed")
        return LayoutTable(tuple(columns), tuple(tuple(g) for g in groups.values()),
                           (Table(self.struct.name, tuple(rows), totals, removed),))


def _bounds(spec: FamilySpec) -> list[Bound]:
    out: list[Bound] = []
    for item in spec.bounds:
        if isinstance(item, Conditional):
            out += [b for branch in item.branches for b in branch.items if isinstance(b, Bound)]
        else:
            out.append(item)
    return out


def _limit_text(spec: FamilySpec, bound: Bound) -> str:
    return f"offsetof(struct {spec.host}, {bound.limit})" if bound.limit_field else f"sizeof({bound.limit})"


def _word(page: int, word: str) -> str:
    return f"page[{page}].{word}" if page else word

