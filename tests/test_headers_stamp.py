"""The stamp that says a build directory's generated headers are current (codegen/kbuild/inputs.py):
it lists what make recorded as inputs in its .cmd files, and any of them changing or vanishing
makes the headers stale. A synthetic build directory, in make's own record format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen.kbuild.inputs import current, record


def _later(path: Path, stamp: Path) -> None:
    made = stamp.stat().st_mtime_ns
    os.utime(path, ns=(made + 10**9, made + 10**9))


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    tree, out = tmp_path / "tree", tmp_path / "out"
    (tree / "kernel").mkdir(parents=True)
    (tree / "include" / "linux").mkdir(parents=True)
    (tree / "kernel" / "bounds.c").write_text("int x;\n")
    (tree / "include" / "linux" / "mm_types.h").write_text("struct page;\n")
    (tree / "Kconfig").write_text("config X\n")
    (out / "kernel").mkdir(parents=True)
    (out / "include" / "config").mkdir(parents=True)
    (out / "include" / "generated").mkdir(parents=True)
    (out / "include" / "generated" / "autoconf.h").write_text("#define CONFIG_X 1\n")
    (out / "kernel" / ".bounds.s.cmd").write_text(
        f"savedcmd_kernel/bounds.s := gcc -o kernel/bounds.s {tree}/kernel/bounds.c\n\n"
        f"source_kernel/bounds.s := {tree}/kernel/bounds.c\n\n"
        f"deps_kernel/bounds.s := \\\n  {tree}/include/linux/mm_types.h \\\n"
        "    $(wildcard include/config/X) \\\n  include/generated/autoconf.h \\\n\n"
        "kernel/bounds.s: $(deps_kernel/bounds.s)\n\n$(deps_kernel/bounds.s):\n"
    )
    (out / "include" / "config" / "auto.conf.cmd").write_text("deps_config := \\\n\tKconfig\n")
    (out / "scripts").mkdir()
    (tree / "scripts" / "basic").mkdir(parents=True)
    (tree / "scripts" / "basic" / "fixdep.c").write_text("int main;\n")
    (out / "scripts" / ".fixdep.cmd").write_text(f"source_fixdep := {tree}/scripts/basic/fixdep.c\n")
    stamp = out / ".mirrorgen-prepared"
    record(out, stamp, tree)
    return tree, out, stamp


def test_the_stamp_lists_make_s_recorded_inputs(tmp_path: Path) -> None:
    tree, out, stamp = _setup(tmp_path)
    listed = set(stamp.read_text().splitlines())
    assert listed == {
        str(tree / "kernel" / "bounds.c"),
        str(tree / "include" / "linux" / "mm_types.h"),
        str(out / "include" / "generated" / "autoconf.h"),
        str(tree / "Kconfig"),
    }
    assert current(stamp)


@pytest.mark.parametrize(
    "changed", ["tree/include/linux/mm_types.h", "tree/Kconfig", "out/include/generated/autoconf.h"]
)
def test_a_changed_input_makes_the_headers_stale(tmp_path: Path, changed: str) -> None:
    _, _, stamp = _setup(tmp_path)
    _later(tmp_path / changed, stamp)
    assert not current(stamp)


def test_a_vanished_input_makes_the_headers_stale(tmp_path: Path) -> None:
    tree, _, stamp = _setup(tmp_path)
    (tree / "kernel" / "bounds.c").unlink()
    assert not current(stamp)


def test_a_host_tool_s_input_is_not_listed(tmp_path: Path) -> None:
    """Under scripts/ make builds host programs, not headers: their inputs do not stale them."""
    tree, _, stamp = _setup(tmp_path)
    assert str(tree / "scripts" / "basic" / "fixdep.c") not in stamp.read_text().splitlines()
    _later(tree / "scripts" / "basic" / "fixdep.c", stamp)
    assert current(stamp)


def test_an_empty_or_damaged_stamp_is_stale(tmp_path: Path) -> None:
    _, _, stamp = _setup(tmp_path)
    stamp.write_text("")
    assert not current(stamp)
    stamp.write_bytes(b"\xff\xfe")
    assert not current(stamp)
    stamp.unlink()
    assert not current(stamp)
