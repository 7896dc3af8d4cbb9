"""A small reader of BTF, the kernel's compact type format (Documentation/bpf/btf.rst).

Reads the raw format (`/sys/kernel/btf/vmlinux`) or the `.BTF` section of an
ELF `vmlinux`, and lays out only the structs asked for and the types their
members name. Type ids are positional, so finding type N needs the start of
every record: one pass over the type section as 32-bit words (records are
whole words), no per-type objects.
"""

from __future__ import annotations

import base64
import hashlib
import mmap
import struct
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codegen.errors import BadUsage
from codegen.verify import elf

MAGIC = 0xEB9F
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)
_QUALIFIED = {TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG}
# Words after the 3-word btf_type: fixed, and per `vlen` entry (btf.rst, "Type encoding").
_FIXED = [0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]
_PER_ENTRY = [0, 0, 0, 0, 3, 3, 2, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 3]


@dataclass(frozen=True)
class Member:
    """A member as the compiler placed it; `members` holds an anonymous struct or union's own."""

    name: str  # "" for an anonymous struct or union
    type: str  # C spelling, e.g. `struct page_pool *`, `atomic_long_t`
    offset: int  # bytes from the start of the outermost struct asked for
    size: int
    bit_size: int  # 0 unless a bitfield
    kind: str  # "struct", "union", "enum" or "" for anything else
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class Record:
    name: str
    kind: str  # "struct" or "union"
    size: int
    members: tuple[Member, ...]

    def flat(self) -> list[Member]:
        """Named members, anonymous structs and unions opened, in declaration order."""
        out: list[Member] = []

        def walk(members: tuple[Member, ...]) -> None:
            for m in members:
                if m.name:
                    out.append(m)
                else:
                    walk(m.members)

        walk(self.members)
        return out


class Btf:
    """One BTF blob: the header, a word view of the type section, and the strings."""

    def __init__(self, data: bytes, source: str) -> None:
        self.source = source
        if len(data) < 24:
            raise BadUsage(f"{source}: too short for BTF")
        order = "<" if struct.unpack_from("<H", data)[0] == MAGIC else ">"
        magic, _version, _flags, hdr_len = struct.unpack_from(order + "HBBI", data)
        if magic != MAGIC:
            raise BadUsage(f"{source}: not BTF (no 0xeB9F magic)")
        type_off, type_len, str_off, str_len = struct.unpack_from(order + "4I", data, 8)
        types = hdr_len + type_off
        strings = hdr_len + str_off
        if types + type_len > len(data) or strings + str_len > len(data) or type_len % 4:
            raise BadUsage(f"{source}: BTF sections run past the end of the data")
        self.raw = data[types : types + type_len]
        self.byteorder: Literal["little", "big"] = "little" if order == "<" else "big"
        self.words = array("I")
        self.words.frombytes(self.raw)
        if (order == "<") != (sys.byteorder == "little"):
            self.words.byteswap()
        self.strings = data[strings : strings + str_len]
        self.starts = _remembered_starts(self)
        self._pointer = 0

    def scan(self) -> array[int]:
        """The word index of every type record; type id N is at starts[N - 1]."""
        words, fixed, per = self.words, _FIXED, _PER_ENTRY
        starts = array("I")
        add = starts.append
        i, end = 0, len(words)
        try:
            while i < end:
                add(i)
                info = words[i + 1]
                kind = (info >> 24) & 0x1F
                i += 3 + fixed[kind] + per[kind] * (info & 0xFFFF)
        except IndexError:
            raise BadUsage(f"{self.source}: unknown BTF kind at type {len(starts)}") from None
        return starts

    def name(self, offset: int) -> str:
        end = self.strings.index(b"\0", offset)
        return self.strings[offset:end].decode()

    def _at(self, type_id: int) -> int:
        return self.starts[type_id - 1]

    def kind(self, type_id: int) -> int:
        return 0 if type_id == 0 else (self.words[self._at(type_id) + 1] >> 24) & 0x1F

    def find(self, name: str, kinds: tuple[int, ...] = (STRUCT, UNION)) -> int | None:
        """The id of the type called `name` of one of `kinds`: its name is found in the strings,
        then the records naming that string; no pass over every type."""
        needle = b"\0" + name.encode() + b"\0"
        start = 0
        while (hit := self.strings.find(needle, start)) >= 0:
            start = hit + 1
            found = self._named(hit + 1, kinds)
            if found is not None:
                return found
        return None

    def _named(self, offset: int, kinds: tuple[int, ...]) -> int | None:
        words, starts, raw = self.words, self.starts, self.raw
        i = 0
        pattern = offset.to_bytes(4, self.byteorder)  # a record's first word is its name
        while (hit := raw.find(pattern, i)) >= 0:
            i = hit + 1
            if hit % 4:
                continue
            word = hit // 4
            n = bisect_left(starts, word)
            if n < len(starts) and starts[n] == word and (words[word + 1] >> 24) & 0x1F in kinds:
                return n + 1
        return None

    def record(self, type_id: int) -> Record:
        at = self._at(type_id)
        kind = self.kind(type_id)
        if kind not in (STRUCT, UNION):
            raise BadUsage(f"{self.source}: type {type_id} is not a struct or union")
        return Record(
            self.name(self.words[at]),
            "struct" if kind == STRUCT else "union",
            self.words[at + 2],
            self._members(type_id, 0),
        )

    def _members(self, type_id: int, base: int) -> tuple[Member, ...]:
        words = self.words
        at = self._at(type_id)
        info = words[at + 1]
        bitfields = bool(info >> 31)
        out: list[Member] = []
        for k in range(info & 0xFFFF):
            name_off, member_type, raw = words[at + 3 + 3 * k : at + 6 + 3 * k]
            bits, bit_size = (raw & 0xFFFFFF, raw >> 24) if bitfields else (raw, 0)
            offset = base + bits // 8
            target = self.strip(member_type)
            kind = self.kind(target)
            inner = self._members(target, offset) if kind in (STRUCT, UNION) and not name_off else ()
            out.append(
                Member(
                    self.name(name_off),
                    self.spell(member_type),
                    offset,
                    self.size(member_type),
                    bit_size,
                    {STRUCT: "struct", UNION: "union", ENUM: "enum", ENUM64: "enum"}.get(kind, ""),
                    inner,
                )
            )
        return tuple(out)

    def strip(self, type_id: int) -> int:
        """Through typedefs and qualifiers to the type that has a layout."""
        while self.kind(type_id) in _QUALIFIED:
            type_id = self.words[self._at(type_id) + 2]
        return type_id

    def size(self, type_id: int) -> int:
        type_id = self.strip(type_id)
        kind = self.kind(type_id)
        at = self._at(type_id) if type_id else 0
        if kind == PTR:
            return self.pointer_size()
        if kind == ARRAY:
            return self.size(self.words[at + 3]) * self.words[at + 5]
        if kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT):
            return self.words[at + 2]
        return 0

    def pointer_size(self) -> int:
        """BTF does not record it: a pointer is as wide as `long unsigned int` in the kernel."""
        if not self._pointer:
            found = self.find("long unsigned int", (INT,))
            self._pointer = self.words[self._at(found) + 2] if found else 8
        return self._pointer

    def spell(self, type_id: int) -> str:
        """The type as C writes it (typedef names kept, as pahole shows them)."""
        kind = self.kind(type_id)
        if type_id == 0:
            return "void"
        at = self._at(type_id)
        name = self.name(self.words[at])
        target = self.words[at + 2]
        if kind in (STRUCT, UNION, FWD):
            tag = "union" if kind == UNION or (kind == FWD and self.words[at + 1] >> 31) else "struct"
            return f"{tag} {name}" if name else f"{tag} {{...}}"
        if kind in (ENUM, ENUM64):
            return f"enum {name}" if name else "enum {...}"
        if kind == PTR:
            inner = self.spell(target)
            return "void (*)(...)" if inner == "fn" else f"{inner} *"
        if kind in (CONST, VOLATILE):
            return f"{'const' if kind == CONST else 'volatile'} {self.spell(target)}"
        if kind in (RESTRICT, TYPE_TAG):
            return self.spell(target)
        if kind == ARRAY:
            return f"{self.spell(self.words[at + 3])}[{self.words[at + 5]}]"
        if kind == FUNC_PROTO:
            return "fn"
        return name


def _remembered_starts(btf: Btf) -> array[int]:
    """The record index, from the memo when this exact type section was scanned before
    (the scan is most of the cost of reading a 5 MB vmlinux BTF)."""
    from codegen import memo

    # sha1 only names a cache entry (and is four times faster than sha256 on 5 MB).
    key = memo.key("btf-starts", hashlib.sha1(btf.raw, usedforsecurity=False).hexdigest())
    cached = memo.lookup(key)
    if cached is not None:
        starts = array("I")
        try:
            starts.frombytes(base64.b64decode(cached))
            return starts
        except ValueError:
            pass  # an unreadable entry is a miss
    starts = btf.scan()
    memo.store(key, base64.b64encode(starts.tobytes()).decode("ascii"))
    return starts


def read(path: Path) -> Btf:
    """The BTF of a raw BTF file or of an ELF file's .BTF section (mapped, not read whole: a
    vmlinux is tens of megabytes, its .BTF a few)."""
    try:
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                f.seek(0)
                return Btf(f.read(), str(path))
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                section = elf.section(mapped, ".BTF")
    except (OSError, ValueError) as exc:
        raise BadUsage(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if section is None:
        raise BadUsage(f"{path} is an ELF file without a .BTF section (CONFIG_DEBUG_INFO_BTF is off)")
    return Btf(section, str(path))
