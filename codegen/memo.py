"""A memo of fresh results, so a repeated `check` skips YAML, Jinja2 and clang-format.

The key hashes every input the output depends on: the spec's bytes and
paths, the templates, the style, mirrorgen's own code and the clang-format
binary. The value is the sha256 of the output those inputs produce. A hit
proves freshness only when the file on disk hashes to that value; anything
else falls back to the full regeneration. Losing the memo costs time, never
correctness.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from codegen.cachefiles import cache_root as cache_root  # re-exported: where the memo lives
from codegen.cachefiles import store_file
from codegen.format import wheel_binary
from codegen.resources import PACKAGE_DIR, clang_format_style, templates_dir

TYPE_CHECKING = False  # not `typing`: importing it costs check's fast path ~3 ms
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # the builtin module: hashlib's OpenSSL loading costs ~4 ms on every run
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import sha256




@cache
def _tool_fingerprint() -> bytes:
    digest = sha256()
    files = sorted(templates_dir().rglob("*.j2")) + sorted(PACKAGE_DIR.rglob("*.py"))
    files.append(clang_format_style())
    for path in files:  # stat, not read: an edit changes size or mtime
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    # The binary is stat'ed, not read or run: its path, size and mtime name the version.
    exe = wheel_binary()
    try:
        assert exe is not None
        stat = exe.stat()
        digest.update(f"{exe}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    except (AssertionError, OSError):
        digest.update(b"no-clang-format")
    return digest.digest()


def key(*parts: bytes | str) -> str:
    digest = sha256(_tool_fingerprint())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def digest(data: bytes) -> str:
    return sha256(data).hexdigest()


def _entry(memo_key: str) -> Path:
    return cache_root() / "memo" / memo_key[:2] / memo_key[2:]


def lookup(memo_key: str) -> str | None:
    """The value stored under `memo_key`, or None: an entry that is unreadable, corrupt, or
    another key's (a swapped file) is a miss, never believed."""
    try:
        stored_key, check, value = _entry(memo_key).read_bytes().decode("utf-8").split("\n", 2)
    except (OSError, ValueError):
        return None
    if stored_key != memo_key or check != _seal(memo_key, value):
        return None
    return value


def store(memo_key: str, value: str) -> None:
    store_file(_entry(memo_key), f"{memo_key}\n{_seal(memo_key, value)}\n{value}".encode())



def _seal(memo_key: str, value: str) -> str:
    """Binds an entry's value to its key: a flipped bit or a swapped file no longer matches."""
    return sha256(f"{memo_key}\n{value}".encode("utf-8", "surrogateescape")).hexdigest()
