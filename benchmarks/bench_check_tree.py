#!/usr/bin/env python3
"""`mirrorgen check --tree` on the 7.2 (sid) tree vs plain `mirrorgen check` on generated/.

Issue 3 target: the tree check costs at most 1.5x the plain check (both warm:
the second run with unchanged inputs). Also shown: the tree check cold (its
memo empty, so YAML, Jinja2, clang-format and tree-sitter all run). Each
figure is the median wall time of N whole processes (python start-up
included) and the maximum peak RSS.

With --fetch, also times the cold fetch and extraction of both kernel trees:
scripts/fetch-kernels with an empty MIRRORGEN_CACHE in a temporary directory
(about a minute and 3.5 GB; the directory is removed afterwards).

    python benchmarks/bench_check_tree.py [N] [--fetch]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import median_run  # noqa: E402

SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"


def sid_tree() -> Path:
    from codegen.memo import cache_root

    link = cache_root() / "kernels" / "sid"
    if not (link / "include" / "net" / "netmem.h").is_file():
        subprocess.run([str(ROOT / "scripts" / "fetch-kernels"), "sid"], check=True)
    return link.resolve()


def time_fetch() -> None:
    with tempfile.TemporaryDirectory(prefix="mirrorgen-fetch-") as tmp:
        env = {**os.environ, "MIRRORGEN_CACHE": tmp}
        start = time.perf_counter()
        subprocess.run([str(ROOT / "scripts" / "fetch-kernels")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        du = subprocess.run(["du", "-sh", tmp], capture_output=True, text=True, check=True)
        size = du.stdout.split()[0]
    print(f"cold fetch + extract of 6.12 and sid: {wall:.1f} s, {size} on disk")


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--fetch"]
    n = int(args[0]) if args else 20
    mirrorgen = str(Path(sys.executable).parent / "mirrorgen")  # not a pyenv shim: ~100 ms less
    if not Path(mirrorgen).exists():
        raise SystemExit("needs mirrorgen (pip install -e '.[test]')")
    tree = sid_tree()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "MIRRORGEN_CACHE": str(work / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as in a user's shell: .pyc files are used
        shutil.copytree(ROOT / "specs", work / "specs")
        subprocess.run([mirrorgen, "generate"], cwd=work, env=env, check=True, capture_output=True)
        plain = [mirrorgen, "check"]
        in_tree = [mirrorgen, "check", "--tree", str(tree), str(SPEC_72)]
        subprocess.run(plain, cwd=work, env=env, check=True, capture_output=True)  # warms the memo
        subprocess.run(in_tree, cwd=work, env=env, check=True, capture_output=True)

        plain_wall, plain_peak = median_run(plain, work, env, n)
        tree_wall, tree_peak = median_run(in_tree, work, env, n)
        memo = work / "cache" / "memo"
        cold_wall, cold_peak = median_run(in_tree, work, env, n,
                                          before=lambda: shutil.rmtree(memo, ignore_errors=True))

    print(f"runs per figure: {n} (median wall time, max peak RSS); tree: {tree}")
    print(f"mirrorgen check (generated/)    {plain_wall * 1000:7.1f} ms  {plain_peak / 1024:5.1f} MiB")
    print(f"mirrorgen check --tree, warm    {tree_wall * 1000:7.1f} ms  {tree_peak / 1024:5.1f} MiB"
          f"  = {tree_wall / plain_wall:.2f}x plain check (target <= 1.5x)")
    print(f"mirrorgen check --tree, cold    {cold_wall * 1000:7.1f} ms  {cold_peak / 1024:5.1f} MiB"
          f"  = {cold_wall / plain_wall:.2f}x plain check")
    if "--fetch" in sys.argv[1:]:
        time_fetch()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
