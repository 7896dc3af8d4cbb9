"""The generated constructs are what the kernel committed.

- R1 (the netmem_desc block) byte for byte against include/net/netmem.h of the
  newest Debian sid tree, fetched at test time;
- R2 and R3 (the union form of net_iov and its asserts) token for token against
  the seed patch's post-image (its email rendering lost the tabs), plus the
  formatting rules the kernel uses for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.pipeline import format_regions
from codegen.spec import load_spec
from codegen.spec.regions import ALIAS, ALIAS_ASSERTS, MIRROR
from tests.conftest import ROOT

# The seed patch's post-image regions, as committed generated output: its tokens were checked
# equal to the seed patch's when it was committed, and `mirrorgen check` keeps it the spec's
# output. Tests read nothing outside the checkout (the seed patch is not part of it).
SEED_OUTPUT = ROOT / "generated" / "netmem.h"


@pytest.fixture(scope="module")
def regions() -> dict[str, str]:
    return dict(format_regions(load_spec(ROOT / "specs" / "netmem.yaml")))


def committed_mirror_block(header: str) -> str:
    """From the comment above `struct netmem_desc {` through the size assert."""
    lines = header.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("struct netmem_desc {"))
    while not lines[start].startswith("/*"):
        start -= 1
    end = next(
        i for i, line in enumerate(lines) if line.startswith("static_assert(sizeof(struct netmem_desc)")
    )
    return "".join(lines[start : end + 1])


def test_mirror_block_is_byte_identical_to_the_kernel(tree_sid: Path, regions: dict[str, str]) -> None:
    header = (tree_sid / "include" / "net" / "netmem.h").read_text(encoding="utf-8")
    assert regions[MIRROR] == committed_mirror_block(header)


def test_mirror_block_is_identical_with_the_trees_own_style(tree_sid: Path) -> None:
    spec = load_spec(ROOT / "specs" / "netmem.yaml")
    header = (tree_sid / "include" / "net" / "netmem.h").read_text(encoding="utf-8")
    ours = dict(format_regions(spec, tree_sid / ".clang-format"))[MIRROR]
    assert ours == committed_mirror_block(header)


def _seed_post_image() -> str:
    return SEED_OUTPUT.read_text(encoding="utf-8")


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\S", text)


def _between(text: str, first: str, last: str) -> str:
    start = text.index(first)
    return text[start : text.index(last, start) + len(last)]


def test_mirror_block_matches_the_seed_tokens(regions: dict[str, str]) -> None:
    seed = _between(
        _seed_post_image(), "/* These fields in struct page", "offsetof(struct page, _refcount));"
    )
    assert tokens(regions[MIRROR]) == tokens(seed)


def test_net_iov_union_matches_the_seed_tokens(regions: dict[str, str]) -> None:
    seed = _between(_seed_post_image(), "struct net_iov {", "enum net_iov_type type;\n};")
    assert tokens(regions[ALIAS]) == tokens(seed)


def test_net_iov_asserts_match_the_seed_tokens(regions: dict[str, str]) -> None:
    seed = _between(_seed_post_image(), "/* net_iov is union'ed", "#undef NET_IOV_ASSERT_OFFSET")
    assert tokens(regions[ALIAS_ASSERTS]) == tokens(seed)


def test_union_formatting_rules(regions: dict[str, str]) -> None:
    lines = regions[ALIAS].splitlines()
    for line in lines[1:-1]:
        assert line == "" or re.match(r"^\t+(\S| \*)", line), repr(line)  # tabs, never spaces
    desc = lines.index("\t\tstruct netmem_desc desc;")
    assert lines[desc + 1] == ""  # a blank line separates desc from the XXX note
    assert lines[desc + 2].startswith("\t\t/* XXX:")
    note_end = lines.index("\t\t */")
    for line in lines[desc + 3 : note_end + 1]:
        assert line.startswith("\t\t * ") or line == "\t\t */"  # continuation lines pre-indented


def test_macro_backslashes_are_aligned_with_spaces(regions: dict[str, str]) -> None:
    for name in (MIRROR, ALIAS_ASSERTS):
        macro = [line for line in regions[name].splitlines() if line.endswith("\\")]
        assert len(macro) == 2
        widths = {len(line.expandtabs(8)) for line in macro}
        assert len(widths) == 1  # one column for every backslash
        body_widths = [len(line[:-1].rstrip().expandtabs(8)) for line in macro]
        assert widths.pop() == max(body_widths) + 2  # one space past the longest line
        assert all(line[:-1].endswith(" ") and "\t" not in line.lstrip("\t") for line in macro)


def test_size_assert_is_one_78_column_line(regions: dict[str, str]) -> None:
    line = next(x for x in regions[MIRROR].splitlines() if x.startswith("static_assert(sizeof"))
    assert len(line) == 78


def test_top_comment_quotes_with_spaces(regions: dict[str, str]) -> None:
    lines = regions[MIRROR].splitlines()
    assert " *        struct {" in lines and " *        };" in lines
    assert " *                unsigned long pp_magic;" in lines
