"""The CI recipes of docs/ci.md: the shell script end to end on a real kernel header,
and the GitHub workflow parsed, its commands checked and its drift step run.

The kernel header is the sid tree's include/net/netmem.h, copied: the cached
tree itself is never written (its hash is checked before and after).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.cli import COMMANDS
from tests.conftest import ROOT, require_tool

SCRIPT = ROOT / "scripts" / "ci-check.sh"
SPEC = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"
HEADER = "include/net/netmem.h"
DROPPED = "NETMEM_DESC_ASSERT_OFFSET(pp_ref_count, pp_ref_count);\n"


def run_script(cwd: Path, *args: str, env: dict[str, str] | None = None
               ) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ci-check.sh NIPA-style: summary on the descriptor named by DESC_FD."""
    desc = cwd.parent / "desc.txt"
    with desc.open("w", encoding="utf-8") as sink:
        full_env = {**os.environ, "DESC_FD": str(sink.fileno()),
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                    "MIRRORGEN_CACHE": str(cwd.parent / "cache"), **(env or {})}
        proc = subprocess.run([require_tool("bash"), str(SCRIPT), *args], cwd=cwd, env=full_env,
                              pass_fds=(sink.fileno(),), capture_output=True, text=True, check=False)
    return proc, desc.read_text(encoding="utf-8")


@pytest.fixture
def kdir(tree_sid: Path, tmp_path: Path) -> Path:
    """A tree holding a copy of the sid header (plus the tree's .clang-format)."""
    kdir = tmp_path / "linux"
    (kdir / HEADER).parent.mkdir(parents=True)
    shutil.copyfile(tree_sid / HEADER, kdir / HEADER)
    shutil.copyfile(tree_sid / ".clang-format", kdir / ".clang-format")
    return kdir


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_script_passes_on_the_pristine_tree_and_fails_usefully_on_a_mutated_one(
    tree_sid: Path, kdir: Path
) -> None:
    cached = digest(tree_sid / HEADER)
    proc, desc = run_script(kdir, str(SPEC))
    assert proc.returncode == 0, proc.stdout + proc.stderr + desc
    assert desc == f"mirrorgen: . matches {SPEC}\n"

    text = (kdir / HEADER).read_text(encoding="utf-8")
    line = text[: text.index(DROPPED)].count("\n") + 1
    (kdir / HEADER).write_text(text.replace(DROPPED, "", 1), encoding="utf-8")
    proc, desc = run_script(kdir, str(SPEC))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The log: the diff that puts the assert back, the finding at its line, and the fix.
    assert f"+{DROPPED}" in proc.stdout
    finding = next(x for x in proc.stderr.splitlines() if x.startswith(f"{HEADER}:{line}:"))
    assert "pp_ref_count" in finding and ": error: " in finding
    assert f"to fix, run: mirrorgen apply --tree . {SPEC}" in proc.stderr
    # The one-line summary names the same finding and the fix.
    assert desc.startswith(f"mirrorgen check: 1 finding(s); first: {finding}; to fix, run: ")
    assert digest(tree_sid / HEADER) == cached


def test_script_against_a_tree_elsewhere_summarises_on_stderr(kdir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DESC_FD"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["MIRRORGEN_CACHE"] = str(tmp_path / "cache")
    proc = subprocess.run([require_tool("bash"), str(SCRIPT), "--tree", str(kdir), str(SPEC)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.endswith(f"mirrorgen: {kdir} matches {SPEC}\n")


def test_script_bad_input_and_missing_mirrorgen(kdir: Path) -> None:
    proc, desc = run_script(kdir, "no-such-spec.yaml")
    assert proc.returncode == 2
    assert desc == "mirrorgen check: bad input (exit 2): no-such-spec.yaml:1:1: spec file not found\n"
    proc, desc = run_script(kdir, str(SPEC), env={"MIRRORGEN": "/nonexistent/mirrorgen"})
    assert proc.returncode == 2 and "cannot run '/nonexistent/mirrorgen'" in desc


# --- the GitHub Actions workflow ------------------------------------------------------------

def workflow() -> dict[Any, Any]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"^```yaml\n(name: .*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert block, "docs/ci.md has no workflow block"
    parsed = yaml.safe_load(block.group(1))
    assert isinstance(parsed, dict)
    return parsed


def run_lines() -> list[list[str]]:
    lines = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                if line.strip():
                    lines.append(shlex.split(line, comments=True))
    return lines


def test_workflow_is_well_formed() -> None:
    flow = workflow()
    triggers = flow["on"] if "on" in flow else flow[True]  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push"} <= set(triggers)
    for job in flow["jobs"].values():
        assert job["runs-on"] and job["steps"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_workflow_runs_only_commands_that_exist() -> None:
    seen = set()
    for argv in run_lines():
        if argv[:4] == ["python", "-m", "pip", "install"]:
            assert re.fullmatch(r"mirrorgen==\d+\.\d+\.\d+", argv[4]), argv
            continue
        assert argv[0] == "mirrorgen" and argv[1] in COMMANDS, argv
        # The command's own parser accepts the arguments (argparse exits on anything else).
        module = importlib.import_module(COMMANDS[argv[1]][0])
        parser = argparse.ArgumentParser(prog=f"mirrorgen {argv[1]}", exit_on_error=False)
        module.configure(parser)
        parser.parse_args(argv[2:])
        seen.add(argv[1])
    assert {"check", "verify", "doctor"} <= seen


def test_workflow_drift_step_annotates(tmp_path: Path) -> None:
    """Run the workflow's `mirrorgen check --format github` step in a fresh project."""
    (argv,) = [a for a in run_lines() if a[:2] == ["mirrorgen", "check"] and "--tree" not in a]
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    env = {**os.environ, "MIRRORGEN_CACHE": str(tmp_path / "cache")}
    step = [sys.executable, "-m", "codegen", *argv[1:]]
    subprocess.run([sys.executable, "-m", "codegen", "generate"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    clean = subprocess.run(step, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert (clean.returncode, clean.stdout) == (0, "")
    header = tmp_path / "generated" / "netmem.h"
    header.write_text(header.read_text(encoding="utf-8") + "/* tweak */\n", encoding="utf-8")
    drift = subprocess.run(step, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert drift.returncode == 1
    assert drift.stdout.startswith("::error file=generated/netmem.h,line=")


def test_workflow_runs_verbatim(tree_sid: Path, tmp_path: Path) -> None:
    """Every `run:` line, as written, by bash in a repository with specs/ and generated/, with
    the upstream header where the sparse checkout puts it (the sid tree's, copied). Only the
    pip line is left out: this venv already has this checkout installed."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(ROOT / "generated", repo / "generated")
    (repo / "linux" / HEADER).parent.mkdir(parents=True)
    shutil.copyfile(tree_sid / HEADER, repo / "linux" / HEADER)
    env = {**os.environ, "MIRRORGEN_CACHE": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            command = step.get("run", "")
            if not command or command.startswith("python -m pip install"):
                continue
            proc = subprocess.run([require_tool("bash"), "-c", command], cwd=repo, env=env,
                                  capture_output=True, text=True, check=False)
            assert proc.returncode == 0, f"{command}: {proc.stdout}{proc.stderr}"
            ran.append(command)
    assert "mirrorgen check --tree linux --format github specs/netmem-upstream.yaml" in ran
