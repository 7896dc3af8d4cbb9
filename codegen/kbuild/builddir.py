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


def write_start_config(tree: Path, out: Path, arch: Arch) -> None:
    """The .config syncconfig completes: the arch's defconfig file, then our options switched on."""
    base = (tree / arch.defconfig).read_bytes()
    if base and not base.endswith(b"\n"):
        base += b"\n"
    options = "".join(f"CONFIG_{opt}=y\n" for opt in ENABLE).encode()
    store = out / ".config"
    tmp = out / f"..config.mirrorgen-{os.getpid()}.tmp"
    tmp.write_bytes(base + options)
    os.replace(tmp, store)


def mark_configured(out: Path, arch: Arch) -> None:
    (out / _STAMP).write_text(_stamp_text(arch), encoding="utf-8")


def missing_options(out: Path) -> list[str]:
    lines = set((out / ".config").read_text(encoding="utf-8", errors="replace").splitlines())
    return [opt for opt in REQUIRED if opt not in lines]


def _stamp_text(arch: Arch) -> str:
    return f"{arch.name} {arch.defconfig} +{' +'.join(ENABLE)}\n"


# The host programs configuring needs; built from the tree alone, the same for every arch.
_HOST_TOOLS = ("scripts/basic", "scripts/kconfig")


def has_host_tools(out: Path) -> bool:
    scripts = out / "scripts"
    return (scripts / "basic" / "fixdep").is_file() and (scripts / "kconfig" / "conf").is_file()


def share_host_tools(source: Path, out: Path) -> None:
    """Copy fixdep and conf, with their objects and make's .cmd records, from another arch's O=
    directory of the same tree, keeping mtimes so make finds them up to date; each file lands by
    rename (a torn copy is absent, and make rebuilds it). Nothing is copied over existing tools."""
    import shutil

    if not has_host_tools(source) or has_host_tools(out):
        return
    for sub in _HOST_TOOLS:
        for directory, _, files in os.walk(source / sub):
            target = out / Path(directory).relative_to(source)
            target.mkdir(parents=True, exist_ok=True)
            for name in files:
                tmp = target / f".{name}.mirrorgen-{os.getpid()}.tmp"
                shutil.copy2(Path(directory, name), tmp)
                os.replace(tmp, target / name)
