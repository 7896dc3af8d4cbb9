"""kill -9 at random moments during `apply`: the header is always the old bytes or the new.

Each of RUNS runs (default 200; MIRRORGEN_KILL_RUNS overrides) starts a real
`mirrorgen apply` process on a 7.2 tree whose header lacks a member (and
carries a 6 MB tail, so the write takes long enough to be hit), kills it with
SIGKILL after a random delay, and checks the header is exactly the old or the
new bytes. A temp file a kill leaves behind is the only litter allowed, and
the next run removes it: after the last, completed run none is left. A few
runs use SIGTERM and SIGINT instead: those must clean up after themselves.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEADER = Path("include/net/netmem.h")
SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"
RUNS = int(os.environ.get("MIRRORGEN_KILL_RUNS", "200"))


def _temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".mirrorgen-" in p.name and p.name.endswith(".tmp"))


@pytest.mark.slow
def test_kill_9_leaves_old_or_new_and_no_litter(tree_sid: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_sid / ".clang-format", tree / ".clang-format")
    tail = b"/*" + b" padding line of a large header\n" * 200_000 + b"*/\n"
    old = (tree_sid / HEADER).read_bytes().replace(b"\tenum net_iov_type type;\n", b"") + tail
    header = tree / HEADER
    env = {**os.environ, "MIRRORGEN_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "codegen", "apply", "--tree", str(tree), str(SPEC_72)]

    header.write_bytes(old)
    start = time.perf_counter()
    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0
    full = time.perf_counter() - start
    new = header.read_bytes()
    assert new != old

    rng = random.Random(9)
    outcomes = {"old": 0, "new": 0}
    litter_seen = 0
    failures: list[str] = []
    for run in range(RUNS):
        if rng.random() < 0.8:
            header.write_bytes(old)
        sig = signal.SIGKILL if run % 10 else rng.choice((signal.SIGTERM, signal.SIGINT))
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.2))
        proc.send_signal(sig)
        proc.wait()
        now = header.read_bytes()
        if now not in (old, new):
            failures.append(f"run {run} ({sig.name}): the header is neither old nor new ({len(now)} bytes)")
        outcomes["old" if now == old else "new"] += 1
        left = _temps(header.parent)
        litter_seen += bool(left)
        own = f".netmem.h.mirrorgen-{proc.pid}.tmp"
        if sig != signal.SIGKILL and own in left:  # earlier SIGKILLs' litter may still be there
            failures.append(f"run {run}: {sig.name} left its own temp file {own}")
    litter = header.parent / ".netmem.h.mirrorgen-999999999.tmp"  # a killed run's, for certain
    litter.write_bytes(b"half")
    header.write_bytes(new)  # the next run has nothing to write, and still cleans up
    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0
    assert header.read_bytes() == new
    assert _temps(header.parent) == [], "the last complete run did not remove stale temp files"
    assert not failures, "\n".join(failures)
    print(f"{RUNS} runs: {outcomes}, litter after {litter_seen} kills, all removed")
    if RUNS >= 200:
        assert outcomes["old"] and outcomes["new"]  # kills landed before and after the rename


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_write_removes_the_temp_file(
    sig: signal.Signals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write itself, interrupted between temp file and rename: the temp file goes."""
    from codegen.cli import _on_sigterm
    from codegen.place import atomic

    target = tmp_path / "netmem.h"
    target.write_bytes(b"old\n")
    real_fsync = os.fsync

    def interrupted(fd: int) -> None:
        real_fsync(fd)
        os.kill(os.getpid(), sig)
        time.sleep(1)  # the handler raises here

    previous = _on_sigterm()
    monkeypatch.setattr(os, "fsync", interrupted)
    try:
        with pytest.raises(BaseException) as raised:
            atomic.write_if_changed(target, b"new\n")
    finally:
        for handler in previous:
            signal.signal(signal.SIGTERM, handler)
    assert type(raised.value).__name__ in ("Terminated", "KeyboardInterrupt")
    assert target.read_bytes() == b"old\n"
    assert _temps(tmp_path) == []
