"""Every family in a kernel tree: walk, prefilter, read on every core, cache per file.

A file is read only when its size or mtime changed since the last scan of
this tree; it is parsed only when the byte prefilter says it may compare two
`offsetof`. The cache is one index per tree under the mirrorgen cache, one
line per file, each line checksummed: a damaged line is a miss, never a wrong
answer. It is written atomically, and only when something changed.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from codegen.family.discover import families
from codegen.family.model import Family
from codegen.family.sites import Sites, file_sites, may_compare

_FORMAT = "mirrorgen-scan-cache 1"
_INLINE = 64  # fewer files than this are read in this process: a pool costs more


@dataclass
class ScanStats:
    files: int = 0  # .c and .h files in the tree
    read: int = 0  # read this time (not answered by the cache)
    parsed: int = 0  # passed the prefilter and were parsed


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    payload: str  # "" when the file has no site, else the JSON of its sites


def scan_tree(tree: Path, jobs: int | None = None, cache_file: Path | None = None) -> tuple[list[Family], ScanStats]:
    """The families of every .c and .h file under `tree`, and what it cost."""
    stats = ScanStats()
    cache_path = cache_file if cache_file is not None else default_cache(tree)
    old = _load(cache_path)
    new: dict[str, Entry] = {}
    todo: list[tuple[str, int, int]] = []
    for rel, size, mtime in _walk(tree):
        stats.files += 1
        hit = old.get(rel)
        if hit is not None and hit.size == size and hit.mtime_ns == mtime:
            new[rel] = hit
        else:
            todo.append((rel, size, mtime))
    stats.read = len(todo)
    for rel, entry in _read_all(tree, todo, jobs):
        new[rel] = entry
    stats.parsed = sum(1 for rel, _, _ in todo if new[rel].payload)
    if new != old:
        _store(cache_path, new)
    by_file: dict[str, Sites] = {rel: json.loads(e.payload) for rel, e in new.items() if e.payload}
    return families(by_file), stats


def default_cache(tree: Path) -> Path:
    from codegen.memo import cache_root

    name = zlib.crc32(str(tree.resolve()).encode())
    return cache_root() / "scan" / f"{tree.resolve().name}-{name:08x}.idx"


def _walk(tree: Path) -> Iterator[tuple[str, int, int]]:
    """(path relative to the tree, size, mtime_ns) of each regular .c/.h file; symlinks are not followed."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(tree / rel_dir if rel_dir else tree))
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif entry.name.endswith((".c", ".h")) and entry.is_file(follow_symlinks=False):
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                yield rel, st.st_size, st.st_mtime_ns


def read_one(tree: str, rel: str, size: int, mtime: int) -> tuple[str, Entry]:
    try:
        with open(os.path.join(tree, rel), "rb") as handle:
            data = handle.read()
    except OSError:
        return rel, Entry(size, mtime, "")
    if b"offsetof" not in data or not may_compare(data):
        return rel, Entry(size, mtime, "")
    sites = file_sites(data)
    if not any(sites.values()):
        return rel, Entry(size, mtime, "")
    return rel, Entry(size, mtime, json.dumps(sites, separators=(",", ":")))


def _read_chunk(tree: str, chunk: list[tuple[str, int, int]]) -> list[tuple[str, Entry]]:
    return [read_one(tree, *item) for item in chunk]


def _read_all(tree: Path, todo: list[tuple[str, int, int]], jobs: int | None) -> list[tuple[str, Entry]]:
    workers = jobs or os.cpu_count() or 1
    if len(todo) < _INLINE or workers == 1:
        return _read_chunk(str(tree), todo)
    size = max(64, len(todo) // (workers * 16))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    out: list[tuple[str, Entry]] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_read_chunk, [str(tree)] * len(chunks), chunks):
            out.extend(part)
    return out


def _line(rel: str, entry: Entry) -> str:
    body = f"{rel}\t{entry.size}\t{entry.mtime_ns}\t{entry.payload}"
    return f"{zlib.crc32(body.encode()):08x}\t{body}\n"


def _load(path: Path) -> dict[str, Entry]:
    """The cached entries; a missing or foreign file is empty, a damaged line is left out."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    lines = text.split("\n")
    if not lines or lines[0] != _header():
        return {}
    out: dict[str, Entry] = {}
    for line in lines[1:]:
        crc, _, body = line.partition("\t")
        if not body or f"{zlib.crc32(body.encode()):08x}" != crc:
            continue
        parts = body.split("\t", 3)
        if len(parts) != 4:
            continue
        try:
            out[parts[0]] = Entry(int(parts[1]), int(parts[2]), parts[3])
        except ValueError:
            continue
    return out


def _store(path: Path, entries: dict[str, Entry]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(_header() + "\n")
            handle.writelines(_line(rel, entry) for rel, entry in entries.items())
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs speed


def _header() -> str:
    """The format and the reader's own code: a new mirrorgen reads every file again."""
    here = Path(__file__).parent
    stamp = ",".join(
        f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(here.glob("*.py"))
    )
    return f"{_FORMAT} {zlib.crc32(stamp.encode()):08x}"
