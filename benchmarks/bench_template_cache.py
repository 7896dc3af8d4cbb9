#!/usr/bin/env python3
"""What dropping Jinja2's bytecode cache costs: compiling mirrorgen's templates vs loading them.

mirrorgen compiles its templates in memory on every run that renders (a cache
on disk would be code loaded from a writable directory). This prints the
median time to get every template from a fresh Environment, compiled and from
a warm FileSystemBytecodeCache, interleaved, in one process. `check`'s memo
fast path renders nothing and pays neither.

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
    with tempfile.TemporaryDirectory() as tmp:
        cache = jinja2.FileSystemBytecodeCache(tmp)
        load_all(cache)  # fill it
        compiled, cached = [], []
        for _ in range(n):
            compiled.append(load_all(None))
            cached.append(load_all(jinja2.FileSystemBytecodeCache(tmp)))
    count = len(list(templates_dir().glob("*.j2")))
    print(f"{count} templates, median of {n}: compiled {statistics.median(compiled) * 1e3:.1f} ms, "
          f"from a bytecode cache {statistics.median(cached) * 1e3:.1f} ms "
          f"(cost of no cache: {(statistics.median(compiled) - statistics.median(cached)) * 1e3:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
