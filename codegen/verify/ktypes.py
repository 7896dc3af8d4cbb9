"""The kernel types `verify` and `propose` know without a kernel tree, on every ABI.

Each entry gives the type's size and alignment the way the kernel's own
definition does on each of verify's ABIs; templates/verify/prelude.h.j2
renders them. Where the kernel config decides a size, the entry names the
option and the value assumed: `wide` is used on the 64-bit ABIs, `narrow`
on the 32-bit ones, as their defconfigs have it. A type not listed here
is bad input at its spec line; the table is data, so adding a type is one
line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from codegen.errors import InputError
from codegen.spec import ctypes
from codegen.spec.model import Loc, Spec


@dataclass(frozen=True)
class Typedef:
    """`typedef TYPE NAME;`, or on 32-bit ABIs `typedef NARROW NAME;` where a config option decides."""

    name: str
    type: str
    narrow: str | None = None  # the type on 32-bit ABIs, when it differs
    config: str | None = None  # the option that would make the 32-bit type the wide one
    note: str = ""


@dataclass(frozen=True)
class Record:
    """A struct: `struct TAG {...}` or, with `typedef`, `typedef struct TAG {...} NAME;`."""

    tag: str
    members: tuple[tuple[str, str], ...]  # (type, name); `type` may end in an attribute
    typedef: str | None = None
    note: str = ""


_WORD_STRUCT = (("unsigned int", "val"),)
TYPEDEFS: tuple[Typedef, ...] = (
    Typedef("bool", "_Bool"),
    Typedef("s8", "signed char"),
    Typedef("u8", "unsigned char"),
    Typedef("s16", "short"),
    Typedef("u16", "unsigned short"),
    Typedef("s32", "int"),
    Typedef("u32", "unsigned int"),
    Typedef("s64", "long long"),
    Typedef("u64", "unsigned long long"),
    Typedef("__s8", "signed char"),
    Typedef("__u8", "unsigned char"),
    Typedef("__s16", "short"),
    Typedef("__u16", "unsigned short"),
    Typedef("__s32", "int"),
    Typedef("__u32", "unsigned int"),
    Typedef("__s64", "long long"),
    Typedef("__u64", "unsigned long long"),
    Typedef("__le16", "__u16"),
    Typedef("__be16", "__u16"),
    Typedef("__le32", "__u32"),
    Typedef("__be32", "__u32"),
    Typedef("__le64", "__u64"),
    Typedef("__be64", "__u64"),
    Typedef("__aligned_u64", "__u64 __attribute__((aligned(8)))"),
    Typedef("size_t", "unsigned long", note="unsigned int on some 32-bit arches: same size"),
    Typedef("ssize_t", "long", note="int on some 32-bit arches: same size"),
    Typedef("uintptr_t", "unsigned long"),
    Typedef("loff_t", "long long"),
    Typedef("ktime_t", "s64"),
    Typedef("pgoff_t", "unsigned long"),
    Typedef("gfp_t", "unsigned int"),
    Typedef("netmem_ref", "unsigned long"),
    Typedef("phys_addr_t", "u64", "u32", "CONFIG_PHYS_ADDR_T_64BIT"),
    Typedef("resource_size_t", "phys_addr_t"),
    Typedef("dma_addr_t", "u64", "u32", "CONFIG_ARCH_DMA_ADDR_T_64BIT"),
    # The page-mirror families' bodies (verify of a family spec).
    Typedef("pgtable_t", "void *", note="struct page * on most arches, a pointer to a page table on others"),
    Typedef("mm_id_t", "unsigned int", "unsigned short", "CONFIG_64BIT"),
    Typedef("mm_id_mapcount_t", "int", "short", "CONFIG_64BIT"),
)
RECORDS: tuple[Record, ...] = (
    Record("atomic_t", (("int", "counter"),), "atomic_t"),
    Record("atomic64_t", (("s64 __attribute__((aligned(8)))", "counter"),), "atomic64_t",
           note="8-byte aligned on every ABI, as i386 declares it"),
    Record("atomic_long_t", (("long", "counter"),), "atomic_long_t",
           note="atomic64_t on 64-bit ABIs, atomic_t on 32-bit ones: one long either way"),
    Record("refcount_struct", (("atomic_t", "refs"),), "refcount_t"),
    Record("spinlock", _WORD_STRUCT, "spinlock_t",
           note="without CONFIG_DEBUG_SPINLOCK and CONFIG_DEBUG_LOCK_ALLOC: one 32-bit lock word"),
    Record("list_head", (("struct list_head *", "next"), ("struct list_head *", "prev"))),
    Record("hlist_head", (("struct hlist_node *", "first"),)),
    Record("hlist_node", (("struct hlist_node *", "next"), ("struct hlist_node **", "pprev"))),
    Record("llist_node", (("struct llist_node *", "next"),)),
    Record("llist_head", (("struct llist_node *", "first"),)),
    Record("callback_head", (("struct callback_head *", "next"), ("void *", "func")),
           note="func is a function pointer in the kernel: a pointer's size on every ABI"),
    Record("rcu_head", (("struct rcu_head *", "next"), ("void *", "func")),
           note="#define'd to callback_head in the kernel: the same layout"),
    Record("rb_node", (("unsigned long", "__rb_parent_color"), ("struct rb_node *", "rb_right"),
                       ("struct rb_node *", "rb_left"))),
    Record("kref", (("refcount_t", "refcount"),)),
    # One-word structs the kernel wraps page words in (7.x): the word's size and alignment.
    Record("memdesc_flags", (("unsigned long", "f"),), "memdesc_flags_t",
           note="an anonymous struct in the kernel; the tag is mirrorgen's"),
    Record("swp_entry", (("unsigned long", "val"),), "swp_entry_t",
           note="an anonymous struct in the kernel; the tag is mirrorgen's"),
)  # fmt: skip

TYPEDEF_NAMES = frozenset(t.name for t in TYPEDEFS) | frozenset(r.typedef for r in RECORDS if r.typedef)
STRUCT_TAGS = frozenset(r.tag for r in RECORDS if r.typedef is None)
_TAG = re.compile(r"\b(struct|union|enum) ([A-Za-z_]\w*)")


def unknown(ctype: str, defined: Iterable[str] = ()) -> str | None:
    """The part of a (normalized) type the table cannot lay out, or None.

    Typedef names must be known even behind a pointer (clang needs the name);
    `struct X` only by value, or a pointer's target need not be complete.
    Enums are laid out as the kernel's small enums are (an int), and
    `defined` are the structs the translation unit defines itself.
    """
    words = [w for w in ctype.replace("*", " * ").split() if w not in ctypes.QUALIFIERS]
    pointer = "*" in words
    m = _TAG.search(ctype)
    if m:
        kind, tag = m.groups()
        if kind == "struct" and not pointer and tag not in STRUCT_TAGS and tag not in set(defined):
            return f"struct {tag}"
        if kind == "union" and not pointer:
            return f"union {tag}"
        return None
    base = [w for w in words if w != "*"]
    if all(w in ctypes.ARITHMETIC or w == "void" for w in base):
        return None
    name = base[0] if base else ctype
    return None if name in TYPEDEF_NAMES else name


def check_known(ctype: str, loc: Loc, defined: Iterable[str] = ()) -> None:
    missing = unknown(ctype, defined)
    if missing is not None:
        message = f"unknown type {missing}: give --tree KDIR so it can be read from the kernel"
        raise InputError(loc.path, loc.line, loc.col, message)


def check_spec_types(spec: Spec) -> None:
    """Every type the spec writes is one the table can lay out (exit 2 at its line if not)."""
    defined = {spec.host.struct, spec.mirror.struct} | ({spec.alias.struct} if spec.alias else set())
    for field in spec.mirror.fields:
        check_known(field.type, field.loc, defined)
    for member in spec.alias.members if spec.alias else ():
        check_known(member.type, member.loc, defined)
