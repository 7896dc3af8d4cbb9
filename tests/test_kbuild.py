"""`mirrorgen kbuild`: the kernel's own build on real trees, for x86_64, i386 and arm64.

Trees are hard-linked copies (`cp -al`) of the cached Debian trees, made once
per session under pytest's base temp and shared with
tests/test_hostmodel_kernel.py, as is the build cache (MIRRORGEN_CACHE), so
each tree is configured and built cold once per session. A test that changes
a copy's header puts the pristine text back (by rename, with a new mtime, so
make rebuilds).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.errors import UsageError
from tests.conftest import ROOT, unavailable

ARCHES = "x86_64,i386,arm64"
HEADER = "include/net/netmem.h"


def require_build_tools() -> None:
    from codegen.kbuild.arches import parse_arches
    from codegen.kbuild.tools import check_tools

    try:
        check_tools(parse_arches(ARCHES))
    except UsageError as exc:
        unavailable(str(exc))


def cache(factory: pytest.TempPathFactory) -> Path:
    return factory.getbasetemp() / "mirrorgen-cache"


def tree_copy(factory: pytest.TempPathFactory, pristine: Path, name: str) -> Path:
    """A hard-linked copy of a cached tree, one per session (mirrorgen writes by rename)."""
    dest = factory.getbasetemp() / "trees" / name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(pristine), str(dest)], check=True)
    return dest


def restore(copy: Path, pristine: Path, relpath: str) -> None:
    """Put the pristine text back as a new file (new inode, new mtime: make sees the change)."""
    tmp = copy / f"{relpath}.restore"
    shutil.copyfile(pristine / relpath, tmp)
    os.replace(tmp, copy / relpath)


def mirrorgen(*args: str, cache_dir: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIRRORGEN_CACHE": str(cache_dir)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def kbuild(copy: Path, cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return mirrorgen("kbuild", "--tree", str(copy), "--arch", ARCHES, *args, cache_dir=cache_dir)


def build_dir(cache_dir: Path, copy: Path, arch: str) -> Path:
    from codegen.kbuild.builddir import build_root

    old = os.environ.get("MIRRORGEN_CACHE")
    os.environ["MIRRORGEN_CACHE"] = str(cache_dir)
    try:
        return build_root(copy) / arch
    finally:
        if old is None:
            del os.environ["MIRRORGEN_CACHE"]
        else:
            os.environ["MIRRORGEN_CACHE"] = old


def assert_tree_clean(copy: Path, pristine: Path) -> None:
    assert not (copy / ".config").exists() and not (copy / "include" / "config").exists()
    assert not list((copy / "net" / "core").glob("*.o"))
    assert not (pristine / ".config").exists()


def swapped(spec: Path, tmp_path: Path) -> Path:
    """The spec with pp and _pp_mapping_pad swapped; its host model path made absolute."""
    text = spec.read_text(encoding="utf-8")
    pp = "    - {name: pp, type: struct page_pool *}\n"
    pad = "    - {name: _pp_mapping_pad, type: unsigned long}\n"
    assert text.count(pp + pad) == 1 and text.count("model: ../../specs/hosts/page.yaml") == 1
    text = text.replace(pp + pad, pad + pp)
    text = text.replace(
        "model: ../../specs/hosts/page.yaml", f"model: {ROOT / 'specs' / 'hosts' / 'page.yaml'}"
    )
    out = tmp_path / "swapped-6.12.yaml"
    out.write_text(text, encoding="utf-8")
    return out


@pytest.mark.slow
@pytest.mark.kbuild
def test_sid_tree_builds_on_three_arches_then_reruns_incrementally(
    tree_sid: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    require_build_tools()
    copy, cache_dir = tree_copy(tmp_path_factory, tree_sid, "sid"), cache(tmp_path_factory)
    spec = "tests/specs/netmem-linux-7.2.yaml"
    first = kbuild(copy, cache_dir, spec, "--format", "json")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    doc = json.loads(first.stdout)
    assert [(a["arch"], a["ok"]) for a in doc["arches"]] == [
        ("x86_64", True),
        ("i386", True),
        ("arm64", True),
    ]
    assert doc["objects"] == ["net/core/skbuff.o", "net/core/page_pool.o"]
    objects = {
        arch: build_dir(cache_dir, copy, arch) / "net" / "core" / "skbuff.o" for arch in ARCHES.split(",")
    }
    stamps = {arch: path.stat().st_mtime_ns for arch, path in objects.items()}
    assert_tree_clean(copy, tree_sid)

    again = kbuild(copy, cache_dir, spec, "--format", "json")
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = json.loads(again.stdout)["arches"]
    assert [a["configured"] for a in rerun] == [False, False, False]  # defconfig skipped
    assert {arch: path.stat().st_mtime_ns for arch, path in objects.items()} == stamps  # nothing rebuilt
    for arch in ARCHES.split(","):
        assert f"kbuild: {arch}: building net/core/skbuff.o net/core/page_pool.o" in again.stderr  # progress


@pytest.mark.slow
@pytest.mark.kbuild
def test_612_after_apply_builds_and_a_swapped_spec_fails_naming_the_assert(
    tree_612: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    require_build_tools()
    import importlib.util

    if importlib.util.find_spec("codegen.commands.apply") is None:
        unavailable("mirrorgen apply (tree mode)")
    copy, cache_dir = tree_copy(tmp_path_factory, tree_612, "6.12"), cache(tmp_path_factory)
    spec = ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml"
    bad = swapped(spec, tmp_path)
    try:
        applied = mirrorgen("apply", "--tree", str(copy), str(spec), cache_dir=cache_dir)
        assert applied.returncode == 0, applied.stderr
        assert "struct netmem_desc {" in (copy / HEADER).read_text(encoding="utf-8")
        good = kbuild(copy, cache_dir, str(spec))
        assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
        assert "ok on x86_64, i386, arm64" in good.stdout

        applied = mirrorgen("apply", "--tree", str(copy), str(bad), cache_dir=cache_dir)
        assert applied.returncode == 0, applied.stderr
        failed = kbuild(copy, cache_dir, str(bad))
        assert failed.returncode == 1, failed.stdout[-3000:]
        assert "FAILED on x86_64, i386, arm64" in failed.stdout
        findings = [line for line in failed.stderr.splitlines() if line.endswith("[assert-failed]")]
        lines = bad.read_text(encoding="utf-8").split("\n")
        for name in ("pp", "_pp_mapping_pad"):
            line = next(i for i, text in enumerate(lines, start=1) if f"{{name: {name}, " in text)
            (finding,) = [f for f in findings if f"NETMEM_DESC_ASSERT_OFFSET({name}, {name}) fails on" in f]
            assert finding.startswith(f"{bad}:{line}:")
            assert "fails on x86_64, i386, arm64: gcc: static assertion failed: " in finding
            assert f'"offsetof(struct page, {name}) == offsetof(struct netmem_desc, {name})"' in finding
            assert f"({HEADER}:" in finding
    finally:
        restore(copy, tree_612, HEADER)
    assert (copy / HEADER).read_bytes() == (tree_612 / HEADER).read_bytes()
    assert_tree_clean(copy, tree_612)


@pytest.mark.kbuild
def test_a_missing_cross_compiler_is_named_with_its_package(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "gcc", "bc", "bison", "flex", "perl"):
        found = shutil.which(tool)
        if found is None:
            unavailable(f"program {tool}")
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    fake = tmp_path / "tree"  # enough of a tree to pass the checks that come first
    (fake / "include" / "net").mkdir(parents=True)
    for name in ("Makefile", "Kconfig", HEADER):
        (fake / name).write_text("", encoding="utf-8")
    proc = mirrorgen(
        "kbuild", "--tree", str(fake), "--arch", "x86_64,arm64", cache_dir=tmp_path, path=str(bin_dir)
    )
    assert proc.returncode == 2, proc.stderr
    assert "aarch64-linux-gnu-gcc (for arm64) (Debian package gcc-aarch64-linux-gnu)" in proc.stderr
    assert "apt-get install gcc-aarch64-linux-gnu" in proc.stderr
    assert "x86_64" not in proc.stderr.split("missing for the kernel build:")[1].split("apt-get")[0]


def test_usage_errors(tmp_path: Path) -> None:
    proc = mirrorgen("kbuild", "--tree", str(tmp_path), "--arch", "sparc", cache_dir=tmp_path)
    assert proc.returncode == 2 and "unknown arch 'sparc' (known: x86_64, i386, arm64)" in proc.stderr
    proc = mirrorgen("kbuild", "--tree", str(tmp_path), "--arch", "x86_64", cache_dir=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith(f"{tmp_path}:1:1: not a kernel source tree")
    for name in ("Makefile", "Kconfig", ".config"):
        (tmp_path / name).write_text("", encoding="utf-8")
    proc = mirrorgen("kbuild", "--tree", str(tmp_path), "--arch", "x86_64", cache_dir=tmp_path)
    assert proc.returncode == 2 and "configured in place" in proc.stderr and "make mrproper" in proc.stderr


@pytest.mark.slow
@pytest.mark.kbuild
def test_one_kconfig_evaluation_gives_what_defconfig_and_olddefconfig_give(
    tree_sid: Path, tmp_path: Path
) -> None:
    """kbuild configures with the defconfig file plus its options, completed by syncconfig; the
    kernel's documented way (make defconfig, scripts/config --enable, make olddefconfig, then
    the build's syncconfig) must give the same .config and autoconf.h, byte for byte."""
    from codegen.kbuild import builddir
    from codegen.kbuild.arches import ARCHES as KNOWN
    from codegen.kbuild.build import configure

    require_build_tools()
    arch = KNOWN["x86_64"]
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for out in (ours, theirs):
        out.mkdir()
    assert configure(tree_sid, ours, arch, ours / "log", lambda _: None) is None
    env = {**os.environ, "LANG": "C"}
    make = ["make", "-s", "-C", str(tree_sid), f"O={theirs}", *arch.make_vars()]
    subprocess.run([*make, "defconfig"], check=True, capture_output=True, env=env)
    options = [arg for opt in builddir.ENABLE for arg in ("--enable", opt)]
    script = str(tree_sid / "scripts" / "config")
    subprocess.run([script, "--file", str(theirs / ".config"), *options], check=True)
    subprocess.run([*make, "olddefconfig"], check=True, capture_output=True, env=env)
    subprocess.run([*make, "syncconfig"], check=True, capture_output=True, env=env)
    for name in (".config", "include/generated/autoconf.h"):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
