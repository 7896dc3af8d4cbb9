"""The tree's file stays the user's: owner, group, mode and xattrs survive `apply`; refusals write nothing."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.place.atomic import remove_stale_temps, temp_name, write_if_changed
from tests.conftest import ROOT

HEADER = Path("include/net/netmem.h")
SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"


@pytest.fixture
def drifted(tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_sid / ".clang-format", tree / ".clang-format")
    text = (tree_sid / HEADER).read_bytes().replace(b"\tenum net_iov_type type;\n", b"")
    (tree / HEADER).write_bytes(text)
    return tree


def _xattrs_supported(path: Path) -> bool:
    try:
        os.setxattr(path, "user.mirrorgen-probe", b"1")
        os.removexattr(path, "user.mirrorgen-probe")
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return False
        raise
    return True


def test_apply_keeps_mode_owner_group_and_xattrs(drifted: Path) -> None:
    header = drifted / HEADER
    os.chmod(header, 0o640)
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(header, 1234, 5678)  # someone else's file, rewritten by root
    xattrs = _xattrs_supported(header)
    if xattrs:
        os.setxattr(header, "user.origin", b"kept")
    before = os.stat(header)
    assert main(["apply", "--tree", str(drifted), str(SPEC_72)]) == 0
    after = os.stat(header)
    assert after.st_ino != before.st_ino  # replaced (temp + rename), not written in place
    assert b"\tenum net_iov_type type;\n" in header.read_bytes()
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    if as_root:
        assert (after.st_uid, after.st_gid) == (1234, 5678)
    if xattrs:
        assert os.getxattr(header, "user.origin") == b"kept"


def test_a_new_output_is_0644_and_temp_names_are_recognisable(tmp_path: Path) -> None:
    target = tmp_path / "new" / "netmem.h"
    assert write_if_changed(target, b"x\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert not write_if_changed(target, b"x\n")
    assert temp_name("netmem.h", 42) == ".netmem.h.mirrorgen-42.tmp"


def test_only_dead_processes_temp_files_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / temp_name("netmem.h", 999_999_999)
    alive = tmp_path / temp_name("netmem.h", os.getppid())  # a running process's write in progress
    other = tmp_path / temp_name("other.h", 999_999_999)  # not ours to touch
    foreign = tmp_path / ".netmem.h.Xy12ab.tmp"  # some other tool's temp file
    for path in (dead, alive, other, foreign):
        path.write_bytes(b"half")
    assert remove_stale_temps(tmp_path, "netmem.h") == [dead]
    assert alive.exists() and other.exists() and foreign.exists()


def test_generate_refuses_its_own_spec_as_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    out = tmp_path / "out"
    out.mkdir()
    (out / "netmem.h").symlink_to(tmp_path / "specs" / "netmem.yaml")
    spec = (tmp_path / "specs" / "netmem.yaml").read_bytes()
    assert main(["generate", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("out/netmem.h:1:1: is one of this command's inputs")
    assert (tmp_path / "specs" / "netmem.yaml").read_bytes() == spec


def test_a_symlinked_output_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.h"
    real.write_bytes(b"old\n")
    link = tmp_path / "netmem.h"
    link.symlink_to(real)
    assert write_if_changed(link, b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"
