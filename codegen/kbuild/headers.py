"""A tree's generated headers per arch, made the kernel's way, for libclang to parse its real headers.

The same O= directories as the build (the arch's defconfig with our
options, completed by syncconfig), then the kernel's `prepare0` with the host
programs that no header needs left out (templates/verify/headers.mk.j2):
the config headers, the arch's generated and wrapper headers, bounds.h,
asm-offsets.h, without building any object or tool. fixdep and conf are
host programs, the same for every arch: the first arch to configure builds
them and the others get copies. A stamp records the inputs make read (from
its own .cmd files); the headers are current while none of them is newer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codegen.cachefiles import store_file
from codegen.errors import ToolError
from codegen.kbuild import builddir
from codegen.kbuild.arches import Arch
from codegen.kbuild.build import Say, configure, run_logged
from codegen.kbuild.inputs import current, record
from codegen.kbuild.tools import check_tools

_STAMP = ".mirrorgen-prepared"
_FRAGMENT = "mirrorgen-headers.mk"
# The phony targets of prepare0's prerequisites that only build host programs.
SKIPPED = ("scripts", "scripts_dtc", "archscripts")


def prepared_all(tree: Path, arches: Sequence[Arch], say: Say) -> list[Path]:
    """Each arch's O= directory with the generated headers in place (made now where missing or stale)."""
    builddir.check_tree(tree)
    root = builddir.build_root(tree)
    outs = {arch.name: root / arch.name for arch in arches}
    fresh = {arch.name: builddir.config_fresh(tree, outs[arch.name], arch) for arch in arches}
    stale = [arch for arch in arches if not (fresh[arch.name] and _current(outs[arch.name]))]
    if not stale:
        return list(outs.values())
    check_tools(stale)  # only when make must run: a warm verify --tree starts no program
    unconfigured = [outs[arch.name] for arch in stale if not fresh[arch.name]]
    donor = _donor(root)
    builder = unconfigured[0] if unconfigured and donor is None else None
    tools = threading.Event()

    def share() -> None:
        try:
            source = donor or builder
            for out in unconfigured:
                if source is not None and out != source:
                    builddir.share_host_tools(source, out)
        finally:
            tools.set()

    if builder is None:
        share()

    def one(arch: Arch) -> None:
        out = outs[arch.name]
        if out != builder:
            tools.wait()
        try:
            _prepare(tree, arch, out, fresh[arch.name], say, share if out == builder else None)
        finally:
            tools.set()  # whatever became of the builder, nobody waits forever

    # Side by side, one make each; the first to configure builds the host tools, the others copy them.
    with ThreadPoolExecutor(max_workers=len(stale)) as pool:
        list(pool.map(one, stale))
    return list(outs.values())


def _donor(root: Path) -> Path | None:
    """An O= directory of this tree whose host tools are built (any arch's: they are host programs)."""
    try:
        dirs = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return None
    return next((d for d in dirs if builddir.has_host_tools(d)), None)


def prepared(tree: Path, arch: Arch, say: Say) -> Path:
    """One arch's O= directory with the generated headers in place."""
    return prepared_all(tree, [arch], say)[0]


def _current(out: Path) -> bool:
    try:
        if (out / _STAMP).stat().st_mtime_ns < (out / ".config").stat().st_mtime_ns:
            return False
    except OSError:
        return False
    return current(out / _STAMP)


def _prepare(tree: Path, arch: Arch, out: Path, fresh: bool, say: Say, tools_built: Callable[[], None] | None
) -> None:
    from codegen.render import render

    out.mkdir(parents=True, exist_ok=True)
    log = out / "mirrorgen.log"
    if not fresh:
        failure = configure(tree, out, arch, log, say, tools_built)
        if failure is not None:
            raise ToolError(f"{arch.name}: configuring {tree} failed in {failure[0]} (see {log})")
    say(f"{arch.name}: generating the tree's headers (make prepare0, no host programs)")
    fragment = out / _FRAGMENT
    text = render("verify/headers.mk.j2", skipped=SKIPPED)
    if not fragment.is_file() or fragment.read_text(encoding="utf-8") != text:
        store_file(fragment, text.encode())
    # Run in the O= directory through its Makefile, without the kernel's second make (which
    # would not read our fragment): --no-print-directory is what tells the kernel it is there.
    argv = [
        "make", "-C", str(out), "--no-print-directory", "-f", str(out / "Makefile"), "-f", str(fragment),
        *arch.make_vars(), f"-j{os.cpu_count() or 1}", "prepare0",
    ]  # fmt: skip
    code, _ = run_logged(argv, log)
    if code:
        raise ToolError(f"{arch.name}: make prepare0 failed for {tree} (see {log})")
    record(out, out / _STAMP, tree)
