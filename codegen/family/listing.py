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
from collections.abc import Iterable, Iterator
from pathlib import Path

_ENV = {**os.environ, "LC_ALL": "C"}  # bytes, not characters; times printed with a dot
_FIND_TESTS = ["(", "-name", "*.[ch]", "-type", "f", ")", "-printf", "%i %s %T@ %C@ %p\\0"]
_GREP = ["grep", "-lsF", "--null", "-D", "skip", "-e", "offsetof"]
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


def paths_and_sizes(listing: bytes) -> tuple[list[str], list[int]]:
    found = _PATH_AND_SIZE.findall(listing)
    return [os.fsdecode(p) for _, p in found], [int(s) for s, _ in found]


_PATH_AND_SIZE = re.compile(rb"\d+ (\d+) \S+ \S+ ([^\0]*)\0")


def grep_file_argvs(paths: list[str], sizes: list[int], jobs: int) -> list[list[str]]:
    """grep over these files, in runs of about equal bytes."""
    return [[*_GREP, "--", *chunk] for chunk in _by_bytes(paths, sizes, 4 * jobs)]


def grep_found(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p.endswith((b".c", b".h"))]


def rows(listing: bytes) -> list[bytes]:
    return listing.split(b"\0")[:-1]


def path_of(row: bytes) -> str:
    return os.fsdecode(row.split(b" ", 4)[4])


def size_of(row: bytes) -> int:
    return int(row.split(b" ", 2)[1])


def racy(rows: Iterable[bytes], stamp_ns: int) -> list[str]:
    """The paths of rows whose mtime or ctime is at `stamp_ns` or later."""
    limit = _as_find(stamp_ns)
    digits = len(limit.partition(b".")[0])
    out: list[str] = []
    for row in rows:
        _, _, mtime, ctime, path = row.split(b" ", 4)
        for stamp in (mtime, ctime):  # fixed ten fraction digits: equal lengths compare as numbers
            if (len(stamp.partition(b".")[0]), stamp) >= (digits, limit) and not stamp.startswith(b"-"):
                out.append(os.fsdecode(path))
                break
    return out


def run_all(tree: Path, argvs: list[list[str]], jobs: int) -> Iterator[tuple[int, int, bytes]]:
    """(index, exit code, stdout) of each command, run in `tree`, at most `jobs` at a time, in
    order of start, yielded as they finish. A command that cannot start has exit code -1."""
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
    """Big neighbours (drivers/gpu, drivers/net) land in different chunks; more chunks than
    workers, so the pool evens them out."""
    count = min(len(names), 4 * jobs) or 1
    return [c for c in (names[i::count] for i in range(count)) if c]


def _by_bytes(paths: list[str], sizes: list[int], count: int) -> list[list[str]]:
    share = max(1, sum(sizes) // max(count, 1))
    chunks: list[list[str]] = [[]]
    held = named = 0
    for path, size in zip(paths, sizes, strict=True):
        if chunks[-1] and (held >= share or named + len(path) + 1 > _ARGV_BYTES):
            chunks.append([])
            held = named = 0
        chunks[-1].append(path if not path.startswith("-") else f"./{path}")
        held += size
        named += len(path) + 1
    return [c for c in chunks if c]
