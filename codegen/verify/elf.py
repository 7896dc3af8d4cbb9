"""Just enough ELF to find one section's bytes (the `.BTF` of a vmlinux), 32- or 64-bit, either byte order."""

from __future__ import annotations

import mmap
import struct


def section(data: bytes | mmap.mmap, name: str) -> bytes | None:
    """The contents of the section called `name`, or None if there is none (or it has no bytes)."""
    if data[:4] != b"\x7fELF" or len(data) < 52:
        return None
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        entry = order + "IIQQQQ"  # name, type, flags, addr, offset, size
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        entry = order + "IIIIII"
    if shoff == 0 or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
        return None
    headers = [struct.unpack_from(entry, data, shoff + i * shentsize) for i in range(shnum)]
    names_at, names_size = headers[shstrndx][4], headers[shstrndx][5]
    names = bytes(data[names_at : names_at + names_size])
    wanted = name.encode() + b"\0"
    for name_off, kind, _flags, _addr, offset, size in headers:
        if names[name_off : name_off + len(wanted)] == wanted and kind != 8:  # 8: SHT_NOBITS
            return bytes(data[offset : offset + size]) if offset + size <= len(data) else None
    return None
