#!/usr/bin/env python3
"""`mirrorgen verify --tree KDIR` cold (the tree's headers made for 3 ABIs) and warm (cached).

Issue 11 targets: cold at most 20 s for x86_64, i386 and arm64; warm at
most 0.5 s. Cold runs in an empty MIRRORGEN_CACHE, so each arch's
defconfig and `make prepare0` run (side by side); warm runs reuse the
build directories and the memoized tree layouts. Plain `verify` is timed
in the same rounds for scale.

    python benchmarks/bench_verify_tree.py [--tree KDIR] [-n N] [--cold N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import empty_dir, interleaved  # noqa: E402
from codegen.memo import cache_root  # noqa: E402

SPEC = "tests/specs/netmem-linux-7.2.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=cache_root() / "kernels" / "sid")
    parser.add_argument("-n", type=int, default=7)
    parser.add_argument("--cold", type=int, default=1, help="cold runs (each makes 3 build directories)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    mirrorgen = [sys.executable, "-m", "codegen", "verify"]
    tree = [*mirrorgen, "--tree", str(args.tree.resolve()), SPEC]
    with tempfile.TemporaryDirectory() as empty:
        cold = interleaved(
            {"cold": (tree, lambda: empty_dir(Path(empty)))},
            ROOT,
            {**env, "MIRRORGEN_CACHE": empty},
            args.cold,
        )["cold"]
        warm_env = {**env, "MIRRORGEN_CACHE": empty}
        interleaved({"fill": ([*mirrorgen, SPEC], None)}, ROOT, warm_env, 1)
        figures = interleaved(
            {"warm": (tree, None), "plain": ([*mirrorgen, SPEC], None)}, ROOT, warm_env, args.n
        )
    print(f"tree: {args.tree.resolve()}, spec {SPEC}")
    print(f"verify --tree, cold (3 ABIs' headers made)  {cold[0]:7.1f} s    (target <= 20 s)")
    print(f"verify --tree, warm                          {figures['warm'][0] * 1000:7.0f} ms   "
          f"peak RSS {figures['warm'][1] // 1024} MiB   (target <= 0.5 s)")  # fmt: skip
    print(f"verify (11 ABIs, hand model), same rounds    {figures['plain'][0] * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
