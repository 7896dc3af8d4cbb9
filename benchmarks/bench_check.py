#!/usr/bin/env python3
"""`mirrorgen check` vs `cog --check` on an equivalent generated block.

Issue 2 targets: warm (second run) <= 1.0x cog's wall time; cold (first run
after a spec change) <= 3x; peak memory of `check` <= 60 MiB.

cog's file holds a block whose generator emits the same constructs (struct,
asserts, union) from an inline field list, checked with its checksum (-c).
Each figure is the median of N interleaved runs of the whole process (python start-up
included), measured with os.wait4 for the child's peak RSS.

    python benchmarks/bench_check.py [N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import interleaved  # noqa: E402

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


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    # The real entry scripts, not pyenv's shims, which would add ~100 ms to both sides.
    mirrorgen = str(Path(sys.executable).parent / "mirrorgen")
    cog = str(Path(sys.executable).parent / "cog")
    if not (Path(mirrorgen).exists() and Path(cog).exists()):
        raise SystemExit("needs mirrorgen and cog (pip install -e '.[test]')")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "MIRRORGEN_CACHE": str(work / "cache")}
        # This sandbox sets PYTHONDONTWRITEBYTECODE; a user's shell does not, and
        # cog's site-packages install has its .pyc files already. Compare like with like.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        shutil.copytree(ROOT / "specs", work / "specs")
        subprocess.run([mirrorgen, "generate"], cwd=work, env=env, check=True, capture_output=True)
        cog_file = work / "cog_netmem.h"
        cog_file.write_text(COG_FILE)
        subprocess.run([cog, "-r", "-c", str(cog_file)], check=True, capture_output=True)

        spec = work / "specs" / "netmem.yaml"
        counter = iter(range(10**6))

        def touch_spec() -> None:
            # A spec change that leaves the output alone: the memo misses, the output stays fresh.
            spec.write_text(spec.read_text() + f"# edit {next(counter)}\n")

        # Rounds of cold (after a spec change), warm (the same inputs again), cog.
        figures = interleaved(
            {
                "cold": ([mirrorgen, "check"], touch_spec),
                "warm": ([mirrorgen, "check"], None),
                "cog": ([cog, "--check", "-c", str(cog_file)], None),
            },
            work, env, n,
        )
        (cold_wall, cold_peak), (warm_wall, warm_peak) = figures["cold"], figures["warm"]
        cog_wall, cog_peak = figures["cog"]

    print(f"{n} interleaved rounds (median wall time, max peak RSS)")
    print(f"cog --check -c        {cog_wall * 1000:7.1f} ms  {cog_peak / 1024:5.1f} MiB")
    print(
        f"mirrorgen check warm  {warm_wall * 1000:7.1f} ms  {warm_peak / 1024:5.1f} MiB"
        f"  = {warm_wall / cog_wall:.2f}x cog (target <= 1.0x)"
    )
    print(
        f"mirrorgen check cold  {cold_wall * 1000:7.1f} ms  {cold_peak / 1024:5.1f} MiB"
        f"  = {cold_wall / cog_wall:.2f}x cog (target <= 3x)"
    )
    print(f"peak memory of check: {max(warm_peak, cold_peak) / 1024:.1f} MiB (target <= 60 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
