"""Every .c/.h file of a tree with its inode, size, mtime and ctime, and which of them say `offsetof`.

Both questions go to small C programs run on every core: GNU `find -printf`
stats each file (one `fstatat` each, nothing read), `grep -lF` reads files
and stops at a file's first `offsetof`. A listing is the bytes find printed,
chunk by chunk in a fixed order, so an unchanged tree gives the same bytes
and one comparison answers for all 64,000 files. Without GNU find the walk
is os.scandir here (the same records); a grep call that fails leaves its
files to be read here: slower, the same answer.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

_ENV = {**os.environ, "LC_ALL": "C"}  # bytes, not characters; times printed with a dot
_FIND_TESTS = ["(", "-name", "*.[ch]", "-type", "f", ")", "-printf", "%i %s %T@ %C@ %p\\0"]
_GREP_B = [b"grep", b"-lsF", b"--null", b"-D", b"skip"]
_ARGV_BYTES = 512 * 1024  # file names per grep call: well under ARG_MAX


def starts(tree: Path) -> list[str]:
    """find's start points: each entry of each top directory, and the top's other entries; sorted,
    so an unchanged tree gives the same chunks."""
    out: list[str] = []
    for top in sorted(os.scandir(tree), key=lambda e: e.name):
        names = [top.name]
        if top.is_dir(follow_symlinks=False):
            with contextlib.suppress(OSError):  # unreadable: find names it, and fails
                names = sorted(f"{top.name}/{e.name}" for e in os.scandir(top.path))
        out += [name if not name.startswith(("-", "(", "!")) else f"./{name}" for name in names]
    return out


def find_argvs(tree: Path, jobs: int) -> list[list[str]]:
    return [["find", *chunk, *_FIND_TESTS] for chunk in _round_robin(starts(tree), jobs)]


def paths_and_sizes(listing: bytes) -> tuple[list[bytes], list[int]]:
    found = _PATH_AND_SIZE.findall(listing)
    return [p for _, p in found], [int(s) for s, _ in found]


_PATH_AND_SIZE = re.compile(rb"\d+ (\d+) \S+ \S+ ([^\0]*)\0")


def grep_file_argvs(
    paths: list[bytes], sizes: list[int], jobs: int, words: tuple[bytes, ...] = (b"offsetof",)
) -> list[list[bytes]]:
    """grep for any of `words` over these files, in runs of about equal bytes."""
    wanted = [arg for word in words for arg in (b"-e", word)]
    return [[*_GREP_B, *wanted, b"--", *chunk] for chunk in _by_bytes(paths, sizes, 4 * jobs)]


def grep_found(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p.endswith((b".c", b".h"))]


def rows(listing: bytes) -> list[bytes]:
    return listing.split(b"\0")[:-1]


def path_of(row: bytes) -> str:
    return os.fsdecode(row.split(b" ", 4)[4])


def size_of(row: bytes) -> int:
    return int(row.split(b" ", 2)[1])


def racy(listing: bytes, stamp_ns: int) -> list[str]:
    """The paths of records whose mtime or ctime is at `stamp_ns` or later.

    A regular expression over the whole listing finds the records with a time in that second or
    later (numbers with a fraction: times, not sizes), since almost no file is racy; those are
    then compared in full."""
    limit = _as_find(stamp_ns)
    digits = len(limit.partition(b".")[0])
    out: set[str] = set()
    for hit in re.finditer(b" (?:%s)\\.[0-9]+ " % _at_least(stamp_ns // 1_000_000_000), listing):
        start = listing.rfind(b"\0", 0, hit.start()) + 1
        _, _, mtime, ctime, path = listing[start : listing.index(b"\0", hit.start())].split(b" ", 4)
        # ten fraction digits each: times with as many whole digits compare as numbers
        if any((len(t.partition(b".")[0]), t) >= (digits, limit) for t in (mtime, ctime)):
            out.add(os.fsdecode(path))
    return sorted(out)


def _at_least(number: int) -> bytes:
    """A regular expression for the decimal numbers (no sign, no leading zero) >= `number`."""
    digits = b"%d" % number
    size = len(digits)
    ways = [b"[1-9][0-9]{%d,}" % size, digits]
    for i in range(size):
        if digits[i] < ord("9"):
            higher = b"[%c-9]" % (digits[i] + 1)
            ways.append(digits[:i] + higher + b"[0-9]" * (size - i - 1))
    return b"|".join(ways)


def run_all(
    tree: Path,
    argvs: Sequence[Sequence[str | bytes]],
    jobs: int,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[tuple[int, int, bytes]]:
    """(index, exit code, stdout) of each command, run in `tree`, at most `jobs` at a time, in
    order of start, yielded as they finish. A command that cannot start has exit code -1.
    `meanwhile` runs here once the commands are started."""
    import subprocess

    done: queue.Queue[tuple[int, int, bytes]] = queue.Queue()
    todo = iter(range(len(argvs)))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                proc = subprocess.run(
                    argvs[i], cwd=tree, env=_ENV, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False,
                )  # fmt: skip
                done.put((i, proc.returncode, proc.stdout))
            except OSError:
                done.put((i, -1, b""))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(jobs, len(argvs)))]
    for thread in threads:
        thread.start()
    if meanwhile is not None:
        meanwhile()
    for _ in argvs:
        yield done.get()
    for thread in threads:
        thread.join()


def walk_listing(tree: Path) -> bytes:
    """The listing by os.scandir, for a system without GNU find: the records find prints (in
    another order, so the first find listing after it is compared row by row)."""
    out: list[bytes] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(tree / rel_dir), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.name.endswith((".c", ".h")) and entry.is_file(follow_symlinks=False):
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                times = b"%s %s" % (_as_find(st.st_mtime_ns), _as_find(st.st_ctime_ns))
                out.append(b"%d %d %s %s\0" % (st.st_ino, st.st_size, times, os.fsencode(rel)))
            elif entry.is_dir(follow_symlinks=False):
                stack.append(rel)
    return b"".join(out)


def _as_find(ns: int) -> bytes:
    """A time as GNU find's %T@ prints it: seconds, a dot, ten digits."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    return b"%d.%09d0" % (seconds, fraction)


def _round_robin(names: list[str], jobs: int) -> list[list[str]]:
    """Big neighbours (drivers/gpu, drivers/net) land in different chunks; four times as many
    chunks as workers, so the pool evens them out, also when other work takes a core."""
    count = min(len(names), 4 * jobs) or 1
    return [c for c in (names[i::count] for i in range(count)) if c]


def _by_bytes(paths: list[bytes], sizes: list[int], count: int) -> list[list[bytes]]:
    """Runs of `paths` with about equal bytes to read, each within the argv budget."""
    from bisect import bisect_left
    from itertools import accumulate, pairwise

    held = list(accumulate(sizes))
    named = list(accumulate(len(p) + 1 for p in paths))
    count = max(count, named[-1] // _ARGV_BYTES + 1) if paths else 0
    cuts = sorted({0, len(paths), *(bisect_left(held, held[-1] * k // count) for k in range(1, count))})
    out: list[list[bytes]] = []
    for lo, hi in pairwise(cuts):
        while lo < hi:  # split a run whose names outgrow the budget
            end = min(hi, bisect_left(named, (named[lo - 1] if lo else 0) + _ARGV_BYTES, lo, hi))
            end = max(end, lo + 1)
            out.append([p if not p.startswith(b"-") else b"./" + p for p in paths[lo:end]])  # not options
            lo = end
    return out
