"""gcc's errors from a kernel build, mapped back to the spec line (or host-model line) to fix."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codegen import asserts
from codegen.report import Finding
from codegen.spec.model import AssertBlock, Loc, Spec

_DIAG = re.compile(
    r"(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>fatal error|error|note): (?P<msg>.*)"
)
_ASSERT = re.compile(r'static assertion failed: "(?P<expr>.*)"\Z')
_LOC = re.compile(r"(?P<path>.+):(?P<line>\d+):(?P<col>\d+)\Z")
# The probe's own messages (templates/verify/probe.c.j2): `MODEL:LINE:COL: page.pp offset 16`.
_PIN = re.compile(
    r"(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<what>\S+) (?P<kind>offset|size) (?P<value>\d+)\Z"
)


@dataclass(frozen=True)
class GccError:
    file: str
    line: int
    col: int
    message: str
    site: tuple[str, int] | None  # the outermost macro use: where the assert was written


@dataclass(frozen=True)
class Problem:
    """One arch's finding before findings from several arches are merged."""

    loc: tuple[str, int, int]
    rule: str
    text: str  # `{arches}` stands for the arches that hit it
    detail: str = ""  # what differs per arch, e.g. the model's number: "24 on x86_64, arm64; 12 on i386"


def gcc_errors(output: str) -> list[GccError]:
    errors: list[GccError] = []
    for raw in output.splitlines():
        m = _DIAG.match(raw)
        if m is None:
            continue
        if m["kind"] != "note":
            errors.append(GccError(m["file"], int(m["line"]), int(m["col"]), m["msg"], None))
        elif errors and m["msg"].startswith("in expansion of macro"):
            last = errors[-1]
            errors[-1] = GccError(last.file, last.line, last.col, last.message, (m["file"], int(m["line"])))
    return errors


def _squash(expr: str) -> str:
    return re.sub(r"\s+", "", expr)


def _block_asserts(block: AssertBlock | None) -> dict[str, tuple[Loc, str]]:
    if block is None:
        return {}
    return {_squash(asserts.expression(u.check)): (u.field.loc, asserts.use(u)) for u in block.uses}


def spec_asserts(specs: Sequence[Spec]) -> dict[str, tuple[Loc, str]]:
    """Every assert a spec generates, by its expression as gcc quotes it (whitespace removed)."""
    out: dict[str, tuple[Loc, str]] = {}
    for spec in specs:
        out.update(_block_asserts(spec.mirror.asserts))
        out.update(_block_asserts(spec.alias.asserts if spec.alias else None))
        limit = spec.mirror.size_limit
        if limit:
            out[_squash(asserts.expression(limit.check))] = (limit.loc, asserts.size_assert(limit.check))
    return out


def problems(
    output: str, tree: Path, specs: Sequence[Spec], probe_file: Path | None, probe_source: str | None
) -> list[Problem]:
    """One arch's problems, the first per location: gcc's follow-on errors say nothing new."""
    known = spec_asserts(specs)
    out: dict[tuple[tuple[str, int, int], str], Problem] = {}
    for error in gcc_errors(output):
        problem = (
            _spec_assert(error, tree, known)
            or _model_pin(error)
            or _probe_error(error, probe_file, probe_source)
            or Problem(
                (_relative(error.file, tree), error.line, error.col),
                "build-error",
                f"{{arches}}: {error.message}",
            )
        )
        out.setdefault((problem.loc, problem.rule), problem)
    return list(out.values())


def _spec_assert(error: GccError, tree: Path, known: dict[str, tuple[Loc, str]]) -> Problem | None:
    """A generated assert that failed: at the spec line of its field."""
    m = _ASSERT.match(error.message)
    if m is None or _squash(m["expr"]) not in known:
        return None
    loc, label = known[_squash(m["expr"])]
    where, written = _written(error, tree)
    return Problem(
        (loc.path, loc.line, loc.col),
        "assert-failed",
        f'{written or label} fails on {{arches}}: gcc: static assertion failed: "{m["expr"]}" ({where})',
    )


def _model_pin(error: GccError) -> Problem | None:
    """A host-model probe assert that failed: the message names the model line and its number."""
    m = _ASSERT.match(error.message)
    pin = _PIN.match(m["expr"]) if m else None
    if pin is None:
        return None
    return Problem(
        (pin["path"], int(pin["line"]), int(pin["col"])),
        "host-model",
        f"the kernel's {pin['what']} has another {pin['kind']} than the host model says "
        "(the model says {arches}; gcc: static assertion failed in the host-model probe)",
        pin["value"],
    )


def _probe_error(error: GccError, probe_file: Path | None, probe_source: str | None) -> Problem | None:
    """Any other error in the probe (a member the kernel lacks): at the model line it pins."""
    from codegen.kbuild.probe import model_line

    file, line = error.site or (error.file, error.line)
    if probe_file is None or probe_source is None or (probe_file.parent / file).resolve() != probe_file:
        return None
    pinned = model_line(probe_source, line)
    found = _LOC.match(pinned) if pinned else None
    if found is None:
        return None
    return Problem(
        (found["path"], int(found["line"]), int(found["col"])),
        "host-model",
        f"the kernel refuses the host model on {{arches}}: {error.message}",
    )


def _written(error: GccError, tree: Path) -> tuple[str, str | None]:
    """Where the failing assert was written (file:line) and its text there."""
    file, line = error.site or (error.file, error.line)
    try:
        text: str | None = (
            Path(file).read_text(encoding="utf-8", errors="replace").split("\n")[line - 1].strip()
        )
    except (OSError, IndexError):
        text = None
    if text:
        text = text.rstrip(";")
    return f"{_relative(file, tree)}:{line}", text


def _relative(file: str, tree: Path) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(tree.resolve()).as_posix()
    except ValueError:
        return file


def merge(per_arch: Sequence[tuple[str, list[Problem]]]) -> list[Finding]:
    """One finding per problem, naming every arch that hit it (grouped by detail, if any)."""
    hits: dict[tuple[tuple[str, int, int], str, str], dict[str, list[str]]] = {}
    for arch, found in per_arch:
        for p in found:
            names = hits.setdefault((p.loc, p.rule, p.text), {}).setdefault(p.detail, [])
            if arch not in names:
                names.append(arch)
    findings = []
    for (loc, rule, text), by_detail in hits.items():
        arches = "; ".join(
            f"{detail} on {', '.join(names)}" if detail else ", ".join(names)
            for detail, names in by_detail.items()
        )
        findings.append(Finding(loc[0], loc[1], loc[2], rule, "error", text.replace("{arches}", arches)))
    return findings
