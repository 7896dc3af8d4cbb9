"""Read a file the command compares with, refusing anything but a regular file.

A FIFO would block the read forever and /dev/zero would never end, so the
file is opened without blocking and checked with fstat before one byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from codegen.errors import InputError


def read_regular(path: Path, shown: str | None = None) -> bytes:
    """The bytes of `path`; FileNotFoundError as usual; exit 2 for a non-regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(shown or path.as_posix(), 1, 1,
                             "is not a regular file (a device, FIFO or socket?); refusing to read it")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)
