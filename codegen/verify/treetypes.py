"""Layouts read from a kernel tree's real headers with libclang, per ABI.

The tree's generated headers (config, asm-offsets, bounds) come from an O=
directory that `kbuild` prepares the kernel's way; this module only parses.
The translation unit (templates/verify/tree.c.j2) includes the host's
header and the headers that define the types asked about, and declares one
variable of each type: clang reports its size and alignment, and the host
struct's layout, flattened. Results are memoized per tree configuration and
believed while every file the parse read has the same mtime and size.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codegen.errors import BadUsage
from codegen.verify.abis import Abi
from codegen.verify.clangtu import StructLayout

_PROBE = re.compile(r"mirrorgen_probe_(\d+)\Z")
_TAG = re.compile(r"(struct|union) (\w+)\Z")


@dataclass(frozen=True)
class TreeBuild:
    """A kernel tree and its prepared O= directory, for one ABI."""

    tree: Path
    out: Path
    srcarch: str  # the directory under arch/
    abi: Abi


@dataclass(frozen=True)
class TreeLayout:
    abi: str
    host: StructLayout | None  # flattened: every named member, anonymous structs and unions opened
    types: dict[str, tuple[int, int]]  # type as the spec writes it -> (size, align); absent if unknown


def clang_args(build: TreeBuild) -> list[str]:
    """The kernel's own include order and forced includes (its Makefile's LINUXINCLUDE and c_flags)."""
    src, obj, arch = build.tree, build.out, build.srcarch
    dirs = [
        src / "arch" / arch / "include", obj / "arch" / arch / "include" / "generated",
        src / "include", obj / "include",
        src / "arch" / arch / "include" / "uapi", obj / "arch" / arch / "include" / "generated" / "uapi",
        src / "include" / "uapi", obj / "include" / "generated" / "uapi",
    ]  # fmt: skip
    forced = ["linux/compiler-version.h", "linux/kconfig.h", "linux/compiler_types.h"]
    return [
        *(f"-I{d}" for d in dirs),
        *(arg for name in forced for arg in ("-include", str(src / "include" / name))),
        "-D__KERNEL__", "-nostdinc", "-std=gnu11", "-w", "-target", build.abi.triple,
    ]  # fmt: skip


def locate(build: TreeBuild, ctypes: list[str]) -> dict[str, str]:
    """The header (as #include'd) that defines each typedef name or `struct TAG`, found by its
    definition in one pass over the tree's include directories."""
    wanted: dict[str, tuple[bytes, re.Pattern[bytes]]] = {}
    for ctype in ctypes:
        m = _TAG.match(ctype)
        name = m.group(2) if m else ctype
        word = re.escape(name)
        if m:
            source = rf"{m.group(1)}\s+{word}\s*\{{|struct_group_tagged\(\s*{word}\s*,"
        else:
            source = rf"typedef\s[^;]*\b{word}\s*;|\}}\s*{word}\s*;"
        wanted[ctype] = (name.encode(), re.compile(source.encode()))
    found: dict[str, str] = {}
    for root in (build.tree / "include", build.tree / "arch" / build.srcarch / "include"):
        for path in sorted(root.rglob("*.h")) if wanted else ():
            try:
                data = path.read_bytes()
            except OSError:
                continue
            for ctype, (needle, pattern) in list(wanted.items()):
                if needle in data and pattern.search(data):
                    found[ctype] = path.relative_to(root).as_posix()
                    del wanted[ctype]
    return found


def tree_layout(build: TreeBuild, host: str, header: str, types: list[str]) -> TreeLayout:
    """The host struct and the sizes of `types` as the tree defines them for this ABI (memoized)."""
    from codegen import memo

    try:
        config = (build.out / ".config").stat().st_mtime_ns
    except OSError:
        raise BadUsage(f"{build.out} has no .config: the tree's headers are not prepared") from None
    key = memo.key("tree-layout", str(build.tree.resolve()), str(build.out), str(config), build.abi.triple,
                   host, header, *types)  # fmt: skip
    cached = memo.lookup(key)
    if cached is not None:
        found = _decode(cached)
        if found is not None:
            return found
    headers = list(dict.fromkeys([header, *locate(build, types).values()]))
    layout, read = _parse(build, host, headers, types)
    memo.store(key, json.dumps({**asdict(layout), "read": _stamps(read)}))
    return layout


def _stamps(paths: list[str]) -> list[tuple[str, int, int]] | None:
    """Each header the parse read, with its mtime and size: the entry holds while all are unchanged."""
    out: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return None
        out.append((path, st.st_mtime_ns, st.st_size))
    return out


def _unchanged(stamps: Any) -> bool:
    if not isinstance(stamps, list) or not stamps:
        return False
    try:
        for path, mtime, size in stamps:
            st = os.stat(path)
            if st.st_mtime_ns != mtime or st.st_size != size:
                return False
    except (OSError, TypeError, ValueError):
        return False
    return True


def _parse(
    build: TreeBuild, host: str, headers: list[str], types: list[str]
) -> tuple[TreeLayout, list[str]]:
    """The layout, and every file the parse read."""
    from clang.cindex import CursorKind

    from codegen.render import render
    from codegen.verify.clangtu import index, layout_of

    text = render("verify/tree.c.j2", headers=headers, types=types)
    tu = index().parse("mirrorgen-tree.c", args=clang_args(build), unsaved_files=[("mirrorgen-tree.c", text)])
    fatal = next((d for d in tu.diagnostics if d.severity >= 4), None)
    if fatal is not None:
        raise BadUsage(f"{build.tree}: the headers do not parse for {build.abi.name}: {fatal.spelling}")
    found: dict[str, tuple[int, int]] = {}
    placed: StructLayout | None = None
    for cursor in tu.cursor.get_children():
        if cursor.kind == CursorKind.VAR_DECL and (m := _PROBE.match(cursor.spelling)):
            size, align = cursor.type.get_size(), cursor.type.get_align()
            if size > 0:  # < 0: clang does not know the type
                found[types[int(m.group(1))]] = (size, align)
        elif cursor.kind == CursorKind.STRUCT_DECL and cursor.spelling == host and cursor.is_definition():
            placed = layout_of(cursor)
    read = sorted({str(inc.include.name) for inc in tu.get_includes()})
    return TreeLayout(build.abi.name, placed, found), read


def _decode(text: str) -> TreeLayout | None:
    try:
        raw: dict[str, Any] = json.loads(text)
        if not _unchanged(raw.get("read")):  # a header of the tree changed since: parse again
            return None
        host = raw["host"]
        placed = (
            StructLayout.from_dict(host)
            if host
            else None
        )
        return TreeLayout(raw["abi"], placed, {k: (v[0], v[1]) for k, v in raw["types"].items()})
    except (ValueError, KeyError, TypeError):
        return None
