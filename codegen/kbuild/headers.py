"""A tree's generated headers per arch, made the kernel's way, for libclang to parse its real headers.

The same O= directories as the build (configured by defconfig and our
options), then `make prepare0`: the config headers, the arch's generated
headers, bounds.h and asm-offsets.h, without building any object. Done once
per configuration; a stamp newer than `.config` says it is current.
"""

from __future__ import annotations

from pathlib import Path

from codegen.errors import ToolError
from codegen.kbuild import builddir
from codegen.kbuild.arches import Arch
from codegen.kbuild.build import Say, configure, make
from codegen.kbuild.tools import check_tools

_STAMP = ".mirrorgen-prepared"


def prepared(tree: Path, arch: Arch, say: Say) -> Path:
    """The arch's O= directory with the generated headers in place (made now if missing or stale)."""
    builddir.check_tree(tree)
    out = builddir.build_root(tree) / arch.name
    out.mkdir(parents=True, exist_ok=True)
    log = out / "mirrorgen.log"
    fresh = builddir.config_fresh(tree, out, arch)
    stamp = out / _STAMP
    try:
        current = fresh and stamp.stat().st_mtime_ns >= (out / ".config").stat().st_mtime_ns
    except OSError:
        current = False
    if current:
        return out
    check_tools([arch])  # only when make must run: a warm verify --tree starts no program
    if not fresh:
        failure = configure(tree, out, arch, log, say)
        if failure is not None:
            raise ToolError(f"{arch.name}: configuring {tree} failed in {failure[0]} (see {log})")
    say(f"{arch.name}: generating the tree's headers (make prepare0)")
    code, _ = make(tree, out, arch, ["prepare0"], log)
    if code:
        raise ToolError(f"{arch.name}: make prepare0 failed for {tree} (see {log})")
    stamp.write_text("prepare0\n", encoding="utf-8")
    return out
