"""UsageError split: bad input without a location vs a tool that is missing or failed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.errors import BadUsage, ToolError, UsageError
from codegen.kbuild.arches import parse_arches
from codegen.verify.abis import parse_abis


def test_unknown_abi_and_arch_are_bad_usage() -> None:
    with pytest.raises(BadUsage, match="unknown ABI 'vax'"):
        parse_abis("vax")
    with pytest.raises(BadUsage, match="unknown arch 'vax'"):
        parse_arches("vax")


def test_missing_git_is_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """propose without git on PATH: one line naming the tool, exit 2 as before."""
    spec = Path(__file__).resolve().parent.parent / "specs" / "netmem.yaml"
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "propose", str(spec)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert (
        proc.stderr
        == "mirrorgen propose: error: git is not installed; propose compares the spec with its git history\n"
    )

    from codegen.propose.history import _git

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError) as raised:
        _git(tmp_path, "status")
    assert isinstance(raised.value, UsageError) and not isinstance(raised.value, BadUsage)
