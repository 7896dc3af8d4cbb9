"""Families from the assert sites of many files: macro families, plain assert lists, one-off sites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codegen.family.model import Define, Family, Operand, Pair, SizeBound
from codegen.family.sites import Sites

HOST_FIRST = ("struct page",)  # where it takes part, struct page is the host


def _orient(a: Operand, b: Operand, host: str) -> tuple[Operand, Operand]:
    """(host operand, mirror operand), with the page index carried by the host side."""
    host_op, mirror_op = (a, b) if a.struct == host else (b, a)
    if mirror_op.page:
        host_op = Operand(host_op.struct, host_op.field, host_op.page - mirror_op.page)
        mirror_op = Operand(mirror_op.struct, mirror_op.field, 0)
    return host_op, mirror_op


def _host_of(first: tuple[str, str]) -> str:
    return next((s for s in first if s in HOST_FIRST), first[0])


def _op(raw: list[Any], args: Mapping[str, str] | None = None) -> Operand:
    field = args.get(raw[1], raw[1]) if args else raw[1]
    return Operand(raw[0], field, int(raw[2]))


def families(
    by_file: Mapping[str, Sites], users: Mapping[str, list[dict[str, Any]]] | None = None
) -> list[Family]:
    """Every family in these files (paths relative to the tree), in file and line order.

    `users`: for the macros of open_macros(by_file), path -> their uses in that file
    (uses_of); each counts where the file does not define the macro itself."""
    found: list[Family] = []
    bounds: list[SizeBound] = []
    for path in sorted(by_file):
        sites = by_file[path]
        found += _macro_families(path, sites)
        found += _direct_families(path, sites)
        bounds += [SizeBound(path, s["line"], s["mirror"], s["bound"]) for s in sites.get("sizes", [])]
    for family in found:
        family.size_bounds = [b for b in bounds if b.mirror == family.mirror and family.host in b.bound]
    opened = open_macros(by_file)
    for family in found:
        if family.kind != "macro" or opened.get(family.name) != family.defines[0].file:
            continue
        last = [m for m in by_file[family.defines[-1].file]["macros"] if m["name"] == family.name][-1]
        for path, uses in sorted((users or {}).items()):
            defines_own = any(m["name"] == family.name for m in by_file.get(path, {}).get("macros", []))
            if path == family.defines[0].file or defines_own:
                continue
            for use in uses:
                if use["name"] == family.name and len(use["args"]) == len(last["params"]):
                    _add_use(family, path, use, last)
    return found


def open_macros(by_file: Mapping[str, Sites]) -> dict[str, str]:
    """Family macros a header leaves defined (no #undef after its last #define): name -> the
    header. Every file that includes it may use them; a .c file's macros are its own. A name two
    headers leave defined is left out: which one a use means depends on its includes."""
    out: dict[str, str] = {}
    twice: set[str] = set()
    for path, sites in sorted(by_file.items()):
        if not path.endswith(".h"):
            continue
        last = {macro["name"]: macro["line"] for macro in sites.get("macros", [])}
        for name, line in last.items():
            if not any(u["name"] == name and u["line"] > line for u in sites.get("undefs", [])):
                if name in out:
                    twice.add(name)
                out[name] = path
    return {name: path for name, path in out.items() if name not in twice}


def _add_use(family: Family, path: str, use: dict[str, Any], macro: dict[str, Any]) -> None:
    args = dict(zip(macro["params"], use["args"], strict=True))
    for a, b in macro["cmps"]:
        host, mirror = _orient(_op(a, args), _op(b, args), family.host)
        family.pairs.append(Pair(path, use["line"], host, mirror, use.get("cond")))


def _macro_families(path: str, sites: Sites) -> list[Family]:
    out: dict[str, Family] = {}
    defines: dict[str, list[dict[str, Any]]] = {}
    for macro in sites.get("macros", []):
        defines.setdefault(macro["name"], []).append(macro)
        first = macro["cmps"][0]
        if macro["name"] not in out:
            out[macro["name"]] = Family(
                "macro", macro["name"], _host_of((first[0][0], first[1][0])), "", []
            )
        family = out[macro["name"]]
        family.defines.append(Define(path, macro["line"], tuple(macro["params"])))
    for family in out.values():
        first = defines[family.name][0]["cmps"][0]
        family.mirror = first[1][0] if first[0][0] == family.host else first[0][0]
    for use in sites.get("uses", []):
        used = out.get(use["name"])
        if used is None:
            continue
        before = [m for m in defines[use["name"]] if m["line"] < use["line"]]
        if not before or len(use["args"]) != len(before[-1]["params"]):
            continue
        macro = before[-1]
        args = dict(zip(macro["params"], use["args"], strict=True))
        for a, b in macro["cmps"]:
            host, mirror = _orient(_op(a, args), _op(b, args), used.host)
            used.pairs.append(Pair(path, use["line"], host, mirror, use.get("cond")))
    return [f for f in out.values() if f.pairs or f.defines]


def _direct_families(path: str, sites: Sites) -> list[Family]:
    out: dict[tuple[str, frozenset[str]], Family] = {}
    for site in sites.get("direct", []):
        a, b = _op(site["a"]), _op(site["b"])
        key = (site["kind"], frozenset((a.struct, b.struct)))
        if key not in out:
            name = "static_assert" if site["kind"] == "static_assert" else "BUILD_BUG_ON"
            host = _host_of((a.struct, b.struct))
            out[key] = Family(site["kind"], name, host, b.struct if a.struct == host else a.struct)
        family = out[key]
        host_op, mirror_op = _orient(a, b, family.host)
        family.pairs.append(Pair(path, site["line"], host_op, mirror_op, site.get("cond")))
    return list(out.values())
