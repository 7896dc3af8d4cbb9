#!/usr/bin/env python3
"""Family specs (version 2) against one netmem `check --tree`, as ratios in the same rounds.

Issue 13 targets: `check --tree` with every family spec of the 7.2 tree in one
process at most 1.5x a single netmem `check --tree`; importing every family
of a tree at most 10x it. The family specs are imported into a temporary
directory first (no kernel text is kept). Each side runs with its memo
cleared before every run ("cold") and again with it kept ("repeated").

    python benchmarks/bench_family.py [--tree KDIR] [-n N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.memo import cache_root  # noqa: E402

MACROS = ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "ZPDESC_MATCH", "IOPTDESC_MATCH",
          "NETMEM_DESC_ASSERT_OFFSET"]


def main() -> int:
    from benchmarks.timing import interleaved

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=cache_root() / "kernels" / "sid")
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    tree = str(args.tree.resolve())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    mg = [sys.executable, "-m", "codegen"]
    with tempfile.TemporaryDirectory() as specs_dir, tempfile.TemporaryDirectory() as cache_dir, \
            tempfile.TemporaryDirectory() as cold_dir:
        specs, cache, cold = Path(specs_dir), Path(cache_dir), Path(cold_dir)
        env["MIRRORGEN_CACHE"] = str(cache)
        for macro in MACROS:  # also fills scan's per-file cache, as a user's second import finds it
            out = specs / f"{macro.lower()}.yaml"
            subprocess.run([*mg, "import", "--tree", tree, "--macro", macro, "-o", str(out)],
                           env=env, cwd=ROOT, check=True, capture_output=True)
        netmem = [*mg, "check", "--tree", tree, str(ROOT / "specs" / "netmem-upstream.yaml")]
        families = [*mg, "check", "--tree", tree, *sorted(str(p) for p in specs.glob("*.yaml"))]
        imports = ["sh", "-c", " && ".join(
            f"{' '.join(mg)} import --tree {tree} --macro {m} > /dev/null" for m in MACROS)]
        import_all = [*mg, "import", "--tree", tree, "--all", "-o", str(specs / "all")]
        in_cold = ["env", f"MIRRORGEN_CACHE={cold}"]  # its own cache: the repeated runs keep theirs

        def forget() -> None:
            shutil.rmtree(cold / "memo", ignore_errors=True)

        commands = {
            "netmem check --tree, cold memo": ([*in_cold, *netmem], forget),
            "6 family specs check --tree, cold memo": ([*in_cold, *families], forget),
            "netmem check --tree, repeated": (netmem, None),
            "6 family specs check --tree, repeated": (families, None),
            "import all 6 families (6 processes)": (imports, None),
            "import --all (one process)": (import_all, None),
        }
        results = interleaved(commands, ROOT, env, args.n)
    print(f"{tree}, median of {args.n} interleaved rounds:")
    first = results["netmem check --tree, cold memo"][0]
    warm = results["netmem check --tree, repeated"][0]
    for name, (wall, peak) in results.items():
        base = warm if "repeated" in name else first
        print(f"  {name:42} {wall:7.3f} s  {wall / base:5.2f}x netmem  peak RSS {peak / 1024:6.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
