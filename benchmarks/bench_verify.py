#!/usr/bin/env python3
"""`mirrorgen verify` (11 ABIs, libclang) vs one warm incremental kernel rebuild of one arch.

Issue 4 target: verify's whole-process wall time <= 0.1x the rebuild, i.e.
about 150 ms beyond start-up. Start-up is `mirrorgen --help` (the
interpreter, site packages and the CLI module). The rebuild is what a header
edit costs with `mirrorgen kbuild --arch x86_64`: the target header is
replaced by rename (new mtime, same text) in a hard-linked copy of the tree,
so make recompiles the objects that include it. Figures are medians of
N whole processes; peak memory is the child's own (os.wait4).

    python benchmarks/bench_verify.py [--tree KDIR] [-n N] [--against REV]

With --against REV, that revision of mirrorgen (extracted with git archive)
runs the same plain `verify`, interleaved with this checkout's, and the
ratio is printed: a change must not slow verify down.

"verify" is the usual run: the plan (the generated text and its spec lines)
comes from the memo and libclang compiles it for every ABI; "after a spec
change" makes the plan again (YAML, Jinja2, clang-format) in an empty cache.

The tree defaults to the cached sid tree (scripts/fetch-kernels). Its copy
and build directory live under the mirrorgen cache, so only the first run is
cold.
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

from benchmarks.timing import Command, interleaved, median_run  # noqa: E402
from codegen.memo import cache_root  # noqa: E402

HEADER = "include/net/netmem.h"
SPEC = "tests/specs/netmem-linux-7.2.yaml"


def bench_tree(tree: Path) -> Path:
    copy = cache_root() / "bench" / "tree"
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(tree), str(copy)], check=True)
    return copy


def renew_header(copy: Path) -> None:
    """The same text under a new inode and mtime: make must recompile what includes it."""
    path = copy / HEADER
    tmp = path.with_name(path.name + ".bench")
    shutil.copyfile(path, tmp)
    os.replace(tmp, path)


def against(rev: str, n: int) -> None:
    """This checkout's plain verify and REV's, interleaved, each with its own warm memo."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        verify = [sys.executable, "-m", "codegen", "verify", "specs/netmem.yaml"]
        commands: dict[str, Command] = {
            "this checkout": (verify, None),
            rev: (["env", f"PYTHONPATH={old}", *verify], None),
        }
        figures = interleaved(commands, old, env, 1)  # fills both memos
        figures = interleaved(commands, old, env, n)
    for name, (wall, rss) in figures.items():
        label = f"verify, 11 ABIs ({name})"
        print(f"{label:<39}{wall * 1000:7.0f} ms   peak RSS {rss // 1024} MiB")
    ratio = figures["this checkout"][0] / figures[rev][0]
    print(f"{'this checkout / ' + rev:<39}{ratio:7.2f}x   (target <= 1.0x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=cache_root() / "kernels" / "sid")
    parser.add_argument("-n", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="also time this git revision's verify")
    parser.add_argument("--no-kbuild", action="store_true", help="skip the kernel rebuild comparison")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.n)
    mirrorgen = [sys.executable, "-m", "codegen"]
    env = dict(os.environ)
    verify = [*mirrorgen, "verify", "specs/netmem.yaml"]

    start_up, _ = median_run([*mirrorgen, "--help"], ROOT, env, args.n)
    warm, warm_rss = median_run(verify, ROOT, env, args.n)
    with tempfile.TemporaryDirectory() as empty:  # no memo: the plan is made again each run
        cold, cold_rss = median_run(
            verify,
            ROOT,
            {**env, "MIRRORGEN_CACHE": empty},
            args.n,
            before=lambda: shutil.rmtree(Path(empty) / "memo", ignore_errors=True),
        )
    print(f"start-up (mirrorgen --help)            {start_up * 1000:7.0f} ms")
    print(f"verify, 11 ABIs, whole process         {warm * 1000:7.0f} ms   peak RSS {warm_rss // 1024} MiB")
    print(f"verify beyond start-up                 {(warm - start_up) * 1000:7.0f} ms   (target ~150 ms)")
    print(f"verify after a spec change (no memo)   {cold * 1000:7.0f} ms   peak RSS {cold_rss // 1024} MiB")

    if args.no_kbuild:
        return 0
    if not (args.tree / HEADER).is_file():
        print(f"no kernel tree at {args.tree}: run scripts/fetch-kernels for the rebuild comparison")
        return 0
    copy = bench_tree(args.tree.resolve())
    kbuild = [*mirrorgen, "kbuild", "--tree", str(copy), "--arch", "x86_64", SPEC]
    first, _ = median_run(kbuild, ROOT, env, 1)  # cold on the first run of this benchmark, else a no-op
    print(f"kbuild x86_64, first pass here         {first:7.1f} s")
    rebuild, _ = median_run(kbuild, ROOT, env, max(3, args.n // 2), before=lambda: renew_header(copy))
    print(f"kbuild x86_64 after a header edit      {rebuild:7.2f} s")
    print(f"verify / rebuild                       {warm / rebuild:7.3f}x   (target <= 0.1x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
