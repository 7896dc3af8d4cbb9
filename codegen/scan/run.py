"""One scan of a tree: its families, their owners, and the hazards of those with a layout."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codegen.family.model import Family
from codegen.family.treescan import ScanStats, scan_tree
from codegen.scan.owned import Owner, owners

TYPE_CHECKING = False
if TYPE_CHECKING:  # the hazards and their layouts load only when a scan computes them
    from codegen.scan.hazards import Hazard
    from codegen.scan.layouts import Placed

PAGE = "struct page"


@dataclass
class ScanResult:
    tree: Path
    families: list[Family]
    stats: ScanStats
    abis: list[str]  # the ABIs the hazards were computed on
    hazards: list[Hazard] = field(default_factory=list)
    owner: dict[int, Owner] = field(default_factory=dict)  # index into families -> its owner
    laid_out: set[int] = field(default_factory=set)  # families whose hazards were computed


def scan(tree: Path, arches: list[str], spec_args: list[str], jobs: int | None = None) -> ScanResult:
    found: list[Owner] = []
    # the owners (specs, their freshness by check --tree) are found while find lists the tree
    families, stats = scan_tree(tree, jobs, meanwhile=lambda: found.extend(owners(tree, spec_args)))
    result = ScanResult(tree, families, stats, [])
    for owner in found:
        for i, family in enumerate(families):
            if owner.owns(family):
                result.owner[i] = owner
    if arches:
        _hazards(result, arches)
        _acknowledge(result)
    return result


def _acknowledge(result: ScanResult) -> None:
    """A hazard on a field the owning family spec mirrors without an assert on purpose is not
    counted: it carries the spec's reason instead."""
    owned = {(result.families[i].name, result.families[i].mirror): o for i, o in result.owner.items()}
    for hazard in result.hazards:
        owner = owned.get((hazard.family, hazard.mirror))
        if owner is not None and hazard.field in owner.on_purpose:
            hazard.reason, hazard.by = owner.on_purpose[hazard.field], owner.spec


def laid_out_families(families: list[Family]) -> list[int]:
    """Families that mirror struct page, and those that mirror a page mirror in the same file
    (net_iov on netmem_desc): the ones whose words are a host's words."""
    page_mirrors = {(f.file, f.mirror) for f in families if f.host == PAGE}
    return [
        i for i, f in enumerate(families)
        if f.host == PAGE or (f.file, f.host) in page_mirrors
    ]  # fmt: skip


def _hazards(result: ScanResult, arches: list[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from codegen.kbuild.arches import ARCHES
    from codegen.kbuild.headers import prepared
    from codegen.scan.hazards import family_hazards, merge
    from codegen.scan.layouts import file_layouts
    from codegen.verify.abis import parse_abis
    from codegen.verify.treetypes import TreeBuild

    tree = result.tree.resolve()
    chosen = laid_out_families(result.families)
    by_file: dict[str, set[str]] = {}
    for i in chosen:
        family = result.families[i]
        by_file.setdefault(family.file, set()).update((family.host, family.mirror))
    claims: dict[str, set[str]] = {}
    for i in chosen:
        for pair in result.families[i].pairs:
            if result.families[i].host == PAGE:
                claims.setdefault(pair.host.field, set()).add(result.families[i].name)
    say: Callable[[str], None] = lambda line: print(f"scan: {line}", file=sys.stderr)  # noqa: E731
    found: list[Hazard] = []
    files = sorted(by_file)
    for name in arches:
        arch = ARCHES[name]
        build = TreeBuild(tree, prepared(tree, arch, say), arch.srcarch, parse_abis(arch.abi)[0])

        def lay_out(rel: str, build: TreeBuild = build) -> dict[str, Placed]:
            return file_layouts(build, rel, sorted(by_file[rel]))

        with ThreadPoolExecutor(max_workers=2) as pool:  # libclang releases the GIL while it parses
            layouts = dict(zip(files, pool.map(lay_out, files), strict=True))
        for i in chosen:
            family = result.families[i]
            placed: dict[str, Placed] = layouts.get(family.file, {})
            if family.host in placed and family.mirror in placed:
                result.laid_out.add(i)
                host, mirror = placed[family.host], placed[family.mirror]
                found += family_hazards(family, host, mirror, build.abi.name, claims)
        result.abis.append(build.abi.name)
    result.hazards = merge(found)
