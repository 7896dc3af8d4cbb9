"""Every family in a kernel tree: list, prefilter, read on every core, cache per file.

The listing (family/listing.py) gives every .c/.h file's inode, size, mtime
and ctime. A file is read only when that key differs from the last scan's,
is new, or was racy then (changed within `RACY_NS` of that scan's start, so
its key may predate its bytes); a file that vanished is dropped. Where many
files are to be read, grep reads them on every core and only those with
`offsetof` are read here; only those the byte prefilter passes are parsed. When the listing
is byte for byte the last one, nothing is compared per file at all. The
cache is one index per tree under the mirrorgen cache (the listing, the
sites of the files that have any, the racy paths, the uses of macros a
header leaves defined), checksummed as a whole
(damage is a miss, never a wrong answer), written atomically and only when
something changed.
"""

from __future__ import annotations

import json
import marshal
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codegen.family import listing as ls
from codegen.family.discover import families, open_macros
from codegen.family.model import Family

_FORMAT = "mirrorgen-scan-cache 3"
RACY_NS = 2_000_000_000  # file times are coarse: a clock tick; whole seconds on some systems, 2 s on FAT
_PYTHON_READS = 2000  # fewer files than this to read again are read here, without spawning grep


@dataclass
class ScanStats:
    files: int = 0  # .c and .h files in the tree
    read: int = 0  # read this time (not answered by the cache)
    parsed: int = 0  # passed the prefilter and were parsed


@dataclass
class _Index:
    listing: bytes = b""
    sites: dict[str, str] | None = None  # path -> JSON of its sites, for files that have any
    racy: tuple[str, ...] = ()
    searched: tuple[str, ...] = ()  # the open macros `users` was searched for
    users: dict[str, str] | None = None  # path -> JSON of its uses of them, for files that have any


def scan_tree(
    tree: Path, jobs: int | None = None, cache_file: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[list[Family], ScanStats]:
    """The families of every .c and .h file under `tree`, and what it cost. `meanwhile` runs
    while find lists the tree (the caller's own work, on the core find leaves)."""
    stamp = time.time_ns() - RACY_NS  # a file changed after this may have changed while we read it
    workers = jobs or os.cpu_count() or 1
    cache_path = cache_file if cache_file is not None else default_cache(tree)
    loaded: list[_Index] = []

    def while_find_runs() -> None:  # the cache loads on the core find leaves, then the caller's work
        loaded.append(_load(cache_path))
        if meanwhile is not None:
            meanwhile()

    listing = _list(tree, workers, while_find_runs)
    old = loaded[0] if loaded else _load(cache_path)
    stats = ScanStats()
    todo: list[str] | None = None  # the files read again (None: all of them)
    if old.sites is None:
        sites = _cold(tree, listing, workers, stats)
        racy = ls.racy(listing, stamp)
    else:
        if listing == old.listing:  # the racy files alone may have changed
            todo = list(old.racy)
            stats.files = listing.count(b"\0")
            was_racy = set(todo)
            suspects = [row for row in ls.rows(listing) if ls.path_of(row) in was_racy] if todo else []
        else:
            now, before = set(ls.rows(listing)), set(ls.rows(old.listing))
            suspects = list(now - before)  # new rows: a new file, or any change to a file's key
            gone = {ls.path_of(row) for row in before - now}
            todo = sorted({ls.path_of(row) for row in suspects} | set(old.racy))
            stats.files = len(now)
            if old.racy:
                was_racy = set(old.racy)
                suspects += [row for row in now & before if ls.path_of(row) in was_racy]
            for rel in gone:
                old.sites.pop(rel, None)
                (old.users or {}).pop(rel, None)
        sites = dict(old.sites)
        sizes = {ls.path_of(row): ls.size_of(row) for row in suspects}
        _read_again(tree, todo, [sizes.get(rel, 0) for rel in todo], sites, stats, workers)
        racy = ls.racy(b"".join(row + b"\0" for row in suspects), stamp)  # the rest were not, nor changed
    kept = tuple(sorted(set(racy)))
    by_file = {rel: json.loads(sites[rel]) for rel in sorted(sites)}
    searched = tuple(sorted(open_macros(by_file)))
    users = _users(tree, listing, searched, old, todo, workers)
    if (listing, sites, kept, searched, users) != (old.listing, old.sites, old.racy, old.searched, old.users):
        _store(cache_path, _Index(listing, sites, kept, searched, users))
    return families(by_file, {rel: json.loads(uses) for rel, uses in users.items()}), stats


def _users(
    tree: Path, listing: bytes, names: tuple[str, ...], old: _Index, todo: list[str] | None, jobs: int
) -> dict[str, str]:
    """The files that use the macros headers leave defined (none in the kernel's trees: each
    family's header #undefs its macro), and their uses: searched in the whole tree for a new set
    of names, else kept and read again where the file was."""
    from codegen.family.sites import uses_of

    if not names:
        return {}
    wanted = set(names)
    if old.users is not None and old.searched == names and todo is not None:
        users, again = dict(old.users), todo
    else:
        paths, sizes = ls.paths_and_sizes(listing)
        words = tuple(f"{name}(".encode() for name in names)
        argvs = ls.grep_file_argvs(paths, sizes, jobs, words)
        again = []
        for i, code, out in ls.run_all(tree, argvs, jobs):
            named = argvs[i][argvs[i].index(b"--") + 1 :]  # what grep could not answer is read here
            again += ls.grep_found(out) if code in (0, 1) else [os.fsdecode(p) for p in named]
        users = {}
    for rel in again:
        users.pop(rel, None)
        try:
            with open(os.path.join(tree, rel), "rb") as file:
                found = uses_of(file.read(), wanted)
        except OSError:
            continue
        if found:
            users[rel] = json.dumps(found, separators=(",", ":"))
    return users


def _list(tree: Path, jobs: int, meanwhile: Callable[[], object] | None = None) -> bytes:
    chunks: list[bytes] = []
    for _, code, out in sorted(ls.run_all(tree, ls.find_argvs(tree, jobs), jobs, meanwhile)):
        if code != 0:
            return ls.walk_listing(tree)
        chunks.append(out)
    return b"".join(chunks)


def _cold(tree: Path, listing: bytes, jobs: int, stats: ScanStats) -> dict[str, str]:
    """No cache: grep reads the whole listing in runs of equal bytes (a few headers hold half the
    bytes of a tree), and the files it names are read here as they come."""
    stats.files = stats.read = listing.count(b"\0")
    sites: dict[str, str] = {}
    _grep_and_read(tree, *ls.paths_and_sizes(listing), sites, stats, jobs)
    return sites


def _read_again(
    tree: Path, todo: list[str], sizes: list[int], sites: dict[str, str], stats: ScanStats, jobs: int
) -> None:
    """Read the files in `todo` (of these sizes) again: their sites replace the cached ones."""
    for rel in todo:
        sites.pop(rel, None)
    stats.read += len(todo)
    if len(todo) < _PYTHON_READS:
        _read_into(tree, todo, sites, stats)
    else:
        _grep_and_read(tree, [os.fsencode(rel) for rel in todo], sizes, sites, stats, jobs)


def _grep_and_read(
    tree: Path, paths: list[bytes], sizes: list[int], sites: dict[str, str], stats: ScanStats, jobs: int
) -> None:
    """grep reads the files on every core; those it names are read here as its calls finish."""
    argvs = ls.grep_file_argvs(paths, sizes, jobs)
    for i, code, out in ls.run_all(tree, argvs, jobs):
        if code in (0, 1):
            _read_into(tree, ls.grep_found(out), sites, stats)
        else:  # every file of the call, read here
            _read_into(tree, [os.fsdecode(p) for p in argvs[i][argvs[i].index(b"--") + 1 :]], sites, stats)


def _read_into(tree: Path, paths: list[str], sites: dict[str, str], stats: ScanStats) -> None:
    for rel in paths:
        found = read_sites(os.path.join(tree, rel))
        if found:
            sites[rel] = found
            stats.parsed += 1


def default_cache(tree: Path) -> Path:
    from codegen.cachefiles import cache_root

    where = tree.resolve()
    return cache_root() / "scan" / f"{where.name}-{zlib.crc32(str(where).encode()):08x}.idx"


def read_sites(path: str) -> str:
    """The JSON of the file's sites, or "" when the prefilter or the reader finds none."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return ""
    from codegen.family.sites import file_sites, may_compare  # the reader only where a file needs it

    if not may_compare(data):
        return ""
    sites = file_sites(data)
    return json.dumps(sites, separators=(",", ":")) if any(sites.values()) else ""


def _load(path: Path) -> _Index:
    """The cached index; a missing, foreign or damaged one is empty."""
    from hashlib import sha256

    try:
        blob = path.read_bytes()
    except OSError:
        return _Index()
    digest, body = blob[:32], blob[32:]
    if sha256(body).digest() != digest:
        return _Index()
    try:
        header, listing, sites, racy, searched, users = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return _Index()
    sound = (
        header == _header() and isinstance(listing, bytes) and isinstance(sites, dict)
        and isinstance(racy, tuple) and all(isinstance(v, str) for v in sites.values())
        and isinstance(searched, tuple) and isinstance(users, dict)
    )  # fmt: skip
    return _Index(listing, sites, racy, searched, users) if sound else _Index()


def _store(path: Path, index: _Index) -> None:
    from hashlib import sha256

    from codegen.cachefiles import store_file  # atomic; a read-only cache only costs speed

    body = marshal.dumps((_header(), index.listing, index.sites, index.racy, index.searched, index.users))
    store_file(path, sha256(body).digest() + body)


def _header() -> str:
    """The format, the reader's own code and the grammar: a new mirrorgen or tree-sitter-c reads
    every file again."""
    from importlib.util import find_spec

    grammar = find_spec("tree_sitter_c")  # where it is, without loading it
    here = Path(__file__).parent
    reader = sorted((here.parent / "creader").glob("*.py"))
    origin = grammar.origin if grammar is not None and grammar.origin else str(here)
    files = [*sorted(here.glob("*.py")), *reader, Path(origin)]
    stamp = ",".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    return f"{_FORMAT} {zlib.crc32(stamp.encode()):08x}"
