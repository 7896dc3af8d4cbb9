"""Compiled templates are cached on disk, and a cache entry is code: it must never run unless it
is byte for byte the entry written for this template source (render._SealedBytecodeCache).

Each case runs `mirrorgen generate` in a fresh process (in-process, Jinja2 would answer from the
templates it compiled in memory), with a cache filled by a real run and then damaged: the output
must be byte-identical to a run with an empty cache, and the damaged entry is replaced.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

Damage = Callable[[bytes, random.Random], bytes]


def _flip_in_payload(data: bytes, rng: random.Random) -> bytes:
    seal, _, payload = data.partition(b"\n")
    i = rng.randrange(len(payload))
    return seal + b"\n" + payload[:i] + bytes([payload[i] ^ (1 << rng.randrange(8))]) + payload[i + 1 :]


def _unimn(data: bytes, rng: random.Random) -> bytes:
    """The attack issue 9 reproduced: a template's literal text changed inside its bytecode."""
    return data.replace(b"union", b"unimn") if b"union" in data else _flip_in_payload(data, rng)


DAMAGE: dict[str, Damage] = {
    "payload-bit": _flip_in_payload,
    "seal-bit": lambda d, r: bytes([d[0] ^ 1]) + d[1:],
    "truncated": lambda d, r: d[: r.randrange(len(d))],
    "random-bytes": lambda d, r: r.randbytes(len(d)),
    "empty": lambda d, r: b"",
    "no-seal": lambda d, r: d.partition(b"\n")[2],
    "unimn": _unimn,
}


def _generate(work: Path, cache: Path) -> bytes:
    """A fresh generate's output (the same --out each time: the banner names it)."""
    out = work / "gen" / "netmem.h"
    out.unlink(missing_ok=True)
    env = {**os.environ, "MIRRORGEN_CACHE": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "codegen", "generate", "--out", "gen"],
                          cwd=work, env=env, capture_output=True, check=False)  # fmt: skip
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    work = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "specs", work / "specs", ignore=shutil.ignore_patterns("netmem-upstream.yaml"))
    clean = _generate(work, work / "empty-cache")
    cache = work / "cache"
    assert _generate(work, cache) == clean
    assert any((cache / "jinja").iterdir()), "the run compiled no template into the cache"
    return work, cache, clean


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_entry_is_a_miss(filled: tuple[Path, Path, bytes], tmp_path: Path, how: str) -> None:
    work, cache, clean = filled
    rng = random.Random(how)
    mine = tmp_path / "cache"
    shutil.copytree(cache, mine)
    entries = sorted((mine / "jinja").iterdir())
    for entry in entries:
        entry.write_bytes(DAMAGE[how](entry.read_bytes(), rng))
    assert _generate(work, mine) == clean
    # The miss was compiled again and stored afresh: the next run loads it and still agrees.
    assert [e.read_bytes() for e in entries] == [e.read_bytes() for e in sorted((cache / "jinja").iterdir())]
    assert _generate(work, mine) == clean


def test_swapped_entries_are_misses(filled: tuple[Path, Path, bytes], tmp_path: Path) -> None:
    """Each entry is sealed to its own template: another template's valid entry does not load."""
    work, cache, clean = filled
    mine = tmp_path / "cache"
    shutil.copytree(cache, mine)
    entries = sorted((mine / "jinja").iterdir())
    assert len(entries) >= 2
    contents = [e.read_bytes() for e in entries]
    for entry, content in zip(entries, contents[1:] + contents[:1], strict=True):
        entry.write_bytes(content)
    assert _generate(work, mine) == clean
