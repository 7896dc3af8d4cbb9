"""The kernel patch: the tree's header with the spec's regions spliced in memory (tree mode's
plan), diffed against the file on disk, wrapped in `git format-patch` form."""

from __future__ import annotations

import hashlib
import re
import subprocess
import textwrap
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from codegen import __version__
from codegen.errors import InputError
from codegen.propose.run import Proposal
from codegen.render import render
from codegen.specfiles import SpecFile

WIDTH = 75  # checkpatch's limit for commit message lines
_ENCODING = ("utf-8", "surrogateescape")  # any header bytes survive the round trip


@dataclass(frozen=True)
class TreeDiff:
    relative: str  # include/net/netmem.h
    old: bytes
    new: bytes
    mode: str  # 100644

    @property
    def diff(self) -> str:
        from codegen.check.diff import unified

        return unified(self.old.decode(*_ENCODING), self.new.decode(*_ENCODING), self.relative)

    def counts(self) -> tuple[int, int]:
        lines = self.diff.splitlines()[2:]
        return (sum(1 for x in lines if x.startswith("+")), sum(1 for x in lines if x.startswith("-")))


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def tree_diff(tree: Path, spec_file: SpecFile) -> TreeDiff:
    from codegen.pipeline import plan_in_tree
    from codegen.place.tree_paths import tree_root

    target = plan_in_tree(tree_root(tree), tree.as_posix(), spec_file)
    for name, why in target.plan.unplaceable:
        raise InputError(f"{tree.as_posix().rstrip('/')}/{target.relative}", 1, 1,
                         f"cannot insert region {name}: {why}")
    mode = "100755" if target.path.stat().st_mode & 0o111 else "100644"
    return TreeDiff(target.relative, target.plan.header, target.plan.result(), mode)


def identity(tree: Path) -> Identity | None:
    """The identity `git commit -s` would sign with in the tree: user.name and user.email."""
    values = []
    for key in ("user.name", "user.email"):
        proc = subprocess.run(["git", "-C", str(tree), "config", key], capture_output=True, text=True,
                              check=False)
        values.append(proc.stdout.strip() if proc.returncode == 0 else "")
    return Identity(values[0], values[1]) if all(values) else None


def _blob(data: bytes) -> str:
    """git's object name for a file's bytes; the `index` line abbreviates it to 12 digits, as the
    kernel does (core.abbrev = 12), which `git am -3` resolves to the base blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# A comparison of two numbers ("28 <= 28", "8 -> 16") reads as one word: never broken across lines.
_COMPARISON = re.compile(r"\d+ (?:<=|>=|==|<|>|->) \d+")
_KEEP = "\x00"


def _wrap(text: str, indent: str = "") -> str:
    glued = _COMPARISON.sub(lambda m: m.group(0).replace(" ", _KEEP), text)
    return textwrap.fill(glued, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False).replace(_KEEP, " ")


def patch_text(proposal: Proposal, diff: TreeDiff, who: Identity | None) -> str:
    spec = proposal.spec
    insertions, deletions = diff.counts()
    changes = [c for c in proposal.classified.changes if c.kind != "moved"]
    return render(
        "propose/patch.j2",
        author=who,
        date=formatdate(localtime=True),
        prefix=Path(spec.target.file).stem,
        changes=changes,
        mirror=spec.mirror.struct,
        layout=proposal.layout.text().rstrip("\n"),
        findings=[_wrap(f"{f.severity}: {f.message} [{f.rule}]", "  ") for f in proposal.findings],
        abis=len(proposal.verified.results),
        version=__version__,
        file=diff.relative,
        insertions=insertions,
        deletions=deletions,
        bar=_bar(insertions, deletions),
        index=f"{_blob(diff.old)[:12]}..{_blob(diff.new)[:12]} {diff.mode}",
        diff=diff.diff.split("\n", 2)[2],  # the hunks; the template writes the file header
    )


def _bar(insertions: int, deletions: int, width: int = 50) -> str:
    """The diffstat graph, scaled down like git's when it would be too long."""
    total = insertions + deletions
    if total > width:
        insertions = max(1, insertions * width // total) if insertions else 0
        deletions = max(1, deletions * width // total) if deletions else 0
    return "+" * insertions + "-" * deletions


def encode(text: str) -> bytes:
    return text.encode(*_ENCODING)
