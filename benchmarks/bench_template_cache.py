#!/usr/bin/env python3
"""What the sealed template cache saves: compiling mirrorgen's templates vs loading them.

mirrorgen keeps compiled templates in its cache, sealed (codegen/render.py):
an entry runs only when its sha256 matches. This prints the median time to get
every template from a fresh Environment, compiled, from Jinja2's plain
FileSystemBytecodeCache and from the sealed cache, interleaved, in one
process, so the seal's own cost shows too. `check`'s memo fast path renders
nothing and pays none of them.

    python benchmarks/bench_template_cache.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.render import _SealedBytecodeCache  # noqa: E402
from codegen.resources import templates_dir  # noqa: E402


def load_all(cache: jinja2.BytecodeCache | None) -> float:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), bytecode_cache=cache,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    start = time.perf_counter()
    for path in sorted(templates_dir().glob("*.j2")):
        env.get_template(path.name)
    return time.perf_counter() - start


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as plain, tempfile.TemporaryDirectory() as sealed:
        load_all(jinja2.FileSystemBytecodeCache(plain))  # fill both
        load_all(_SealedBytecodeCache(Path(sealed)))
        compiled, cached, checked = [], [], []
        for _ in range(n):
            compiled.append(load_all(None))
            cached.append(load_all(jinja2.FileSystemBytecodeCache(plain)))
            checked.append(load_all(_SealedBytecodeCache(Path(sealed))))
    count = len(list(templates_dir().glob("*.j2")))
    ms = {name: statistics.median(xs) * 1e3 for name, xs in
          (("compiled", compiled), ("plain", cached), ("sealed", checked))}
    print(f"{count} templates, median of {n}: compiled {ms['compiled']:.1f} ms, "
          f"plain bytecode cache {ms['plain']:.1f} ms, sealed cache {ms['sealed']:.1f} ms "
          f"(sealed saves {ms['compiled'] - ms['sealed']:.1f} ms, {ms['compiled'] / ms['sealed']:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
