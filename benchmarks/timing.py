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


def empty_dir(path: Path) -> None:
    """Remove what a cold run must not find (a cache), keeping the directory itself."""
    import shutil

    for entry in path.iterdir():
        shutil.rmtree(entry, ignore_errors=True)


def interleaved(
    commands: dict[str, Command],
    cwd: Path,
    env: dict[str, str],
    n: int,
    envs: dict[str, dict[str, str]] | None = None,
    ok: tuple[int, ...] = (0,),
) -> dict[str, tuple[float, int]]:
    """Median wall seconds and max peak RSS KiB per command, over n rounds that run every
    command once in order (a, b, c, a, b, c, ...), so a busy machine slows all alike.
    `envs` gives some commands their own environment; an exit code outside `ok` aborts."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(n):
        for name, (cmd, before) in commands.items():
            if before is not None:
                before()
            wall, peak, code = run(cmd, cwd, (envs or {}).get(name, env))
            if code not in ok:
                raise SystemExit(f"{' '.join(cmd)} exited {code}")
            walls[name].append(wall)
            peaks[name].append(peak)
    return {name: (statistics.median(walls[name]), max(peaks[name])) for name in commands}


class Sample:
    """One whole process: wall and CPU seconds (user + system, from its rusage) and peak RSS KiB."""

    __slots__ = ("cpu", "peak", "wall")

    def __init__(self, wall: float, cpu: float, peak: int) -> None:
        self.wall, self.cpu, self.peak = wall, cpu, peak


def sample(cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Sample:
    """Run once; CPU time and peak RSS are the child's own, from os.wait4 (so a grandchild, such
    as clang-format, counts only if the child waited for it: rusage includes reaped children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def interleaved_samples(commands: dict[str, Command], cwd: Path, env: dict[str, str],
                        n: int, envs: dict[str, dict[str, str]] | None = None,
                        ok: tuple[int, ...] = (0,)) -> dict[str, list[Sample]]:
    """n rounds that run every command once, in order, so a busy machine slows all alike.
    `envs` gives some commands their own environment; an exit code outside `ok` aborts."""
    out: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(n):
        for name, (cmd, before) in commands.items():
            if before is not None:
                before()
            out[name].append(sample(cmd, cwd, (envs or {}).get(name, env), ok))
    return out
