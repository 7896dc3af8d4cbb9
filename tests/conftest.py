"""Shared fixtures: real kernel trees from Debian packages, and loud failure under CI.

A test that needs an external part (a kernel tree, a cross compiler, libclang)
skips on a developer machine that lacks it, but fails under CI=true: CI must
exercise the real thing, never silently pass without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.memo import cache_root  # where scripts/fetch-kernels puts trees too

ROOT = Path(__file__).resolve().parent.parent
FETCH = ROOT / "scripts" / "fetch-kernels"


def unavailable(what: str) -> None:
    """Skip locally, fail under CI: CI must not pass without the real part."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required for CI but unavailable: {what}")
    pytest.skip(f"unavailable: {what}")


def _tree(name: str) -> Path:
    link = cache_root() / "kernels" / name
    if not (link / "include" / "net" / "netmem.h").is_file():
        proc = subprocess.run([str(FETCH), name], capture_output=True, text=True, check=False)
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
