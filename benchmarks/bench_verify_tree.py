#!/usr/bin/env python3
"""`mirrorgen verify --tree KDIR` cold (the tree's headers made for 3 ABIs) and warm (cached).

Issue 11 targets: cold at most 20 s for x86_64, i386 and arm64; warm at
most 0.5 s. Cold runs in an empty MIRRORGEN_CACHE, so each arch is
configured (its defconfig file + options, syncconfig) and its generated
headers made (prepare0 without host programs), side by side; warm runs
reuse the build directories and the memoized tree layouts. After the cold
runs it prints where the last one's time went, per arch and make step, from
the build logs. Plain `verify` is timed
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
        breakdown = _steps(Path(empty))
        interleaved({"fill": ([*mirrorgen, SPEC], None)}, ROOT, warm_env, 1)
        figures = interleaved(
            {"warm": (tree, None), "plain": ([*mirrorgen, SPEC], None)}, ROOT, warm_env, args.n
        )
    print(f"tree: {args.tree.resolve()}, spec {SPEC}")
    print(f"verify --tree, cold (3 ABIs' headers made)  {cold[0]:7.1f} s    (target <= 20 s)")
    print(f"verify --tree, warm                          {figures['warm'][0] * 1000:7.0f} ms   "
          f"peak RSS {figures['warm'][1] // 1024} MiB   (target <= 0.5 s)")  # fmt: skip
    print(f"verify (11 ABIs, hand model), same rounds    {figures['plain'][0] * 1000:7.0f} ms")
    for arch, steps in breakdown.items():
        print(f"  last cold run, {arch:7} " + ", ".join(f"{name} {secs:.2f} s" for name, secs in steps))
    return 0


def _steps(cache: Path) -> dict[str, list[tuple[str, float]]]:
    """Per arch, each make step of the build log and its seconds (the log's `[N s, exit C]` lines)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for log in sorted(cache.glob("kbuild/*/*/mirrorgen.log")):
        steps: list[tuple[str, float]] = []
        name = "?"
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("$ "):
                name = line.split()[-1]
            elif line.startswith("[") and line.endswith("]") and " s, exit " in line:
                steps.append((name, float(line[1:].split()[0])))
        out[log.parent.name] = steps
    return out


if __name__ == "__main__":
    raise SystemExit(main())
