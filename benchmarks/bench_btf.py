#!/usr/bin/env python3
"""`mirrorgen verify --btf` against start-up and plain `verify`, side by side in one run.

Issue 11 target: `verify --btf` at most 100 ms beyond interpreter start-up
(`mirrorgen --help`). The commands run interleaved (a, b, c, a, b, c, ...),
so a busy machine slows all alike; figures are medians of N whole processes.

    python benchmarks/bench_btf.py [--btf FILE] [-n N]

"warm" reads the BTF's record index from the memo; "cold index" scans the
whole type section once (an empty cache each run, plan included).
Defaults: the running kernel's /sys/kernel/btf/vmlinux, else Debian sid's
vmlinux (scripts/fetch-vmlinux).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import interleaved  # noqa: E402
from codegen.memo import cache_root  # noqa: E402


def main() -> int:
    running = Path("/sys/kernel/btf/vmlinux")
    default = running if running.is_file() else cache_root() / "kernels" / "vmlinux-sid"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--btf", type=Path, default=default)
    parser.add_argument("--spec", default=None, help="default: the spec that matches the kernel")
    parser.add_argument("-n", type=int, default=9)
    args = parser.parse_args()
    spec = args.spec or ("specs/netmem.yaml" if args.btf == running else "tests/specs/netmem-linux-7.2.yaml")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    mirrorgen = [sys.executable, "-m", "codegen"]
    btf = [*mirrorgen, "verify", "--btf", str(args.btf), spec]
    with tempfile.TemporaryDirectory() as empty:
        cold_env = {**env, "MIRRORGEN_CACHE": empty}
        for name, cmd in (("warm", btf), ("plain", [*mirrorgen, "verify", spec])):  # fill the memo
            interleaved({name: (cmd, None)}, ROOT, env, 1)
        figures = interleaved(
            {
                "start-up": ([*mirrorgen, "--help"], None),
                "verify --btf": (btf, None),
                "verify (11 ABIs)": ([*mirrorgen, "verify", spec], None),
            },
            ROOT,
            env,
            args.n,
        )
        cold = interleaved(
            {"cold": (btf, lambda: shutil.rmtree(Path(empty) / "memo", ignore_errors=True))},
            ROOT,
            cold_env,
            max(3, args.n // 3),
        )
    start = figures["start-up"][0]
    print(f"BTF: {args.btf} ({args.btf.stat().st_size / 1e6:.1f} MB), spec {spec}")
    print(f"start-up (mirrorgen --help)             {start * 1000:7.0f} ms")
    for name in ("verify --btf", "verify (11 ABIs)"):
        wall, rss = figures[name]
        print(f"{name + ', whole process':<40}{wall * 1000:7.0f} ms   peak RSS {rss // 1024} MiB")
    wall = figures["verify --btf"][0]
    print(f"verify --btf beyond start-up            {(wall - start) * 1000:7.0f} ms   (target <= 100 ms)")
    print(f"verify --btf, cold index and plan       {cold['cold'][0] * 1000:7.0f} ms")
    print(f"verify --btf / verify                   {wall / figures['verify (11 ABIs)'][0]:7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
