#!/usr/bin/env python3
"""`mirrorgen propose` vs `mirrorgen verify` on the bundled spec with one added field.

Issue 5 target: propose (which runs verify on all 11 ABIs, lays out the spec
at HEAD too and classifies the change) takes under 2x the wall time of
verify alone. Both run as whole processes (python start-up included) in a
throwaway git repository holding the bundled spec; each figure is the median
of N runs after one warm-up run.

    python benchmarks/bench_propose.py [N]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = "specs/netmem.yaml"
ADD = ["--add", "unsigned int frag_cnt", "--host-field", "page_type", "--after", "pp_ref_count"]


def repository(into: Path) -> Path:
    repo = into / "repo"
    (repo / "specs").mkdir(parents=True)
    shutil.copy(ROOT / SPEC, repo / SPEC)
    shutil.copytree(ROOT / "specs" / "hosts", repo / "specs" / "hosts")
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "spec"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    return repo


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one whole run."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nothing can block the child
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "codegen", *args], cwd=cwd, env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"mirrorgen {' '.join(args)} failed ({code}): {err.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(commands: dict[str, list[str]], cwd: Path, env: dict[str, str], runs: int,
            before: dict[str, Callable[[], None]]) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time per command. Runs interleave (a, b, c, a, b, c, ...) so a busy
    machine slows every command alike; one warm-up round first (page cache, jinja bytecode)."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, args in commands.items():
            if name in before:
                before[name]()
            sample = timed(args, cwd, env)
            if round_:
                samples[name].append(sample)
    return {name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
            for name, got in samples.items()}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as tmp:
        repo = repository(Path(tmp))
        env = {**os.environ, "MIRRORGEN_CACHE": str(Path(tmp) / "cache"), "NO_COLOR": "1"}
        pristine = (repo / SPEC).read_bytes()
        subprocess.run([sys.executable, "-m", "codegen", "propose", SPEC, *ADD], cwd=repo, env=env,
                       capture_output=True, check=False)
        edited = (repo / SPEC).read_bytes()  # the spec with one field added, as --add writes it

        def spec(data: bytes) -> Callable[[], None]:
            def write() -> None:
                (repo / SPEC).write_bytes(data)

            return write

        commands = {"verify": ["verify", SPEC], "propose": ["propose", SPEC],
                    "propose --add": ["propose", SPEC, *ADD]}
        figures = measure(
            commands, repo, env, runs,
            before={"verify": spec(edited), "propose": spec(edited), "propose --add": spec(pristine)},
        )

    verify_wall, verify_cpu = figures["verify"]
    print(f"bundled spec + one field (frag_cnt), {runs} interleaved runs each, median; "
          "whole process, python start-up included")
    print(f"{'command':<16} {'wall ms':>8} {'x verify':>9} {'CPU ms':>8} {'x verify':>9}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:<16} {wall * 1000:>8.1f} {wall / verify_wall:>8.2f}x {cpu * 1000:>8.1f} "
              f"{cpu / verify_cpu:>8.2f}x")
    wall, cpu = figures["propose"]
    verdict = "ok" if wall < 2 * verify_wall else "NOT under 2x"
    print(f"target: propose < 2x verify (wall): {verdict}")
    if wall >= 2 * verify_wall:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
