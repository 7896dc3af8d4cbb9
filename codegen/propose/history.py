"""The spec as it was at a git revision: `git show REV:path` in the spec's own repository.

A spec with no history (no repository, no commit yet, or not in REV) is
compared with an empty spec: every field is then new. A revision that does
not exist is bad input, not "no history".
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from codegen.errors import InputError, ToolError
from codegen.spec import Spec, parse_spec


@dataclass(frozen=True)
class Baseline:
    spec: Spec | None  # None: compare with an empty spec
    label: str  # how messages name it: "HEAD" or "HEAD (no history: empty)"
    why_empty: str | None = None


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise ToolError("git is not installed; propose compares the spec with its git history") from None


def baseline(spec_path: Path, name: str, rev: str, explicit: bool) -> Baseline:
    """The spec at `rev`. `explicit`: the user named the revision, so a missing repository is an error."""
    directory = spec_path.parent
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        if explicit:
            raise InputError("--against", 1, 1, f"{directory.as_posix()} is not in a git repository")
        return _empty(rev, "the spec is not in a git repository")
    root = Path(top.stdout.decode().strip())
    if rev.startswith("-"):
        raise InputError("--against", 1, 1, f"'{rev}' is not a revision")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        if rev == "HEAD" and _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
            return _empty(rev, "the repository has no commit yet")
        raise InputError("--against", 1, 1, f"unknown revision '{rev}' in {root.as_posix()}")
    relative = spec_path.resolve().relative_to(root.resolve()).as_posix()
    shown = _git(root, "show", f"{rev}:{relative}")
    if shown.returncode != 0:
        return _empty(rev, f"{relative} does not exist at {rev}")
    return Baseline(parse_spec(shown.stdout, f"{rev}:{relative}", name), rev)


def _empty(rev: str, why: str) -> Baseline:
    return Baseline(None, f"{rev} (no history: empty)", why)
