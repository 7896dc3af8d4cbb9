"""Every family in a kernel tree: walk, prefilter, read on every core, cache per file.

A file is read only when its size or mtime changed since the last scan of
this tree; it is parsed only when the byte prefilter says it may compare two
`offsetof`. The cache is one index per tree under the mirrorgen cache (size,
mtime_ns and sites per file), checksummed as a whole and per entry: damage is
a miss, never a wrong answer. It is written atomically, and only when
something changed. Cold, the walk and the reads run on every core; warm, the
walk (mostly stats) runs here.
"""

from __future__ import annotations

import json
import marshal
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from codegen.family.discover import families
from codegen.family.model import Family
from codegen.family.sites import Sites, file_sites, may_compare

_FORMAT = "mirrorgen-scan-cache 2"
Entry = tuple[int, int, str, int]  # size, mtime_ns, "" (no site) or the JSON of its sites, crc32 of that
Missed = tuple[str, int, int, str]  # a file read this time: path, size, mtime_ns, sites
Part = tuple[int, list[Missed]]  # one unit's answer: files the cache answered, files read


@dataclass
class ScanStats:
    files: int = 0  # .c and .h files in the tree
    read: int = 0  # read this time (not answered by the cache)
    parsed: int = 0  # passed the prefilter and were parsed


def scan_tree(
    tree: Path, jobs: int | None = None, cache_file: Path | None = None
) -> tuple[list[Family], ScanStats]:
    """The families of every .c and .h file under `tree`, and what it cost."""
    global _CACHED
    stats = ScanStats()
    cache_path = cache_file if cache_file is not None else default_cache(tree)
    old = _load(cache_path)
    _CACHED = old  # forked workers inherit it: nothing to send
    units = [(str(tree), unit, False) for unit in _units(tree)]
    # Warm, the walk is stats: forking and copy-on-write of the index cost more than a second core
    # saves (measured: 0.80 s alone, 0.87 to 0.98 s on two cores, 7.2 tree).
    workers = jobs if not old else 1
    try:
        hits, missed = _gather(_map(_scan_unit, units, workers))
        if hits + sum(1 for m in missed if m[0] in old) != len(old):  # files went away: which?
            names = _gather(_map(_scan_unit, [(t, u, True) for t, u, _ in units], workers))[1]
            new = {rel: old[rel] for rel, *_ in names if rel in old}
        else:
            new = dict(old)
    finally:
        _CACHED = {}
    for rel, size, mtime, payload in missed:
        new[rel] = (size, mtime, payload, _crc(payload))
        stats.parsed += bool(payload)
    stats.read = len(missed)
    stats.files = len(new)
    if stats.read or len(new) != len(old):
        _store(cache_path, new)
    by_file: dict[str, Sites] = {rel: json.loads(e[2]) for rel, e in sorted(new.items()) if e[2]}
    return families(by_file), stats


_CACHED: dict[str, Entry] = {}
_BUFFER = bytearray(1 << 20)  # one read buffer per process: a fresh bytes object per file costs faults


def default_cache(tree: Path) -> Path:
    from codegen.cachefiles import cache_root

    where = tree.resolve()
    return cache_root() / "scan" / f"{where.name}-{zlib.crc32(str(where).encode()):08x}.idx"


def _units(tree: Path) -> list[str]:
    """Units of work for the pool: each directory two levels down (its whole subtree), and
    "" and "/TOP" for the files directly in the tree and in each top directory."""
    units = [""]
    for top in sorted(os.scandir(tree), key=lambda e: e.name):
        if top.is_dir(follow_symlinks=False):
            units.append(f"/{top.name}")
            subs = [e.name for e in os.scandir(top.path) if e.is_dir(follow_symlinks=False)]
            units += sorted(f"{top.name}/{name}" for name in subs)
    return units


def _scan_unit(job: tuple[str, str, bool]) -> Part:
    """One unit of _units: how many files the cache answers, and the others read.
    With `names`, only the paths (as misses with nothing read): to find deleted files."""
    tree, unit, names = job
    hits = 0
    missed: list[Missed] = []
    for rel, size, mtime in _walk(tree, unit.lstrip("/"), shallow=unit == "" or unit.startswith("/")):
        hit = _CACHED.get(rel)
        if names:
            missed.append((rel, size, mtime, ""))
        elif hit is not None and hit[0] == size and hit[1] == mtime:
            hits += 1
        else:
            missed.append((rel, size, mtime, read_sites(os.path.join(tree, rel), size)))
    return hits, missed


def _gather(parts: Iterator[Part]) -> tuple[int, list[Missed]]:
    hits = 0
    missed: list[Missed] = []
    for count, more in parts:
        hits += count
        missed += more
    return hits, missed


def _walk(tree: str, top: str, shallow: bool) -> Iterator[tuple[str, int, int]]:
    """(path relative to the tree, size, mtime_ns) of each regular .c/.h file; symlinks are not followed."""
    stack = [top]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(tree, rel_dir) if rel_dir else tree))
        except OSError:
            continue
        prefix = f"{rel_dir}/" if rel_dir else ""
        for entry in entries:
            name = entry.name
            if name.endswith((".c", ".h")):
                if entry.is_file(follow_symlinks=False):
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    yield prefix + name, st.st_size, st.st_mtime_ns
            elif not shallow and entry.is_dir(follow_symlinks=False):
                stack.append(prefix + name)


def read_sites(path: str, size: int) -> str:
    """The JSON of the file's sites, or "" when the prefilter or the reader finds none."""
    global _BUFFER
    if size + 1 > len(_BUFFER):
        _BUFFER = bytearray(size + 1)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            count = os.readv(fd, [_BUFFER])
        finally:
            os.close(fd)
    except OSError:
        return ""
    if count == len(_BUFFER):  # grew since the walk: read it whole
        try:
            count = len(data := Path(path).read_bytes())
        except OSError:
            return ""
        _BUFFER = bytearray(data) + b"\0"
    if _BUFFER.find(b"offsetof", 0, count) < 0:
        return ""
    data = bytes(_BUFFER[:count])
    if not may_compare(data):
        return ""
    sites = file_sites(data)
    return json.dumps(sites, separators=(",", ":")) if any(sites.values()) else ""


def _map(
    fn: Callable[[tuple[str, str, bool]], Part], units: list[tuple[str, str, bool]], jobs: int | None
) -> Iterator[Part]:
    import multiprocessing

    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(units) < 16 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(fn, units)
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker) as pool:
        yield from pool.imap_unordered(fn, units)


def _quiet_worker() -> None:
    """The pool ends its workers with SIGTERM: a worker dies quietly, not with the CLI's handler
    (inherited through fork), which would print a traceback per worker."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _crc(payload: str) -> int:
    return zlib.crc32(payload.encode()) if payload else 0


def _load(path: Path) -> dict[str, Entry]:
    """The cached entries; a missing, foreign or damaged index is empty, and so is a damaged entry."""
    try:
        blob = path.read_bytes()
    except OSError:
        return {}
    digest, body = blob[:32], blob[32:]
    if sha256(body).digest() != digest:
        return {}
    try:
        header, rows = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return {}
    if header != _header() or not isinstance(rows, dict):
        return {}
    bad = [rel for rel, row in rows.items() if not _sound(row)]
    for rel in bad:
        del rows[rel]
    return rows


def _sound(row: object) -> bool:
    if not (type(row) is tuple and len(row) == 4):
        return False
    return not row[2] or (isinstance(row[2], str) and _crc(row[2]) == row[3])


def _store(path: Path, entries: dict[str, Entry]) -> None:
    from codegen.cachefiles import store_file  # atomic; a read-only cache only costs speed

    body = marshal.dumps((_header(), entries))
    store_file(path, sha256(body).digest() + body)


def _header() -> str:
    """The format, the reader's own code and the grammar: a new mirrorgen or tree-sitter-c reads
    every file again."""
    import tree_sitter_c

    here = Path(__file__).parent
    reader = sorted((here.parent / "creader").glob("*.py"))
    files = [*sorted(here.glob("*.py")), *reader, Path(tree_sitter_c.__file__)]
    stamp = ",".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    return f"{_FORMAT} {zlib.crc32(stamp.encode()):08x}"
