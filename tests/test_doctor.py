"""`mirrorgen doctor` on this machine, on a PATH with no tools, and with libclang unloadable.

Nothing is faked: tools go missing because the process really cannot find
them (an empty PATH; LIBCLANG_LIBRARY_PATH naming an empty directory).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from codegen.kbuild.arches import ARCHES
from codegen.kbuild.tools import HEADERS, PROGRAMS
from codegen.verify.abis import ABIS

CORE = ["clang-format", "libclang", "tree-sitter"]


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # sys.executable by absolute path: the doctor must work with PATH emptied.
    return subprocess.run([sys.executable, "-m", "codegen", "doctor", *args],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False)


def pin(dist: str) -> str:
    """The requirement mirrorgen declares for dist, as pip should be told to install it."""
    return next(r for r in metadata.requires("mirrorgen") or [] if re.match(rf"{dist}[<>=]", r))


def test_here_the_core_works() -> None:
    proc = doctor("--format", "json")
    doc = json.loads(proc.stdout)
    checks = {c["name"]: c for c in doc["checks"]}
    assert [n for n in checks if checks[n]["group"] == "core"] == CORE
    assert all(checks[n]["ok"] for n in CORE), [checks[n] for n in CORE]
    assert proc.returncode == doc["exit_code"] == 0
    assert f"parses for {len(ABIS)} ABIs" in checks["libclang"]["detail"]
    for check in doc["checks"]:  # whatever is missing here comes with its install line
        assert check["ok"] or check["apt"] or check["pip"], check
    missing_apt = [p for c in doc["checks"] if not c["ok"] for p in c["apt"]]
    assert doc["install"]["apt"] == list(dict.fromkeys(missing_apt))


def test_missing_kbuild_tools_are_warnings_that_name_debian_packages(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = doctor(env={"PATH": str(empty)})
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the core still works
    cross = [a.compiler_package() for a in ARCHES.values() if a.cross_compile()]
    expected = list(dict.fromkeys([*PROGRAMS.values(), *HEADERS.values(), *cross]))
    debian = ["make", "gcc", "bc", "bison", "flex", "libelf-dev", "libssl-dev"]
    assert set(debian) <= set(expected) and cross, expected
    assert f"  apt-get install {' '.join(expected)}\n" in proc.stdout
    assert "missing bison" in " ".join(proc.stdout.split())
    assert proc.stdout.rstrip().endswith("core tools work")

    doc = json.loads(doctor("--format", "json", env={"PATH": str(empty)}).stdout)
    warnings = [f for f in doc["findings"] if f["severity"] == "warning"]
    assert len(warnings) == len(expected) and not [f for f in doc["findings"] if f["severity"] == "error"]
    assert any(f["message"] == "bison: not found on PATH; install with: apt-get install bison"
               for f in warnings)


def test_unloadable_libclang_fails_and_names_the_pip_package(tmp_path: Path) -> None:
    env = {"LIBCLANG_LIBRARY_PATH": str(tmp_path)}  # an empty directory: no libclang.so to load
    proc = doctor(env=env)
    assert proc.returncode == 1, proc.stdout
    assert "MISSING libclang" in " ".join(proc.stdout.split())
    assert f"pip install '{pin('libclang')}'" in proc.stdout
    assert proc.stdout.rstrip().endswith("core tools are missing: mirrorgen cannot run")

    github = doctor("--format", "github", env=env)
    assert github.returncode == 1
    assert "::error title=missing-core::libclang: " in github.stdout
