#!/usr/bin/env python3
"""`mirrorgen check` vs `cog --check -c` on an equivalent generated block, CPU time first.

Targets (issue 10): warm `check` (the same inputs again) at most 0.8x cog's CPU time;
peak memory at most cog's; cold `check` (after a spec change) at most 2.5x cog's CPU.

Both sides run as whole processes (python start-up included), interleaved round by
round, with **bytecode caching on** for both: PYTHONDONTWRITEBYTECODE is removed from
the environment (this sandbox sets it; a user's shell does not, and an installed cog
has its .pyc files), and one untimed run of each side writes the .pyc files first.
CPU time is user + system time of the child and of the children it reaped (clang-format
on a cold run), from os.wait4's rusage; peak memory is its maxrss. A bare
`python -c pass` is measured alongside, as the floor every Python tool pays.

cog's file holds a block whose generator emits the same constructs (struct, asserts,
union) from an inline field list, checked with its checksum (-c). The mirrorgen side is
a project holding only the bundled seed-form spec, the same one block.

    python benchmarks/bench_check.py [N]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import Sample, interleaved_samples  # noqa: E402

COG_FILE = """/* [[[cog
import cog
FIELDS = [("unsigned long", "_flags", "flags"), ("unsigned long", "pp_magic", "pp_magic"),
          ("struct page_pool *", "pp", "pp"), ("unsigned long", "_pp_mapping_pad", "_pp_mapping_pad"),
          ("unsigned long", "dma_addr", "dma_addr"), ("atomic_long_t", "pp_ref_count", "pp_ref_count")]
def decl(t, n):
    return f"{t}{n}" if t.endswith("*") else f"{t} {n}"
cog.outl("struct netmem_desc {")
for t, n, _ in FIELDS:
    cog.outl(f"\\t{decl(t, n)};")
cog.outl("};")
cog.outl("")
cog.outl("#define NETMEM_DESC_ASSERT_OFFSET(pg, desc)        \\\\")
cog.outl("\\tstatic_assert(offsetof(struct page, pg) == \\\\")
cog.outl("\\t\\t      offsetof(struct netmem_desc, desc))")
for _, n, h in FIELDS:
    cog.outl(f"NETMEM_DESC_ASSERT_OFFSET({h}, {n});")
cog.outl("#undef NETMEM_DESC_ASSERT_OFFSET")
cog.outl("")
cog.outl("struct net_iov {")
cog.outl("\\tunion {")
cog.outl("\\t\\tstruct netmem_desc desc;")
cog.outl("\\t\\tstruct {")
for t, n, _ in FIELDS:
    cog.outl(f"\\t\\t\\t{decl(t, n)};")
cog.outl("\\t\\t};")
cog.outl("\\t};")
cog.outl("\\tstruct net_iov_area *owner;")
cog.outl("\\tenum net_iov_type type;")
cog.outl("};")
cog.outl("")
cog.outl("#define NET_IOV_ASSERT_OFFSET(desc, iov)                    \\\\")
cog.outl("\\tstatic_assert(offsetof(struct netmem_desc, desc) == \\\\")
cog.outl("\\t\\t      offsetof(struct net_iov, iov))")
for _, n, _ in FIELDS:
    cog.outl(f"NET_IOV_ASSERT_OFFSET({n}, {n});")
cog.outl("#undef NET_IOV_ASSERT_OFFSET")
]]] */
/* [[[end]]] */
"""


def median(samples: list[Sample], what: str) -> float:
    return float(statistics.median(getattr(s, what) for s in samples))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    # The real entry scripts, not pyenv's shims, which would add ~100 ms to both sides.
    mirrorgen = str(Path(sys.executable).parent / "mirrorgen")
    cog = str(Path(sys.executable).parent / "cog")
    if not (Path(mirrorgen).exists() and Path(cog).exists()):
        raise SystemExit("needs mirrorgen and cog (pip install -e '.[test]')")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "MIRRORGEN_CACHE": str(work / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caching on, for both sides
        (work / "specs").mkdir()
        shutil.copy(ROOT / "specs" / "netmem.yaml", work / "specs" / "netmem.yaml")
        shutil.copytree(ROOT / "specs" / "hosts", work / "specs" / "hosts")
        subprocess.run([mirrorgen, "generate"], cwd=work, env=env, check=True, capture_output=True)
        cog_file = work / "cog_netmem.h"
        cog_file.write_text(COG_FILE)
        subprocess.run([cog, "-r", "-c", str(cog_file)], env=env, check=True, capture_output=True)
        # One untimed run of each side: .pyc files written, the memo filled.
        for cmd in ([mirrorgen, "check"], [cog, "--check", "-c", str(cog_file)]):
            subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)

        spec = work / "specs" / "netmem.yaml"
        counter = iter(range(10**6))

        def touch_spec() -> None:
            # A spec change that leaves the output alone: the memo misses, the output stays fresh.
            spec.write_text(spec.read_text() + f"# edit {next(counter)}\n")

        runs = interleaved_samples(
            {
                "cog": ([cog, "--check", "-c", str(cog_file)], None),
                "warm": ([mirrorgen, "check"], None),
                "cold": ([mirrorgen, "check"], touch_spec),
                "python": ([sys.executable, "-c", "pass"], None),
            },
            work, env, n,
        )

    cog_cpu, cog_peak = median(runs["cog"], "cpu"), max(s.peak for s in runs["cog"])
    print(f"{n} interleaved rounds, whole processes, bytecode caching on for both sides "
          "(PYTHONDONTWRITEBYTECODE unset); medians, peak = max RSS")
    print(f"{'':22}{'CPU ms':>8}{'wall ms':>9}{'peak MiB':>10}{'CPU x cog':>11}{'peak x cog':>12}")
    for name, label in (("cog", "cog --check -c"), ("warm", "mirrorgen check warm"),
                        ("cold", "mirrorgen check cold"), ("python", "python -c pass")):
        cpu, wall = median(runs[name], "cpu"), median(runs[name], "wall")
        peak = max(s.peak for s in runs[name])
        print(f"{label:22}{cpu * 1000:8.1f}{wall * 1000:9.1f}{peak / 1024:10.1f}"
              f"{cpu / cog_cpu:10.2f}x{peak / cog_peak:11.2f}x")
    warm = median(runs["warm"], "cpu") / cog_cpu
    cold = median(runs["cold"], "cpu") / cog_cpu
    peak_ratio = max(s.peak for s in runs["warm"] + runs["cold"]) / cog_peak
    print(f"warm CPU {warm:.2f}x cog (target <= 0.8x); cold CPU {cold:.2f}x cog (target <= 2.5x); "
          f"peak memory {peak_ratio:.2f}x cog's (target <= 1.0x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
