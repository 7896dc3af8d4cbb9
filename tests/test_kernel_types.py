"""The built-in kernel types through `propose --add`: every listed type is accepted on the
6.12 spec (real git, real libclang on 11 ABIs); an unknown one is exit 2 with the spec untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool

SPEC = "tests/specs/netmem-linux-6.12.yaml"
TYPES = [
    *(f"{p}{n}" for p in ("u", "s", "__u", "__s") for n in (8, 16, 32, 64)),
    *(f"__{e}{n}" for e in ("le", "be") for n in (16, 32, 64)),
    "bool", "size_t", "ssize_t", "pgoff_t", "gfp_t", "atomic_t", "atomic64_t", "atomic_long_t",
    "refcount_t", "dma_addr_t", "phys_addr_t", "netmem_ref", "spinlock_t",
    "struct list_head", "struct rcu_head", "struct llist_node",
]  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git = require_tool("git")
    (tmp_path / "tests" / "specs").mkdir(parents=True)
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copy(ROOT / SPEC, tmp_path / SPEC)
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "s"],
    ):
        subprocess.run([git, "-C", str(tmp_path), *args], check=True, capture_output=True)
    return tmp_path


def propose(repo: Path, decl: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "codegen", "propose", SPEC, "--add", decl, "--to", "net_iov"]
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_every_listed_type_can_be_added(repo: Path) -> None:
    original = (repo / SPEC).read_bytes()
    for ctype in TYPES:
        (repo / SPEC).write_bytes(original)
        proc = propose(repo, f"{ctype} x")
        assert proc.returncode == 0, (ctype, proc.stdout[-400:], proc.stderr)
        assert f"x ({ctype}) is added to struct net_iov" in proc.stderr, ctype


def test_an_unknown_type_is_bad_input_and_writes_nothing(repo: Path) -> None:
    before = (repo / SPEC).read_bytes()
    proc = propose(repo, "foo_t x")
    assert proc.returncode == 2
    assert proc.stderr.endswith(": unknown type foo_t: give --tree KDIR so it can be read from the kernel\n")
    assert proc.stderr.startswith(f"{SPEC}:") and len(proc.stderr.splitlines()) == 1
    assert (repo / SPEC).read_bytes() == before
