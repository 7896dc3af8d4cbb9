"""What a kernel build needs on the machine, named by the Debian package that provides it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from codegen.errors import ToolError
from codegen.kbuild.arches import Arch

# program -> Debian package
PROGRAMS = {"make": "make", "gcc": "gcc", "bc": "bc", "bison": "bison", "flex": "flex", "perl": "perl"}
# header the build compiles against -> Debian package (objtool needs libelf; scripts/ and certs/ need openssl)
HEADERS = {"gelf.h": "libelf-dev", "openssl/opensslv.h": "libssl-dev"}


def check_tools(arches: Sequence[Arch]) -> None:
    """Raise a ToolError naming each missing program and the package to install."""
    missing = {prog: pkg for prog, pkg in PROGRAMS.items() if shutil.which(prog) is None}
    for arch in arches:
        if shutil.which(arch.compiler()) is None:
            missing[f"{arch.compiler()} (for {arch.name})"] = arch.compiler_package()
    if "gcc" not in missing:
        missing.update(_missing_headers())
    if missing:
        listing = ", ".join(f"{what} (Debian package {pkg})" for what, pkg in missing.items())
        packages = " ".join(dict.fromkeys(missing.values()))
        raise ToolError(f"missing for the kernel build: {listing}; install with: apt-get install {packages}")


def _missing_headers() -> dict[str, str]:
    """Host headers the build compiles its tools against."""
    return {f"<{header}>": package for header, package in HEADERS.items() if not header_found(header)}


def header_found(header: str, compiler: str = "gcc") -> bool:
    """Preprocess an `#include`: finds the header wherever the compiler looks (multiarch too)."""
    proc = subprocess.run(
        [compiler, "-E", "-x", "c", "-o", "/dev/null", "-"],
        input=f"#include <{header}>\n",
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0
