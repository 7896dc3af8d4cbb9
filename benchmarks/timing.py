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
