"""What mirrorgen uses on this machine: a probe per tool, its version, and what installs it.

`mirrorgen doctor` reports these checks and `mirrorgen --version` names the versions.
Each core probe runs the real thing (the clang-format binary, a libclang parse for
every verify ABI, a tree-sitter parse) rather than looking for files, because a
broken install usually still has its files. The kernel build tools are listed from
kbuild's own tables. Layer: with kbuild (it probes format, verify and kbuild).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

Group = Literal["core", "kbuild", "cross"]


@dataclass(frozen=True)
class Check:
    name: str
    group: Group
    ok: bool
    detail: str  # the version found, or what went wrong
    apt: tuple[str, ...] = ()  # Debian packages that provide it
    pip: tuple[str, ...] = ()  # pip requirements that provide it


def install_lists(checks: list[Check]) -> tuple[list[str], list[str]]:
    """The Debian packages and pip requirements that would fix every failed check."""
    apt = list(dict.fromkeys(p for c in checks if not c.ok for p in c.apt))
    pip = list(dict.fromkeys(p for c in checks if not c.ok for p in c.pip))
    return apt, pip


def requirement(dist: str) -> str:
    """mirrorgen's own pin for a dependency, so hints never disagree with pyproject.toml."""
    try:
        for req in metadata.requires("mirrorgen") or []:
            name = req.split(";")[0].strip()
            if name.lower().startswith(dist.lower()) and name[len(dist) :][:1] in "<>=!~ ":
                return name
    except metadata.PackageNotFoundError:
        pass
    return dist


def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# --- core -----------------------------------------------------------------------------------


def core_checks() -> list[Check]:
    return [
        _probe("clang-format", ("clang-format",), _clang_format),
        _probe("libclang", ("libclang",), _libclang),
        _probe("tree-sitter", ("tree-sitter", "tree-sitter-c"), _tree_sitter),
    ]


def _probe(name: str, dists: tuple[str, ...], probe: Callable[[], str]) -> Check:
    pip = tuple(requirement(d) for d in dists)
    try:
        return Check(name, "core", True, probe(), pip=pip)
    except Exception as exc:  # any failure to load or run is what doctor reports
        return Check(name, "core", False, f"{type(exc).__name__}: {exc}".strip(), pip=pip)


def _clang_format() -> str:
    from codegen.format import binary

    proc = subprocess.run([binary(), "--version"], capture_output=True, text=True, check=True)
    return f"{proc.stdout.strip()} ({binary()})"


def libclang_version() -> str:
    """The version the loaded libclang library reports, e.g. 'clang version 18.1.1'."""
    import clang.cindex as cindex

    get = cindex.conf.lib.clang_getClangVersion  # not wrapped by the bindings
    get.restype = cindex._CXString
    get.errcheck = cindex._CXString.from_result
    return str(get())


def _libclang() -> str:
    """Parse on every ABI verify uses, through verify's own entry point."""
    from clang.cindex import conf

    from codegen.verify.abis import ABIS
    from codegen.verify.clangtu import compile_c

    source = "struct probe { char a; void *b; };\n"
    for abi in ABIS:
        compiled = compile_c(source, abi.triple, offsets={"probe": ["b"]})
        if compiled.errors:
            raise RuntimeError(f"parse for {abi.triple} failed: {compiled.errors[0]}")
        if compiled.offsets.get("probe", {}).get("b") not in (4, 8):
            raise RuntimeError(f"parse for {abi.triple} gave no usable layout")
    return f"{libclang_version()}; parses for {len(ABIS)} ABIs ({conf.get_filename()})"


def _tree_sitter() -> str:
    import tree_sitter
    import tree_sitter_c

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))
    if parser.parse(b"struct netmem_desc { unsigned long _flags; };").root_node.has_error:
        raise RuntimeError("tree-sitter-c failed to parse a plain struct")
    return f"{_dist_version('tree-sitter')}, tree-sitter-c {_dist_version('tree-sitter-c')}"


# --- kernel builds --------------------------------------------------------------------------


def kbuild_checks() -> list[Check]:
    """What `mirrorgen kbuild` needs, from kbuild's own tables."""
    from codegen.kbuild.tools import HEADERS, PROGRAMS

    checks = [_program(program, "kbuild", package) for program, package in PROGRAMS.items()]
    compiler = shutil.which("gcc") or shutil.which("cc")
    checks += [_header(header, package, compiler) for header, package in HEADERS.items()]
    return checks


def cross_checks() -> list[Check]:
    """The cross compiler of each kbuild arch this machine does not build natively."""
    from codegen.kbuild.arches import ARCHES

    compilers = {a.compiler(): a.compiler_package() for a in ARCHES.values() if a.cross_compile()}
    return [_program(program, "cross", package) for program, package in compilers.items()]


def _program(program: str, group: Group, package: str) -> Check:
    path = shutil.which(program)
    return Check(program, group, path is not None, path or "not found on PATH", apt=(package,))


def _header(header: str, package: str, compiler: str | None) -> Check:
    from codegen.kbuild.tools import header_found

    label, apt = f"<{header}>", (package,)
    if compiler is None:
        return Check(label, "kbuild", False, "not checked: no C compiler", apt=apt)
    found = header_found(header, compiler)
    return Check(label, "kbuild", found, "found" if found else "not found", apt=apt)
