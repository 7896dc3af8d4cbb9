"""`mirrorgen doctor`: does every tool mirrorgen uses work here, and what to install if not.

The probes are codegen/tools.py's. Exit 0 when the core works; the kernel build
tools only matter to `mirrorgen kbuild`, so they are warnings.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Literal

from codegen.commands.common import add_format, emit
from codegen.report import Finding, Outcome
from codegen.tools import Check, core_checks, cross_checks, install_lists, kbuild_checks

_GROUP_TITLE = {
    "core": "core (generate, check, verify)",
    "kbuild": "kernel build tools (mirrorgen kbuild)",
    "cross": "cross compilers (mirrorgen kbuild on other arches)",
}


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
        outcome.findings.append(
            Finding("", 0, 0, f"missing-{c.group}", severity, f"{c.name}: {c.detail}; {_install_hint(c)}")
        )
    apt, pip = install_lists(checks)
    outcome.data = {"checks": [asdict(c) for c in checks], "install": {"apt": apt, "pip": pip}}
    return outcome


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
