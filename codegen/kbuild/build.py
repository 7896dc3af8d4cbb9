"""One arch's kernel build: configure once, then let make rebuild what changed."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codegen.kbuild import builddir, probe
from codegen.kbuild.arches import Arch

Say = Callable[[str], None]


@dataclass(frozen=True)
class ArchResult:
    arch: Arch
    out: Path  # the O= build directory
    ok: bool
    seconds: float
    configured: bool  # defconfig ran this time (a cold or stale build dir)
    failed_step: str | None
    output: str  # what make printed in the failing step
    probe_dir: Path | None


def build_arch(
    tree: Path, arch: Arch, objects: Sequence[str], probe_source: str | None, say: Say
) -> ArchResult:
    start = time.monotonic()
    out = builddir.build_root(tree) / arch.name
    out.mkdir(parents=True, exist_ok=True)
    log = out / "mirrorgen.log"
    log.write_text("", encoding="utf-8")
    probe_dir = out.parent / f"{arch.name}-probe" if probe_source is not None else None

    def result(ok: bool, configured: bool, step: str | None = None, output: str = "") -> ArchResult:
        return ArchResult(arch, out, ok, time.monotonic() - start, configured, step, output, probe_dir)

    configured = not builddir.config_fresh(tree, out, arch)
    if configured:
        failure = configure(tree, out, arch, log, say)
        if failure is not None:
            return result(False, True, *failure)
    say(f"{arch.name}: building {' '.join(objects)}")
    code, output = _run(_make(tree, out, arch, [f"-j{os.cpu_count() or 1}", *objects]), log)
    if code:
        return result(False, configured, "build", output)
    if probe_source is not None and probe_dir is not None:
        say(f"{arch.name}: compiling the host-model probe")
        probe.write_probe(probe_dir, probe_source)
        code, output = _run(_make(tree, out, arch, [f"M={probe_dir}", probe.OBJECT]), log)
        if code:
            return result(False, configured, "probe", output)
    return result(True, configured)


def configure(
    tree: Path, out: Path, arch: Arch, log: Path, say: Say, after_tools: Callable[[], None] | None = None
) -> tuple[str, str] | None:
    """The arch's defconfig with our options, completed by syncconfig: None, or the failing step
    and its output.

    One Kconfig evaluation instead of three: the .config starts as the arch's
    defconfig file plus `CONFIG_<OPTION>=y` lines, and syncconfig gives every
    other symbol its default (what defconfig and olddefconfig do) and also
    writes the config headers, which the build would otherwise make with a
    third evaluation. The result is the .config and autoconf.h of `make
    defconfig`, `scripts/config --enable`, `make olddefconfig` (tests/test_kbuild.py
    compares them). syncconfig builds the host tools (fixdep, conf) it needs;
    with `after_tools`, they are built first (`build_config`) and it runs,
    so other arches can copy them while this one evaluates Kconfig.
    """
    say(f"{arch.name}: configuring ({arch.defconfig}, then enable {', '.join(builddir.ENABLE)})")
    try:
        builddir.write_start_config(tree, out, arch)
    except OSError as exc:
        return "config", f"cannot write {out / '.config'}: {exc}"
    jobs = f"-j{os.cpu_count() or 1}"
    if after_tools is not None:  # kconfig's own target for conf alone, without evaluating Kconfig
        code, output = _run(_make(tree, out, arch, [jobs, "build_config"]), log)
        after_tools()
        if code:
            return "build_config", output
    code, output = _run(_make(tree, out, arch, [jobs, "syncconfig"]), log)
    if code:
        return "syncconfig", output
    missing = builddir.missing_options(out)
    if missing:
        return "config", f"still off after syncconfig: {', '.join(missing)}"
    builddir.mark_configured(out, arch)
    return None


def make(tree: Path, out: Path, arch: Arch, args: list[str], log: Path) -> tuple[int, str]:
    """One make run in the arch's O= directory, logged."""
    return _run(_make(tree, out, arch, args), log)


def run_logged(argv: list[str], log: Path) -> tuple[int, str]:
    """Run a command with the build's locale, its output appended to the log."""
    return _run(argv, log)


def _make(tree: Path, out: Path, arch: Arch, args: list[str]) -> list[str]:
    return ["make", "-C", str(tree), f"O={out}", *arch.make_vars(), *args]


def _run(argv: list[str], log: Path) -> tuple[int, str]:
    # gcc's messages in English with ASCII quotes. The kernel's Makefile unexports
    # LC_ALL, so the locale is set through the variables it passes on.
    env = {**os.environ, "LANG": "C", "LC_CTYPE": "C", "LC_MESSAGES": "C"}
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, errors="replace", env=env, check=False)
    output = proc.stdout + proc.stderr
    took = f"[{time.monotonic() - start:.2f} s, exit {proc.returncode}]"  # where a cold build's time goes
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(argv)}\n{output}\n{took}\n")
    return proc.returncode, output
