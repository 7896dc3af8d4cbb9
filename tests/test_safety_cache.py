"""A poisoned or lost cache costs time, never an answer.

The cache ($MIRRORGEN_CACHE) is filled by real runs, including entries for a
second spec whose output differs (so a swapped entry would claim a stale
file fresh). Then, in each of at least 200 rounds, the cache is restored and
one or two of its files are corrupted (a bit flip, truncation, random bytes,
an empty file, two files swapped, another entry's content, a directory in
place of a file), and `check`, `check --tree`, `generate` and `apply` run:
their exit codes, stdout, stderr and written files must be byte-identical to
a run with an empty cache.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

HEADER = Path("include/net/netmem.h")
ROUNDS = 220


class Project:
    def __init__(self, work: Path, tree_sid: Path) -> None:
        self.work = work
        shutil.copytree(ROOT / "specs", work / "specs")
        self.spec = work / "specs" / "netmem.yaml"
        self.good = self.spec.read_bytes()
        self.other = self.good.replace(b"{name: pp_ref_count, type: atomic_long_t}",
                                       b"{name: pp_ref_count, type: atomic_t}")
        assert self.other != self.good
        self.spec72 = work / "s72.yaml"
        shutil.copy(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml", self.spec72)
        self.pristine = (tree_sid / HEADER).read_bytes()
        self.drifted = self.pristine.replace(b"\tenum net_iov_type type;\n", b"")
        assert self.drifted != self.pristine
        for name in ("fresh", "drift"):
            (work / name / HEADER).parent.mkdir(parents=True)
            shutil.copy(tree_sid / ".clang-format", work / name / ".clang-format")
        self.spec.write_bytes(self.other)
        assert main(["generate", "--out", "generated"]) == 0
        self.spec.write_bytes(self.good)
        assert main(["generate", "--out", "fresh-gen"]) == 0
        self.stale = (work / "generated" / "netmem.h").read_bytes()
        self.fresh = (work / "fresh-gen" / "netmem.h").read_bytes()
        self.reset()

    def reset(self) -> None:
        """The inputs every round starts from: generated/ holds the *other* spec's (stale) output."""
        self.spec.write_bytes(self.good)
        (self.work / "generated" / "netmem.h").write_bytes(self.stale)
        (self.work / "fresh-gen" / "netmem.h").write_bytes(self.fresh)
        (self.work / "fresh" / HEADER).write_bytes(self.pristine)
        (self.work / "drift" / HEADER).write_bytes(self.drifted)
        shutil.rmtree(self.work / "out", ignore_errors=True)

    def fill_cache(self) -> None:
        """Real runs that leave entries for both specs, fresh and stale answers."""
        for spec in (self.other, self.good):
            self.spec.write_bytes(spec)
            main(["generate", "--out", "generated"])
            main(["check", "--out", "generated"])
            main(["generate", "--out", "fresh-gen"])
            main(["check", "--out", "fresh-gen"])
            main(["check", "--tree", "fresh", str(self.spec72)])
            main(["check", "--tree", "drift", str(self.spec72)])
        self.spec.write_bytes(self.other)
        main(["generate", "--out", "generated"])  # generated/ is stale for the good spec
        main(["generate", "--out", "fresh-gen"])
        self.spec.write_bytes(self.good)
        main(["generate", "--out", "fresh-gen"])

    def outcome(self, capsys: pytest.CaptureFixture[str]) -> list[object]:
        """Every command's exit code, stdout and stderr, and what it wrote."""
        self.reset()
        seen: list[object] = []
        for argv in (["check", "--out", "generated"], ["check", "--out", "fresh-gen"],
                     ["check", "--tree", "fresh", str(self.spec72)],
                     ["check", "--tree", "drift", str(self.spec72)],
                     ["check", "--tree", "drift", str(self.spec72), "--format", "json"],
                     ["generate", "--out", "out"],
                     ["apply", "--tree", "drift", str(self.spec72)],
                     ["check", "--tree", "drift", str(self.spec72)]):
            capsys.readouterr()
            code = main(argv)
            captured = capsys.readouterr()
            seen.append((argv, code, captured.out, captured.err))
        seen.append((self.work / "out" / "netmem.h").read_bytes())
        seen.append((self.work / "drift" / HEADER).read_bytes())
        return seen


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _corrupt(rng: random.Random, files: list[Path]) -> str:
    target = rng.choice(files)
    data = target.read_bytes()
    kind = rng.choice(["flip", "truncate", "random", "empty", "swap", "copy", "directory", "append"])
    if kind == "flip" and data:
        at = rng.randrange(len(data))
        data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    elif kind == "truncate":
        data = data[: rng.randrange(len(data) + 1)]
    elif kind == "random":
        data = rng.randbytes(rng.randrange(1, 200))
    elif kind == "empty":
        data = b""
    elif kind == "swap":
        other = rng.choice(files)
        theirs = other.read_bytes()
        other.write_bytes(data)
        target.write_bytes(theirs)
        return f"swap {target.name} {other.name}"
    elif kind == "copy":
        data = rng.choice(files).read_bytes()
    elif kind == "directory":
        target.unlink()
        target.mkdir()
        return f"directory {target.name}"
    elif kind == "append":
        data += rng.randbytes(rng.randrange(1, 50))
    target.write_bytes(data)
    return f"{kind} {target.name}"


@pytest.mark.slow
def test_a_poisoned_cache_changes_no_answer(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cache = tmp_path / "cache"
    monkeypatch.setenv("MIRRORGEN_CACHE", str(cache))
    project = Project(work, tree_sid)
    shutil.rmtree(cache, ignore_errors=True)
    clean = project.outcome(capsys)  # with an empty cache
    shutil.rmtree(cache, ignore_errors=True)
    project.fill_cache()
    pristine = tmp_path / "pristine-cache"
    shutil.copytree(cache, pristine)
    files = _files(pristine)
    assert len(files) >= 4, [p.name for p in files]
    assert project.outcome(capsys) == clean  # a good cache agrees too

    rng = random.Random(9)
    failures: list[str] = []
    for round_ in range(ROUNDS):
        shutil.rmtree(cache)
        shutil.copytree(pristine, cache)
        done = [_corrupt(rng, _files(cache)) for _ in range(rng.choice((1, 1, 2)))]
        got = project.outcome(capsys)
        if got != clean:
            diff = next(i for i, (a, b) in enumerate(zip(got, clean, strict=True)) if a != b)
            failures.append(f"round {round_} ({', '.join(done)}): result {diff} differs: "
                            f"{str(got[diff])[:300]}")
    # Every entry's content under every other entry's name: an entry that says "fresh" for
    # other inputs must not make a stale file fresh.
    names = [p.relative_to(pristine) for p in files]
    for source in names:
        for target in names:
            if source == target:
                continue
            shutil.rmtree(cache)
            shutil.copytree(pristine, cache)
            shutil.copy(pristine / source, cache / target)
            if project.outcome(capsys) != clean:
                failures.append(f"{source.name} copied over {target.name}: an answer changed")
    assert not failures, f"{len(failures)} of {ROUNDS} rounds:\n" + "\n".join(failures[:20])


def test_an_unusable_cache_directory_changes_no_answer(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    project = Project(work, tree_sid)
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    clean = project.outcome(capsys)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be\n")
    monkeypatch.setenv("MIRRORGEN_CACHE", str(blocker))  # every read and write of it fails
    assert project.outcome(capsys) == clean
    assert os.path.isfile(blocker)
