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
from codegen.propose.classify import Change
from codegen.propose.run import Proposal
from codegen.render import render
from codegen.report import Finding
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
    return tree_diffs(tree, spec_file)[0]


def tree_diffs(tree: Path, spec_file: SpecFile) -> list[TreeDiff]:
    """Each file the spec owns regions in (a family's struct may live apart from its asserts),
    planned as `apply` plans it and never written; exit 2 where `apply` would refuse."""
    from codegen.pipeline import plan_in_tree
    from codegen.place.tree_paths import tree_root

    target = plan_in_tree(tree_root(tree), tree.as_posix(), spec_file)
    out = []
    for one in (target, *target.also):
        plan = one.plan
        shown = f"{tree.as_posix().rstrip('/')}/{one.relative}"
        for name, why in plan.unplaceable:
            raise InputError(shown, 1, 1, f"cannot insert region {name}: {why}")
        for line, why in plan.lost:
            raise InputError(shown, line, 1, why)
        mode = "100755" if one.path.stat().st_mode & 0o111 else "100644"
        out.append(TreeDiff(one.relative, plan.header, plan.result(), mode))
    return sorted(out, key=lambda d: d.relative)


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
    return format_patch(
        who, Path(spec.target.file).stem, [c for c in proposal.classified.changes if c.kind != "moved"],
        spec.mirror.struct, proposal.layout.text(), proposal.findings, len(proposal.verified.results), [diff],
    )


@dataclass(frozen=True)
class _File:
    """One file of the patch, as the diffstat and the diff show it."""

    file: str
    insertions: int
    deletions: int
    bar: str
    index: str
    diff: str  # the hunks; the template writes the file header


def format_patch(who: Identity | None, prefix: str, changes: list[Change], mirror: str, layout: str,
                 findings: list[Finding], abis: int, diffs: list[TreeDiff]) -> str:
    """The patch in `git format-patch` form: subject, message, diffstat and each changed file's diff."""
    files = []
    for diff in diffs:
        insertions, deletions = diff.counts()
        if insertions or deletions:
            index = f"{_blob(diff.old)[:12]}..{_blob(diff.new)[:12]} {diff.mode}"
            files.append(_File(diff.relative, insertions, deletions, _bar(insertions, deletions), index,
                               diff.diff.split("\n", 2)[2]))
    return render(
        "propose/patch.j2",
        author=who,
        date=formatdate(localtime=True),
        prefix=prefix,
        changes=changes,
        mirror=mirror,
        layout=layout.rstrip("\n"),
        findings=[_wrap(f"{f.severity}: {f.message} [{f.rule}]", "  ") for f in findings],
        abis=abis,
        version=__version__,
        files=files,
        name_width=max(len(f.file) for f in files),
        count_width=max(len(str(f.insertions + f.deletions)) for f in files),
        insertions=sum(f.insertions for f in files),
        deletions=sum(f.deletions for f in files),
    )


def subject_prefix(relative: str) -> str:
    """The subsystem a kernel subject line names for a file: its first directory below include/,
    include/linux/ and drivers/ (mm/zpdesc.h: mm, drivers/iommu/iommu-pages.c: iommu), else the
    file's name up to its first '_' (include/linux/mm_types.h: mm)."""
    parts = Path(relative).parts
    for lead in (("include", "linux"), ("include",), ("drivers",)):
        if parts[: len(lead)] == lead:
            parts = parts[len(lead) :]
            break
    if len(parts) > 1:
        return parts[0]
    return Path(relative).stem.split("_")[0]


def _bar(insertions: int, deletions: int, width: int = 50) -> str:
    """The diffstat graph, scaled down like git's when it would be too long."""
    total = insertions + deletions
    if total > width:
        insertions = max(1, insertions * width // total) if insertions else 0
        deletions = max(1, deletions * width // total) if deletions else 0
    return "+" * insertions + "-" * deletions


def encode(text: str) -> bytes:
    return text.encode(*_ENCODING)
