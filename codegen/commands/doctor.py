"""`mirrorgen doctor`: does every tool mirrorgen uses work here, and what to install if not.

Each core probe runs the real thing (the clang-format binary, a libclang parse
for every verify ABI, a tree-sitter parse) rather than looking for files,
because a broken install usually still has its files. Exit 0 when the core
works; the kernel build tools only matter to `mirrorgen kbuild`, so they are
warnings, listed from kbuild's own tables.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Literal

from codegen.commands.common import add_format, emit
from codegen.report import Finding, Outcome

Group = Literal["core", "kbuild", "cross"]
_GROUP_TITLE = {
    "core": "core (generate, check, verify)",
    "kbuild": "kernel build tools (mirrorgen kbuild)",
    "cross": "cross compilers (mirrorgen kbuild on other arches)",
}


@dataclass(frozen=True)
class Check:
    name: str
    group: Group
    ok: bool
    detail: str  # the version found, or what went wrong
    apt: tuple[str, ...] = ()  # Debian packages that provide it
    pip: tuple[str, ...] = ()  # pip requirements that provide it


def configure(parser: argparse.ArgumentParser) -> None:
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    checks = core_checks() + kbuild_checks() + cross_checks()
    outcome = to_outcome(checks)
    if args.format != "text":
        return emit(outcome, args.format)
    sys.stdout.write(render(checks))
    return outcome.exit_code


def to_outcome(checks: list[Check]) -> Outcome:
    failed = [c for c in checks if not c.ok]
    outcome = Outcome("doctor", exit_code=int(any(c.group == "core" for c in failed)))
    for c in failed:
        severity: Literal["error", "warning"] = "error" if c.group == "core" else "warning"
        outcome.findings.append(Finding("", 0, 0, f"missing-{c.group}", severity,
                                        f"{c.name}: {c.detail}; {_install_hint(c)}"))
    apt, pip = install_lists(checks)
    outcome.data = {"checks": [asdict(c) for c in checks], "install": {"apt": apt, "pip": pip}}
    return outcome


def install_lists(checks: list[Check]) -> tuple[list[str], list[str]]:
    """The Debian packages and pip requirements that would fix every failed check."""
    apt = list(dict.fromkeys(p for c in checks if not c.ok for p in c.apt))
    pip = list(dict.fromkeys(p for c in checks if not c.ok for p in c.pip))
    return apt, pip


def render(checks: list[Check]) -> str:
    lines = []
    for group, title in _GROUP_TITLE.items():
        lines.append(title)
        for c in (c for c in checks if c.group == group):
            state = "ok" if c.ok else ("MISSING" if group == "core" else "missing")
            lines.append(f"  {state:<8}{c.name:<22}{c.detail}")
    apt, pip = install_lists(checks)
    if apt or pip:
        lines.append("to install what is missing:")
        if apt:
            lines.append("  apt-get install " + " ".join(apt))
        if pip:
            lines.append("  pip install " + " ".join(f"'{p}'" for p in pip))
    core_ok = all(c.ok for c in checks if c.group == "core")
    lines.append("core tools work" if core_ok else "core tools are missing: mirrorgen cannot run")
    return "\n".join(lines) + "\n"


def _install_hint(c: Check) -> str:
    parts = []
    if c.apt:
        parts.append("apt-get install " + " ".join(c.apt))
    if c.pip:
        parts.append("pip install " + " ".join(f"'{p}'" for p in c.pip))
    return "install with: " + " or ".join(parts) if parts else "no install hint"


def requirement(dist: str) -> str:
    """mirrorgen's own pin for a dependency, so hints never disagree with pyproject.toml."""
    try:
        for req in metadata.requires("mirrorgen") or []:
            name = req.split(";")[0].strip()
            if name.lower().startswith(dist.lower()) and name[len(dist):][:1] in "<>=!~ ":
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
    return [_probe("clang-format", ("clang-format",), _clang_format),
            _probe("libclang", ("libclang",), _libclang),
            _probe("tree-sitter", ("tree-sitter", "tree-sitter-c"), _tree_sitter)]


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
    label, apt = f"<{header}>", (package,)
    if compiler is None:
        return Check(label, "kbuild", False, "not checked: no C compiler", apt=apt)
    # Preprocess an #include: finds the header wherever the compiler looks (multiarch too).
    proc = subprocess.run([compiler, "-E", "-x", "c", "-o", "/dev/null", "-"], text=True,
                          input=f"#include <{header}>\n", capture_output=True, check=False)
    found = proc.returncode == 0
    return Check(label, "kbuild", found, "found" if found else "not found", apt=apt)
