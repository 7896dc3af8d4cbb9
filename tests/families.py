"""The page-mirror families of each fetched tree, shared by the family tests (names are facts)."""

from __future__ import annotations

from pathlib import Path

import pytest

FAMILIES = {
    "6.12": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "NET_IOV_ASSERT_OFFSET"],
    "sid": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "ZPDESC_MATCH", "IOPTDESC_MATCH",
            "NETMEM_DESC_ASSERT_OFFSET"],
}  # fmt: skip
CASES = [(tree, macro) for tree, macros in FAMILIES.items() for macro in macros]


def tree_of(request: pytest.FixtureRequest, name: str) -> Path:
    """The fetched tree by its short name ("6.12" or "sid"), through the session fixtures."""
    return Path(request.getfixturevalue("tree_612" if name == "6.12" else "tree_sid"))
