#!/usr/bin/env python3
"""`mirrorgen kbuild` for three arches: from a cold cache, then a warm rerun with no change.

Issue 4 target: the warm rerun (x86_64, i386, arm64) under 5 s in total.
The cold run configures (defconfig + VETH + olddefconfig) and builds the
kernel's prepare stage and the two objects per arch; it is reported, not
targeted. The tree is a hard-linked copy of the cached sid tree and the
cache is a fresh temporary MIRRORGEN_CACHE, so the cold run is really cold.
Add --host-probe to include the host-model probe in both runs.

    python benchmarks/bench_kbuild.py [--tree KDIR] [--host-probe] [-n N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.memo import cache_root  # noqa: E402

SPEC = "tests/specs/netmem-linux-7.2.yaml"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr[-3000:]}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=cache_root() / "kernels" / "sid")
    parser.add_argument("--host-probe", action="store_true")
    parser.add_argument("-n", type=int, default=5, help="warm reruns (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mirrorgen-bench-kbuild-") as tmp:
        copy = Path(tmp) / "tree"
        subprocess.run(["cp", "-al", str(args.tree.resolve()), str(copy)], check=True)
        env = {**os.environ, "MIRRORGEN_CACHE": str(Path(tmp) / "cache")}
        cmd = [
            sys.executable,
            "-m",
            "codegen",
            "kbuild",
            "--tree",
            str(copy),
            "--arch",
            "x86_64,i386,arm64",
            SPEC,
        ]
        if args.host_probe:
            cmd.append("--host-probe")
        cold = timed(cmd, env)
        warm = [timed(cmd, env) for _ in range(args.n)]
    probe = " with the host-model probe" if args.host_probe else ""
    print(f"kbuild x86_64,i386,arm64{probe}, {os.cpu_count()} CPUs")
    print(f"cold cache             {cold:6.1f} s")
    print(
        f"warm rerun, no change  {statistics.median(warm):6.2f} s median of {args.n} "
        f"(min {min(warm):.2f}, max {max(warm):.2f}; target < 5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
