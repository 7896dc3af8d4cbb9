"""Whole-process timing shared by the benchmarks: wall time and the child's peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit code) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def median_run(
    cmd: list[str], cwd: Path, env: dict[str, str], n: int, before: Callable[[], None] | None = None
) -> tuple[float, int]:
    """Median wall seconds and max peak RSS KiB over n runs; any failing run aborts."""
    walls, peaks = [], []
    for _ in range(n):
        if before is not None:
            before()
        wall, peak, code = run(cmd, cwd, env)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {code}")
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


Command = tuple[list[str], Callable[[], None] | None]  # argv, and what to do before each run


def interleaved(
    commands: dict[str, Command], cwd: Path, env: dict[str, str], n: int
) -> dict[str, tuple[float, int]]:
    """Median wall seconds and max peak RSS KiB per command, over n rounds that run every
    command once in order (a, b, c, a, b, c, ...), so a busy machine slows all alike."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(n):
        for name, (cmd, before) in commands.items():
            if before is not None:
                before()
            wall, peak, code = run(cmd, cwd, env)
            if code != 0:
                raise SystemExit(f"{' '.join(cmd)} exited {code}")
            walls[name].append(wall)
            peaks[name].append(peak)
    return {name: (statistics.median(walls[name]), max(peaks[name])) for name in commands}
