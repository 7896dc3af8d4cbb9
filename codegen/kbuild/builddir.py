"""Out-of-tree build directories under the cache, one per (tree, arch); the tree stays clean."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from codegen.errors import InputError
from codegen.kbuild.arches import Arch
from codegen.memo import cache_root

# defconfig alone leaves the hidden PAGE_POOL off; VETH selects it (and NET_DEVMEM).
ENABLE = ("VETH",)
REQUIRED = ("CONFIG_PAGE_POOL=y",)
_STAMP = ".mirrorgen-config"


def check_tree(tree: Path) -> None:
    """A kernel source tree that O= builds can use: not configured in place."""
    shown = tree.as_posix()
    if not (tree / "Makefile").is_file() or not (tree / "Kconfig").is_file():
        raise InputError(shown, 1, 1, "not a kernel source tree (no Makefile and Kconfig at its top)")
    if (tree / ".config").exists() or (tree / "include" / "config").exists():
        raise InputError(
            shown,
            1,
            1,
            "the tree was configured in place; out-of-tree (O=) builds need a "
            "clean source tree: run `make mrproper` in it",
        )


def kernel_version(tree: Path) -> tuple[int, int]:
    """VERSION and PATCHLEVEL from the tree's top Makefile."""
    values: dict[str, int] = {}
    with (tree / "Makefile").open(encoding="utf-8", errors="replace") as makefile:
        for line in makefile:
            key, _, value = line.partition("=")
            if key.strip() in ("VERSION", "PATCHLEVEL") and value.strip().isdigit():
                values[key.strip()] = int(value)
            if len(values) == 2:
                return values["VERSION"], values["PATCHLEVEL"]
    raise InputError((tree / "Makefile").as_posix(), 1, 1, "no VERSION and PATCHLEVEL in the kernel Makefile")


def build_root(tree: Path) -> Path:
    """Keyed by the tree's real path: object files and .cmd files name it, so trees cannot share."""
    real = tree.resolve()
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:12]
    return cache_root() / "kbuild" / f"{real.name}-{digest}"


def config_fresh(tree: Path, out: Path, arch: Arch) -> bool:
    """The .config exists, is newer than its inputs and was made with today's options.

    Kconfig edits are make's business (its syncconfig reruns on them); this
    only decides whether defconfig + our options must run again.
    """
    try:
        config = (out / ".config").stat().st_mtime_ns
        stamp = (out / _STAMP).read_text(encoding="utf-8")
        inputs = [(tree / arch.defconfig).stat().st_mtime_ns, (tree / "Makefile").stat().st_mtime_ns]
    except OSError:
        return False
    return stamp == _stamp_text(arch) and config > max(inputs)


def mark_configured(out: Path, arch: Arch) -> None:
    (out / _STAMP).write_text(_stamp_text(arch), encoding="utf-8")


def missing_options(out: Path) -> list[str]:
    lines = set((out / ".config").read_text(encoding="utf-8", errors="replace").splitlines())
    return [opt for opt in REQUIRED if opt not in lines]


def _stamp_text(arch: Arch) -> str:
    return f"{arch.name} {arch.defconfig} +{' +'.join(ENABLE)}\n"
