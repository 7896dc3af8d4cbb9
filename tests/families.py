"""The page-mirror families of each fetched tree, shared by the family tests (names are facts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.check.tree import check_tree
from codegen.family.importer import import_family
from codegen.report import Outcome
from codegen.specfiles import resolve

FAMILIES = {
    "6.12": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "NET_IOV_ASSERT_OFFSET"],
    "sid": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "ZPDESC_MATCH", "IOPTDESC_MATCH",
            "NETMEM_DESC_ASSERT_OFFSET"],
}  # fmt: skip
CASES = [(tree, macro) for tree, macros in FAMILIES.items() for macro in macros]


def tree_of(request: pytest.FixtureRequest, name: str) -> Path:
    """The fetched tree by its short name ("6.12" or "sid"), through the session fixtures."""
    return Path(request.getfixturevalue("tree_612" if name == "6.12" else "tree_sid"))


def cross_check(source: Path, macro: str, target: Path, work: Path) -> Outcome:
    """`check --tree target` (in process) of the spec `import` makes of `macro` in `source`."""
    spec = work / f"{macro.lower()}.yaml"
    spec.write_text(import_family(source, macro, spec.stem))
    return check_tree(target, resolve([str(spec)]))
