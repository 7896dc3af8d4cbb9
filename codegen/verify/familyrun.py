"""`verify` for a family spec (version 2): its assert block evaluated by libclang on each ABI.

The translation unit (familytu.py) joins the hand model of the host, the
mirror struct's definition and the block the spec renders, under the stated
default configuration. Each static assert clang evaluates is matched to the
use or bound it came from (by its line in the rendered block); a failing one
is a finding at that use's spec line, naming the mirror field and the ABIs.
A use clang did not evaluate must be under an `#if` the configuration turns
off, or it is an error too: nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.report import Finding, Outcome
from codegen.spec.family_model import Bound, Conditional, FamilySpec, directive_text
from codegen.spec.model import Loc
from codegen.specfiles import SpecFile
from codegen.verify.abis import Abi, alike, parse_pool
from codegen.verify.clangtu import HOST_FILE, Compiled, Diagnostic, compile_c
from codegen.verify.familytu import CLANG_ARGS, DEFAULT_CONFIG, family_tu, kernel_version, mirror_text


@dataclass(frozen=True)
class Site:
    """One static assert of the rendered block: a use (host word, mirror field) or a bound."""

    line: int  # in the rendered block
    text: str  # as the header writes it
    loc: Loc  # its spec line
    host: str | None  # a use's host word
    mirror: str | None  # a use's mirror field
    page: int
    condition: str | None  # the #if line it sits under, if any


@dataclass(frozen=True)
class AbiOutcome:
    abi: Abi
    compiled: Compiled
    active: frozenset[int]  # block lines clang evaluated
    failed: dict[int, str | None]  # block line -> clang's values
    errors: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class FamilyRun:
    """One family spec laid out and judged by clang on each ABI (what `verify` reports; `propose`
    reads the layouts too)."""

    sites: dict[int, Site]
    results: list[AbiOutcome]
    source: str  # where the mirror struct came from
    version: tuple[int, int]


def verify_family(
    spec_file: SpecFile, spec: FamilySpec, tree: Path | None, abis: Sequence[Abi], shown: str | None = None
) -> Outcome:
    run = run_family(spec, tree, abis, shown)
    return _outcome(spec_file, spec, run.sites, run.results, abis, run.source, run.version)


def run_findings(spec: FamilySpec, run: FamilyRun, abis: Sequence[Abi]) -> list[Finding]:
    """What `verify` reports for a run (assert-failed, compile-error), for `propose`."""
    spec_file = SpecFile(Path(spec.path), spec.path)
    return _outcome(spec_file, spec, run.sites, run.results, abis, run.source, run.version).findings


def run_family(
    spec: FamilySpec, tree: Path | None, abis: Sequence[Abi], shown: str | None = None
) -> FamilyRun:
    from codegen.render import render_family
    from codegen.resources import bundled_specs_dir
    from codegen.spec.hostload import load_host_struct

    mirror = mirror_text(spec, tree, shown)
    assert tree is not None  # mirror_text needs it for now
    version = kernel_version(tree)
    model_path = bundled_specs_dir() / "hosts" / f"{spec.host}.yaml"
    if not model_path.is_file():
        raise _error(spec.loc, f"no hand model of struct {spec.host} (specs/hosts/{spec.host}.yaml)")
    model = load_host_struct(model_path).for_kernel(version)
    block = render_family(spec, {})  # trailing comments are the tree's prose: nothing to compile
    block_file = f"<{spec.name}: {spec.macro} block>"
    text = family_tu(model, mirror, block, block_file)
    sites = _sites(spec, block)
    words = sorted({s.host for s in sites.values() if s.host and s.host in model.fields})

    def one(abi: Abi) -> AbiOutcome:
        compiled = compile_c(text, abi.triple, [spec.mirror], {spec.host: words}, CLANG_ARGS)
        return _judge(abi, compiled, block_file)

    with parse_pool(len(abis)) as pool:
        results = list(pool.map(one, abis))
    return FamilyRun(sites, results, mirror[-1].file, version)


def _error(loc: Loc, message: str) -> Exception:
    from codegen.errors import InputError

    return InputError(loc.path, loc.line, loc.col, message)


def _sites(spec: FamilySpec, block: str) -> dict[int, Site]:
    """Each static assert line of the rendered block, with the use or bound it renders."""
    bounds: list[tuple[Bound, str | None]] = []
    for item in spec.bounds:
        if isinstance(item, Conditional):
            for branch in item.branches:
                bounds += [(b, directive_text(branch)) for b in branch.items if isinstance(b, Bound)]
        else:
            bounds.append((item, None))
    out: dict[int, Site] = {}
    group = -1
    pending = iter(bounds)
    for number, line in enumerate(block.split("\n"), start=1):
        if line.startswith(f"#define {spec.macro}("):
            group += 1
        elif line.startswith(f"{spec.macro}(") and 0 <= group < len(spec.groups):
            inner = line[len(spec.macro) + 1 : line.index(")")]
            host, _, field = (part.strip() for part in inner.partition(","))
            g = spec.groups[group]
            found = next(((u, d) for u, d in g.uses() if (u.host, u.mirror) == (host, field)), None)
            if found is not None:
                use, cond = found
                out[number] = Site(number, line.rstrip(";").rstrip(), use.loc, host, field, g.page, cond)
        elif line.startswith("static_assert("):
            bound, cond = next(pending, (None, None))
            if bound is not None:
                out[number] = Site(number, line.rstrip(";"), bound.loc, None, None, 0, cond)
    return out


def _judge(abi: Abi, compiled: Compiled, block_file: str) -> AbiOutcome:
    failed: dict[int, str | None] = {}
    errors: list[Diagnostic] = []
    for diag in compiled.errors:
        if diag.file == block_file and diag.message.startswith("static assertion failed"):
            failed[diag.line] = diag.evaluates()
        else:
            errors.append(diag)
    active = frozenset(compiled.assert_lines.get(block_file, ()))
    return AbiOutcome(abi, compiled, active, failed, tuple(errors))


def _outcome(
    spec_file: SpecFile,
    spec: FamilySpec,
    sites: dict[int, Site],
    results: list[AbiOutcome],
    abis: Sequence[Abi],
    source: str,
    version: tuple[int, int],
) -> Outcome:
    outcome = Outcome("verify")
    findings: list[Finding] = []
    for line, site in sites.items():
        bad = alike((r.failed[line] or "", r.abi.name) for r in results if line in r.failed)
        if bad:
            where = "; ".join(f"{values} on {', '.join(names)}" for values, names in bad.items())
            what = f"struct {spec.mirror}'s {site.mirror} is not where struct {spec.host}'s " \
                   f"{_word(site)} is" if site.mirror else "the bound does not hold"  # fmt: skip
            findings.append(_finding(site.loc, "assert-failed", f"{site.text} fails: {what}: {where}"))
        if site.condition is None:  # unconditional: clang must have evaluated it everywhere
            lost = [r.abi.name for r in results if line not in r.active and not r.errors]
            if lost:
                message = f"{site.text}: clang did not evaluate it on {', '.join(lost)}"
                findings.append(_finding(site.loc, "compile-error", message))
    for result in results:
        for diag in result.errors:
            at = sites.get(diag.line) if diag.file.startswith("<") else None
            loc = at.loc if at else Loc(_shown(diag.file, spec), diag.line, diag.col)
            findings.append(_finding(loc, "compile-error", f"{diag.message} (on {result.abi.name})"))
    findings = _merged(findings)
    outcome.findings = findings
    outcome.exit_code = 1 if findings else 0
    uses = [s for s in sites.values() if s.mirror]
    evaluated = {line for r in results for line in r.active}
    off = [s for s in sites.values() if s.line not in evaluated]
    names = ", ".join(abi.name for abi in abis)
    model = f"{version[0]}.{version[1]}"
    where = f"; struct {spec.mirror} from {source}, struct {spec.host} from the hand model ({model})"
    skipped = (
        f"; {len(off)} not compiled under the default configuration ("
        + ", ".join(f"{s.condition}: {s.text}" for s in off) + ")"
        if off else ""
    )  # fmt: skip
    count = len(sites) - len(off)
    if outcome.exit_code:
        failing = {line for r in results for line in r.failed}
        bad_abis = [r.abi.name for r in results if r.failed or r.errors]
        verdict = (f"verify: {spec_file.display}: FAILED: {len(failing)} of {count} asserts fail"
                   f"{' and the code does not compile' if any(r.errors for r in results) else ''}"
                   f" on {len(bad_abis)} of {len(abis)} ABIs ({', '.join(bad_abis)}){where}")  # fmt: skip
    else:
        verdict = f"verify: {spec_file.display}: ok: {count} asserts hold on {len(abis)} ABIs ({names})"
        verdict += skipped + where
    outcome.sections = [_tables(spec, sites, results, uses), verdict]
    outcome.data["specs"] = [_data(spec_file, spec, sites, results, source)]
    return outcome


def _word(site: Site) -> str:
    return f"page[{site.page}].{site.host}" if site.page else f"{site.host}"


def _shown(file: str, spec: FamilySpec) -> str:
    return spec.path if file == HOST_FILE else file


def _finding(loc: Loc, rule: str, message: str) -> Finding:
    return Finding(loc.path, loc.line, loc.col, rule, "error", message)


def _merged(findings: list[Finding]) -> list[Finding]:
    """The same message on several ABIs once, with the ABIs joined."""
    seen: dict[tuple[str, int, int, str, str], list[str]] = {}
    for f in findings:
        head, sep, tail = f.message.rpartition(" (on ")
        key = (f.file, f.line, f.col, f.rule, head if sep else f.message)
        seen.setdefault(key, []).extend([tail.rstrip(")")] if sep else [])
    out = []
    for (file, line, col, rule, message), abis in seen.items():
        text = f"{message} (on {', '.join(abis)})" if abis else message
        out.append(Finding(file, line, col, rule, "error", text))
    return out


@dataclass(frozen=True)
class Row:
    """One use on one ABI: where clang put the mirror field and the host word, and the verdict."""

    offset: int | None  # of the mirror field (None: the struct lacks it, or it was not laid out)
    size: int | None
    field: str
    word: str  # the host word, page[N].word for page[N]
    at: int | None  # the host word's offset, page[N] included
    result: str  # ok, fails, off (under an #if the configuration turns off), lost

    def cells(self, condition: str | None) -> list[str]:
        shown = {"ok": "ok", "fails": "FAILS  <-- mismatch", "lost": "not evaluated",
                 "off": f"not compiled ({condition})"}[self.result]  # fmt: skip
        offset, size, at = ("-" if n is None else str(n) for n in (self.offset, self.size, self.at))
        return [offset, size, self.field, self.word, at, shown]


def _row(spec: FamilySpec, site: Site, result: AbiOutcome) -> Row:
    laid = result.compiled.structs.get(spec.mirror)
    placed = laid.field(site.mirror) if laid and site.mirror else None
    host = result.compiled.offsets.get(spec.host, {}).get(site.host or "")
    size = result.compiled.sizes.get(spec.host, 0)
    if site.line in result.failed:
        verdict = "fails"
    elif site.line in result.active:
        verdict = "ok"
    else:
        verdict = "off" if site.condition else "lost"
    return Row(
        None if placed is None else placed.offset,
        None if placed is None else placed.size,
        site.mirror or "",
        _word(site),
        None if host is None else host + site.page * size,
        verdict,
    )


def _tables(spec: FamilySpec, sites: dict[int, Site], results: list[AbiOutcome], uses: list[Site]) -> str:
    out: list[str] = []
    for body, names in alike((tuple(_table(spec, sites, r, uses)), r.abi.name) for r in results).items():
        out.append(f"{spec.macro}: struct {spec.mirror} over struct {spec.host} on {', '.join(names)}:")
        out.extend(body)
        out.append("")
    return "\n".join(out)


def _table(spec: FamilySpec, sites: dict[int, Site], result: AbiOutcome, uses: list[Site]) -> list[str]:
    lines = [f"  {'offset':>6}  {'size':>4}  {'field':<24} {'struct ' + spec.host:<24} {'at':>6}  result"]
    for site in uses:
        offset, size, field, word, at, status = _row(spec, site, result).cells(site.condition)
        lines.append(f"  {offset:>6}  {size:>4}  {field:<24} {word:<24} {at:>6}  {status}")
    for site in sites.values():
        if site.mirror is None:
            status = "FAILS" if site.line in result.failed else "ok" if site.line in result.active else \
                f"not compiled ({site.condition})"  # fmt: skip
            lines.append(f"  {site.text}: {status}")
    laid = result.compiled.structs.get(spec.mirror)
    if laid is not None:
        lines.append(f"  size {laid.size}, align {laid.align}; struct {spec.host} "
                     f"{result.compiled.sizes.get(spec.host, 0)}")  # fmt: skip
    return lines


def _data(
    spec_file: SpecFile, spec: FamilySpec, sites: dict[int, Site], results: list[AbiOutcome], source: str
) -> dict[str, object]:
    return {
        "spec": spec_file.display,
        "family": spec.macro,
        "mirror_from": source,
        "config": [{"name": s.name, "value": s.value, "abis": s.abis, "why": s.why} for s in DEFAULT_CONFIG],
        "abis": [
            {
                "abi": r.abi.name,
                "triple": r.abi.triple,
                "uses": [
                    asdict(_row(spec, s, r)) | {"assert": s.text, "line": s.loc.line, "if": s.condition}
                    for s in sites.values()
                    if s.mirror
                ],
                "failed": [sites[line].text for line in sorted(r.failed) if line in sites],
                "errors": [f"{d.file}:{d.line}: {d.message}" for d in r.errors],
            }
            for r in results
        ],
    }
