"""The cache directory, and files in it that are believed only when sealed.

Everything under the cache ($MIRRORGEN_CACHE, else ~/.cache/mirrorgen) may be
lost, corrupted or swapped: a sealed file carries a sha256 over the context it
was written for (its key, the versions of whatever made it) and its own
bytes, and reading it back under another context, or after any change, is a
miss. Losing or damaging the cache costs time, never an answer.
"""

from __future__ import annotations

import os
from pathlib import Path

# Imported by `check`'s fast path (through memo): sha256 from the builtin
# module rather than hashlib, whose OpenSSL loading costs a few ms on every run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import sha256


def cache_root() -> Path:
    base = os.environ.get("MIRRORGEN_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "mirrorgen"


def store_file(path: Path, data: bytes) -> None:
    """Write a cache file by rename, so a reader sees the old entry or the new one; a read-only
    or full cache only costs speed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except (OSError, ValueError):
        from contextlib import suppress

        with suppress(OSError):
            tmp.unlink()


def _seal(context: str, payload: bytes) -> bytes:
    digest = sha256(len(context).to_bytes(8, "little") + context.encode())
    digest.update(payload)
    return digest.hexdigest().encode()


def read_sealed(path: Path, context: str) -> bytes | None:
    """The payload stored at `path` for exactly this context, or None."""
    try:
        seal, _, payload = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    return payload if seal == _seal(context, payload) else None


def write_sealed(path: Path, context: str, payload: bytes) -> None:
    store_file(path, _seal(context, payload) + b"\n" + payload)
