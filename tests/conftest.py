"""Shared fixtures: real kernel trees from Debian packages, and loud failure under CI.

A test that needs an external part (a kernel tree, a cross compiler, libclang)
skips on a developer machine that lacks it, but fails under CI=true: CI must
exercise the real thing, never silently pass without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen.memo import cache_root  # where scripts/fetch-kernels puts trees too

ROOT = Path(__file__).resolve().parent.parent
FETCH = ROOT / "scripts" / "fetch-kernels"
# The kernel trees stay shared: read where they are before the session's private memo below
# replaces MIRRORGEN_CACHE. Point MIRRORGEN_CACHE at a cache whose kernels/6.12 and kernels/sid
# are (or link to) trees you already have, and nothing is fetched.
KERNELS = cache_root() / "kernels"

TREE_FIXTURES = ("tree_612", "tree_sid", "prepatch_612_spec", "vmlinux_sid")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a kernel tree may have to download it first: it is a `network` test."""
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in TREE_FIXTURES):
            item.add_marker(pytest.mark.network)


@pytest.fixture(scope="session", autouse=True)
def private_memo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session gets its own memo: tests never read or fill the developer's, so a
    stale or foreign entry cannot make a test pass (tests may still set their own)."""
    path = tmp_path_factory.mktemp("mirrorgen-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIRRORGEN_CACHE", str(path))
        yield path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the committed specs/ and generated/, as the working directory."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    return tmp_path


def unavailable(what: str) -> None:
    """Skip locally, fail under CI: CI must not pass without the real part."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required for CI but unavailable: {what}")
    pytest.skip(f"unavailable: {what}")


def _tree(name: str) -> Path:
    link = KERNELS / name
    if not (link / "include" / "net" / "netmem.h").is_file():
        env = {**os.environ, "MIRRORGEN_CACHE": str(KERNELS.parent)}
        proc = subprocess.run([str(FETCH), name], capture_output=True, text=True, check=False, env=env)
        if proc.returncode != 0:
            unavailable(f"kernel tree {name}: {proc.stderr.strip()[-300:]}")
    return link.resolve()


@pytest.fixture(scope="session")
def tree_612() -> Path:
    """The pristine 6.12 LTS tree (pre-patch netmem.h). Never modify it: copy first."""
    return _tree("6.12")


@pytest.fixture(scope="session")
def tree_sid() -> Path:
    """The newest tree in sid (7.2 today; current upstream netmem.h). Never modify it."""
    return _tree("sid")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"program {name}")
    assert path is not None
    return path


PREPATCH_612 = ROOT / "tests" / "specs" / "netmem-linux-6.12-prepatch.yaml"


@pytest.fixture(scope="session")
def prepatch_612_spec(tree_612: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pre-patch spec, completed with the comment above NET_IOV_ASSERT_OFFSET taken from
    the fetched 6.12 header: that comment is kernel text, which the repository does not carry."""
    header = (tree_612 / "include" / "net" / "netmem.h").read_text(encoding="utf-8")
    lines = header.splitlines()
    define = next(i for i, line in enumerate(lines) if line.startswith("#define NET_IOV_ASSERT_OFFSET"))
    start = define - 1
    while not lines[start].startswith("/*"):
        start -= 1
    comment = "".join(f"      {line}\n" for line in lines[start:define])
    text = PREPATCH_612.read_text(encoding="utf-8")
    model = ROOT / "specs" / "hosts" / "page.yaml"
    text = text.replace("model: ../../specs/hosts/page.yaml", f"model: {model}")
    spec = tmp_path_factory.mktemp("prepatch") / PREPATCH_612.name
    spec.write_text(text.rstrip("\n") + "\n    comment: |\n" + comment, encoding="utf-8")
    return spec


FETCH_VMLINUX = ROOT / "scripts" / "fetch-vmlinux"


@pytest.fixture(scope="session")
def vmlinux_sid(tree_sid: Path) -> Path:
    """Debian sid's compiled cloud-amd64 kernel as an ELF vmlinux (with .BTF), extracted by the
    sid tree's own scripts/extract-vmlinux (scripts/fetch-vmlinux). Never modify it."""
    link = KERNELS / "vmlinux-sid"
    if not link.is_file():
        env = {**os.environ, "MIRRORGEN_CACHE": str(KERNELS.parent)}
        proc = subprocess.run([str(FETCH_VMLINUX)], capture_output=True, text=True, check=False, env=env)
        if proc.returncode != 0 or not link.is_file():
            unavailable(f"Debian sid vmlinux: {proc.stderr.strip()[-300:]}")
    return link.resolve()
