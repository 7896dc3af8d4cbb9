#!/usr/bin/env python3
"""`mirrorgen scan --tree KDIR`, cold and repeated, against `grep -rn offsetof` over the same tree.

Issue 14 targets, as ratios measured in the same rounds: a cold scan at most
1.0x `grep -rn offsetof --include='*.[ch]' KDIR`, a repeated scan at most
0.2x. Cold runs in an empty MIRRORGEN_CACHE (every file walked, read,
prefiltered, the candidates parsed); repeated runs reuse the per-file cache.
Both list the families (`--layouts none`); `--hazards` also times a repeated
scan with the x86_64 hazards, its build directory and layouts already cached.
The OS page cache is warm for every side alike (grep runs in the same rounds).
Wall time is the target; CPU time (user + system, children included) is
printed too, since on a machine shared with other work the wall ratio of a
scan that uses both cores drifts toward the CPU ratio. The load average is
printed before and after.

    python benchmarks/bench_scan.py [--tree KDIR] [-n N] [--hazards]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import empty_dir, interleaved_samples  # noqa: E402
from codegen.memo import cache_root  # noqa: E402

GREP = "grep -rn offsetof --include='*.[ch]'"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=cache_root() / "kernels" / "sid")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--hazards", action="store_true", help="also time a repeated scan with hazards")
    args = parser.parse_args()
    tree = args.tree.resolve()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    scan = [sys.executable, "-m", "codegen", "scan", "--tree", str(tree), "--layouts", "none"]
    with tempfile.TemporaryDirectory() as cold_dir, tempfile.TemporaryDirectory() as warm_dir:
        cold, warm = Path(cold_dir), Path(warm_dir)
        warm_env = {**env, "MIRRORGEN_CACHE": str(warm)}
        subprocess.run(scan, env=warm_env, cwd=ROOT, check=True, capture_output=True)  # fills the cache
        commands = {
            GREP: (["grep", "-rn", "offsetof", "--include=*.[ch]", str(tree)], None),
            "scan, cold": (scan, lambda: empty_dir(cold)),
            "scan, repeated": (scan, None),
        }
        envs = {"scan, cold": {**env, "MIRRORGEN_CACHE": str(cold)}, "scan, repeated": warm_env}
        if args.hazards:
            hazards = [*scan[:-1], "x86_64"]
            subprocess.run(hazards, env=warm_env, cwd=ROOT, check=False, capture_output=True)
            commands["scan with x86_64 hazards, repeated"] = (hazards, None)
            envs["scan with x86_64 hazards, repeated"] = warm_env
        load = os.getloadavg()[0]
        results = interleaved_samples(commands, ROOT, env, args.n, envs, ok=(0, 1))  # 1: hazards
    walls = {name: statistics.median(s.wall for s in runs) for name, runs in results.items()}
    cpus = {name: statistics.median(s.cpu for s in runs) for name, runs in results.items()}
    print(f"{tree}, median of {args.n} interleaved rounds, {os.cpu_count()} cores, "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after:")
    for name, runs in results.items():
        wall, cpu, peak = walls[name], cpus[name], max(s.peak for s in runs)
        print(f"  {name:40} {wall:7.3f} s {wall / walls[GREP]:5.2f}x grep   "
              f"CPU {cpu:6.3f} s {cpu / cpus[GREP]:5.2f}x   peak RSS {peak / 1024:6.1f} MiB")
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
