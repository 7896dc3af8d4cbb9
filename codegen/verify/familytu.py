"""`verify` for a family spec (version 2): the translation unit, made of its parts.

One text serves every ABI (the 64-bit symbols test `__SIZEOF_LONG__`):
the built-in kernel types, the stated default configuration below, the host
struct from the hand model for the tree's kernel version, the mirror
struct's C definition (`mirror_text`, the one place it comes from), and the
family's assert block rendered from the spec (`render_family`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codegen.errors import BadUsage, InputError
from codegen.spec.family_model import FamilySpec
from codegen.spec.host import HostStruct
from codegen.verify.clangtu import HOST_FILE
from codegen.verify.ktypes import RECORDS, TYPEDEFS

CONFIG_FILE = "<default configuration>"
# Anonymous struct members (`struct freelist_counters;`, 7.x slab): the kernel builds with this.
CLANG_ARGS = ("-fms-extensions",)


@dataclass(frozen=True)
class Symbol:
    """One symbol of the default configuration: `#define NAME VALUE`, or `#undef NAME` (value None)."""

    name: str
    value: str | None
    abis: Literal["all", "64-bit"]
    why: str


# What the families' conditional members and asserts see: what the arches' defconfigs have
# (docs/verify.md states it). Symbols not listed are not defined, so their #ifdefs are off.
DEFAULT_CONFIG: tuple[Symbol, ...] = (
    Symbol("CONFIG_64BIT", "1", "64-bit", "on the 64-bit ABIs only (folio's page[1] and page[2] words)"),
    Symbol("CONFIG_MEMCG", "1", "all", "memcg_data in struct page and in the mirrors"),
    Symbol("CONFIG_SLAB_OBJ_EXT", "1", "all", "selected by CONFIG_MEMCG: slab's obj_exts"),
    Symbol("NR_PAGES_IN_LARGE_FOLIO", "", "all", "the kernel defines it when CONFIG_MEMCG is on"),
    Symbol("CONFIG_SLUB_CPU_PARTIAL", "1", "all", "on in the defconfigs (slab's partial list words)"),
    Symbol("ALLOC_SPLIT_PTLOCKS", "0", "all", "no lock debugging: ptdesc embeds the lock"),
    Symbol("WANT_PAGE_VIRTUAL", None, "all", "only a few 32-bit arches keep a page's virtual address"),
    Symbol("LAST_CPUPID_NOT_IN_PAGE_FLAGS", None, "all", "the cpupid fits in the page flags"),
    Symbol("system_has_freelist_aba", None, "all", "set by the arch's cmpxchg support, not a config option"),
    Symbol("CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING", None, "all", "a union member; no offset depends on it"),
)


@dataclass(frozen=True)
class SourceText:
    """C text from a file, with where it starts, so diagnostics point into that file."""

    file: str
    line: int
    text: str


def mirror_text(spec: FamilySpec, tree: Path | None, shown_tree: str | None = None) -> list[SourceText]:
    """The mirror struct's C definition, preceded by the structs of its file it embeds by value.

    THE one place verify gets the mirror struct from. A spec that owns the
    struct (`struct:`) is verified as it says: its struct rendered from the
    model, so a field moved in the spec fails. Otherwise the tree's
    definition, read by C syntax (the struct and the asserts may be in
    different files: the spec's file, the headers it includes with quotes,
    then include/). Structs it embeds by value that no part defines come from
    the tree's file either way (7.2 slab's `struct freelist_counters`).
    """
    if tree is None:
        raise BadUsage(
            f"{spec.path}: verify reads a family's struct {spec.mirror} from the kernel tree for now: "
            "give --tree KDIR"
        )
    shown = (shown_tree or tree.as_posix()).rstrip("/")
    for relative in _candidates(tree, spec):
        data = (tree / relative).read_bytes()
        found = _definition(data, spec.mirror)
        if found is None:
            continue
        own = _owned(spec)
        mirror = own or _piece(data, found, f"{shown}/{relative}")
        pieces: list[SourceText] = []
        for tag in _embedded(mirror.text, spec):
            inner = _definition(data, tag)
            if inner is not None:
                pieces.append(_piece(data, inner, f"{shown}/{relative}"))
        return [*pieces, mirror]
    raise InputError(f"{shown}/{spec.file}", 1, 1, f"no definition of struct {spec.mirror} found by C syntax "
                     f"in {spec.file}, the headers it includes, or include/")  # fmt: skip


def _owned(spec: FamilySpec) -> SourceText | None:
    """The struct as the spec's `struct:` section makes it (kept comments as placeholders)."""
    from codegen.render import render_family_struct

    if spec.struct is None:
        return None
    text = render_family_struct(spec, missing=[])
    return SourceText(spec.struct.loc.path, spec.struct.loc.line, text if text.endswith(";") else text + ";")


def _candidates(tree: Path, spec: FamilySpec) -> Iterator[str]:
    """Where the struct may be, in order: the block's file, its quoted includes (beside it), then
    the headers under include/ that have a line `struct NAME {` (read only if needed)."""
    first = tree / spec.file
    if not first.is_file():
        raise InputError(tree.as_posix(), 1, 1, f"the tree has no {spec.file} ({spec.path} names it)")
    yield spec.file
    here = Path(spec.file).parent
    for name in re.findall(rb'^#include\s+"([^"]+)"', first.read_bytes(), re.M):
        rel = (here / name.decode("utf-8", "replace")).as_posix()
        if (tree / rel).is_file():
            yield rel
    head = re.compile(rb"^struct " + re.escape(spec.mirror.encode()) + rb" \{", re.M)
    for path in sorted((tree / "include").rglob("*.h")):
        try:
            if head.search(path.read_bytes()):
                yield path.relative_to(tree).as_posix()
        except OSError:
            continue


def _definition(data: bytes, name: str) -> tuple[int, int] | None:
    """Byte span of `struct name {...};` by the one C reader."""
    from codegen.creader.anchors import scan
    from codegen.creader.macroblock import struct_end

    anchors = scan(data)
    pieces = anchors.structs.get(name)
    if pieces:
        return pieces[-1].start, pieces[-1].end
    end = struct_end(anchors, name)  # read again from its first line when the parser lost it
    if end is None:
        return None
    start = data.rfind(f"struct {name} {{".encode(), 0, end)
    return (start, end) if start >= 0 else None


_BY_VALUE = re.compile(r"\bstruct\s+([A-Za-z_]\w*)\s*(?:[A-Za-z_]\w*\s*)?(?:\[[^\]]*\]\s*)?;")


def _embedded(text: str, spec: FamilySpec) -> list[str]:
    """Struct tags the mirror holds by value (or as an anonymous member) that no other part defines."""
    known = {r.tag for r in RECORDS} | {spec.host, spec.mirror}
    return list(dict.fromkeys(t for t in _BY_VALUE.findall(text) if t not in known))


def _piece(data: bytes, span: tuple[int, int], shown: str) -> SourceText:
    start, end = span
    text = data[start:end].decode("utf-8", "replace")
    return SourceText(shown, data.count(b"\n", 0, start) + 1, text if text.endswith(";") else text + ";")


def family_tu(model: HostStruct, mirror: list[SourceText], block: str, block_file: str) -> str:
    from codegen.render import render

    return render(
        "verify/family.c.j2", typedefs=TYPEDEFS, records=RECORDS, tree_host=None, tree_types=[],
        struct_tags=[], union_tags=[], enum_tags=[], config=DEFAULT_CONFIG, config_file=CONFIG_FILE,
        model=model, host_file=HOST_FILE, mirror=mirror, block=block, block_file=block_file,
    )  # fmt: skip


def kernel_version(tree: Path) -> tuple[int, int]:
    """VERSION and PATCHLEVEL from the tree's top Makefile (which hand-model names apply)."""
    values: dict[str, int] = {}
    try:
        lines = (tree / "Makefile").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines[:20]:
        key, _, value = line.partition("=")
        if key.strip() in ("VERSION", "PATCHLEVEL") and value.strip().isdigit():
            values[key.strip()] = int(value)
    if len(values) < 2:
        message = "no VERSION and PATCHLEVEL in the kernel Makefile"
        raise InputError((tree / "Makefile").as_posix(), 1, 1, message)
    return values["VERSION"], values["PATCHLEVEL"]
