"""`mirrorgen --version`: its own version and the tools it will really run, checked at the source.

The clang-format line is checked against the named binary's own `--version`,
the libclang line against the named library's clang_getClangVersion() loaded
here with ctypes, independently of the clang bindings mirrorgen uses.
"""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import codegen


@pytest.fixture(scope="module")
def lines() -> list[str]:
    script = Path(sys.executable).parent / "mirrorgen"  # the console script beside this Python
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    module = subprocess.run([sys.executable, "-m", "codegen", "--version"], capture_output=True,
                            text=True, check=False)
    assert module.stdout == proc.stdout  # the console script and `python -m codegen` agree
    return proc.stdout.splitlines()


def named(lines: list[str], tool: str) -> tuple[str, Path]:
    line = next(x for x in lines if x.startswith(tool + " "))
    found = re.fullmatch(rf"{tool} (\d+\.\d+\.\d+) \((/.+)\)", line)
    assert found, line
    return found.group(1), Path(found.group(2))


def test_own_version(lines: list[str]) -> None:
    assert lines[0] == f"mirrorgen {codegen.__version__}"
    assert codegen.__version__ == metadata.version("mirrorgen")


def test_clang_format_is_the_binary_it_runs(lines: list[str]) -> None:
    version, binary = named(lines, "clang-format")
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"clang-format version {version}" in out
    assert version.split(".")[0] == "23"  # the pinned major: output changes between majors


class _CXString(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("private_flags", ctypes.c_uint)]


def test_libclang_is_the_library_it_loads(lines: list[str]) -> None:
    version, library = named(lines, "libclang")
    lib = ctypes.CDLL(str(library))
    lib.clang_getClangVersion.restype = _CXString
    lib.clang_getCString.argtypes = [_CXString]
    lib.clang_getCString.restype = ctypes.c_char_p
    lib.clang_disposeString.argtypes = [_CXString]
    cx = lib.clang_getClangVersion()
    reported = (lib.clang_getCString(cx) or b"").decode()
    lib.clang_disposeString(cx)
    assert reported.endswith(f"clang version {version}") or f"clang version {version} " in reported
    assert version == metadata.version("libclang")
