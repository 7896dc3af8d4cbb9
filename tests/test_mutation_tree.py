"""Every single-line mutation of the real 7.2 header, in and out of the owned regions.

On a copy of include/net/netmem.h from the sid tree, checked in-process with
tests/specs/netmem-linux-7.2.yaml (which the pristine header passes):

- inside R1 (the netmem_desc block) and R2 (struct net_iov), every line is
  deleted, swapped with each neighbour, has each identifier renamed and each
  type changed: `check --tree` must exit 1 with a finding that names the
  struct or macro the line belongs to;
- outside them, the same mutations must leave `check` at exit 0. Deleting or
  moving a line that opens or closes a comment or a brace is the exception: it
  changes which text is code (an unclosed comment swallows struct net_iov), so
  such a mutation may rightly be reported; it must still end in 0 or 1, never
  in an error or a crash.

The construct each line belongs to is read from the header here, with plain
text anchors, not with mirrorgen's own region finder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.check.tree import check_tree
from codegen.errors import InputError
from codegen.specfiles import resolve
from tests.conftest import ROOT

SPEC = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"
HEADER = Path("include/net/netmem.h")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A type in a declaration (`unsigned long pp_magic;`, `struct page_pool *pp;`) or in
# sizeof()/offsetof(); each is replaced by a different type.
TYPE = re.compile(
    r"(?:unsigned long|atomic_long_t|(?:struct|enum) [A-Za-z_]\w*)\b(?=\s*\**\s*[A-Za-z_]\w*\s*[;,)])"
    r"|(?<=sizeof\()struct [A-Za-z_]\w*\b|(?<=offsetof\()struct [A-Za-z_]\w*\b"
)
OTHER_TYPE = {"unsigned long": "unsigned int", "atomic_long_t": "atomic_t"}
STRUCTURAL = re.compile(r"/\*|\*/|[{}]")


@dataclass(frozen=True)
class Mutation:
    kind: str
    lines: tuple[int, ...]  # 0-based lines it touches
    text: str


@pytest.fixture(scope="module")
def original(tree_sid: Path) -> str:
    return (tree_sid / HEADER).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def owners(original: str) -> dict[int, set[str]]:
    """0-based line -> the constructs it belongs to, for every line of R1 and R2."""
    lines = original.splitlines()

    def at(prefix: str, start: int = 0) -> int:
        return next(i for i in range(start, len(lines)) if lines[i].startswith(prefix))

    struct = at("struct netmem_desc {")
    top = at("/* These fields")
    assert top < struct
    define = at("#define NETMEM_DESC_ASSERT_OFFSET(")
    undef = at("#undef NETMEM_DESC_ASSERT_OFFSET")
    size = at("static_assert(sizeof(struct netmem_desc)")
    size_comment = max(i for i in range(undef, size) if lines[i].startswith("/*"))
    alias = at("struct net_iov {")
    out: dict[int, set[str]] = {}
    for first, last, name in (
        (top, at("};", struct), "struct netmem_desc"),
        (define, undef, "NETMEM_DESC_ASSERT_OFFSET"),
        (size_comment, size, "struct netmem_desc"),
        (alias, at("};", alias), "struct net_iov"),
    ):
        for i in range(first, last + 1):
            out[i] = {name}
    for i in range(top, size):  # blank lines between constructs belong to both neighbours
        if i not in out:
            out[i] = out.get(i - 1, set()) | out.get(i + 1, set())
    return out


@pytest.fixture
def checker(tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Checker]:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_sid / ".clang-format", tree / ".clang-format")
    yield Checker(tree)


class Checker:
    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.specs = resolve([str(SPEC)])

    def __call__(self, text: str) -> tuple[int, list[str]]:
        (self.tree / HEADER).write_text(text, encoding="utf-8")
        try:
            outcome = check_tree(self.tree, self.specs)
        except InputError as exc:
            return 2, [str(exc)]
        return outcome.exit_code, [f.message for f in outcome.findings]


def mutations(lines: list[str], chosen: set[int]) -> Iterator[Mutation]:
    """Every single-line mutation of the chosen lines (swaps: with either neighbour)."""
    for i in sorted(chosen):
        yield Mutation("delete", (i,), "".join(lines[:i] + lines[i + 1 :]))
        for found in IDENT.finditer(lines[i]):
            edited = lines[i][: found.end()] + "_mut" + lines[i][found.end() :]
            yield Mutation(f"rename {found.group()}", (i,), "".join([*lines[:i], edited, *lines[i + 1 :]]))
        for found in TYPE.finditer(lines[i]):
            other = OTHER_TYPE.get(found.group(), "long")
            edited = lines[i][: found.start()] + other + lines[i][found.end() :]
            yield Mutation(f"type {found.group()} -> {other}", (i,),
                           "".join([*lines[:i], edited, *lines[i + 1 :]]))
    for i in range(len(lines) - 1):
        if (i in chosen or i + 1 in chosen) and lines[i] != lines[i + 1]:
            swapped = [*lines[:i], lines[i + 1], lines[i], *lines[i + 2 :]]
            yield Mutation("swap", (i, i + 1), "".join(swapped))


def names(found: str) -> re.Pattern[str]:
    return re.compile(re.escape(found) + r"(?![A-Za-z0-9_])")


def test_pristine_header_passes(checker: Checker, original: str) -> None:
    assert checker(original) == (0, [])


def test_every_mutation_inside_the_regions_is_caught(
    checker: Checker, original: str, owners: dict[int, set[str]]
) -> None:
    lines = original.splitlines(keepends=True)
    failures: list[str] = []
    count = 0
    covered: set[int] = set()
    for mutation in mutations(lines, set(owners)):
        count += 1
        covered.update(i for i in mutation.lines if i in owners)
        code, messages = checker(mutation.text)
        expected = set().union(*(owners.get(i, set()) for i in mutation.lines))
        named = any(names(n).search(m) for n in expected for m in messages)
        if code != 1 or not named:
            where = ", ".join(str(i + 1) for i in mutation.lines)
            failures.append(f"line {where} {mutation.kind}: exit {code}, wanted a finding naming "
                            f"{' or '.join(sorted(expected))}; got {messages[:3]}")
    assert covered == set(owners)  # every line of every owned region
    assert count > 250
    assert not failures, f"{len(failures)} of {count} mutations:\n" + "\n".join(failures)


@pytest.mark.slow
def test_mutations_outside_the_regions_pass(
    checker: Checker, original: str, owners: dict[int, set[str]]
) -> None:
    lines = original.splitlines(keepends=True)
    outside = set(range(len(lines))) - set(owners)
    failures: list[str] = []
    plain = structural = 0
    for mutation in mutations(lines, outside):
        if any(i in owners for i in mutation.lines):
            continue  # a swap with a region line is a mutation inside (tested above)
        moves_structure = mutation.kind in ("delete", "swap") and any(
            STRUCTURAL.search(lines[i]) for i in mutation.lines
        )
        code, messages = checker(mutation.text)
        where = ", ".join(str(i + 1) for i in mutation.lines)
        if moves_structure:
            structural += 1
            if code not in (0, 1) or (code == 1 and not any(
                names(n).search(m) for n in ("struct netmem_desc", "struct net_iov") for m in messages
            )):
                failures.append(f"line {where} {mutation.kind} (structural): exit {code}: {messages[:2]}")
        else:
            plain += 1
            if code != 0:
                failures.append(f"line {where} {mutation.kind}: exit {code}: {messages[:2]}")
    assert plain > 1000 and structural > 50
    assert not failures, f"{len(failures)} of {plain + structural} mutations:\n" + "\n".join(failures)
