"""Compile the translation unit on each ABI and turn libclang's verdicts into findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codegen.report import Finding
from codegen.spec.model import Loc
from codegen.verify.abis import Abi, parse_pool
from codegen.verify.clangtu import HOST_FILE, Compiled, Diagnostic, FieldLayout, StructLayout, compile_c
from codegen.verify.plan import AssertSite, Plan


@dataclass(frozen=True)
class AbiResult:
    abi: Abi
    structs: dict[str, StructLayout]  # mirror and alias, by tag
    host: dict[str, int]  # offsets of the host fields the spec names
    host_fields: dict[str, FieldLayout]  # the same fields, with size and alignment
    host_size: int
    failed: dict[AssertSite, str | None]  # failing asserts -> clang's evaluated values
    errors: tuple[Diagnostic, ...]  # anything else clang refused


def evaluate(plan: Plan, abis: Sequence[Abi]) -> list[AbiResult]:
    tags = [plan.mirror] + ([plan.alias] if plan.alias else [])
    asked = {plan.host: plan.host_fields()}

    def one(abi: Abi) -> AbiResult:
        return _one(compile_c(plan.text, abi.triple, tags, asked), abi, plan)

    with parse_pool(len(abis)) as pool:
        return list(pool.map(one, abis))


def _one(compiled: Compiled, abi: Abi, plan: Plan) -> AbiResult:
    failed: dict[AssertSite, str | None] = {}
    errors: list[Diagnostic] = []
    for diag in compiled.errors:
        if diag.file == HOST_FILE:
            raise plan.model_error(diag.line, f"{diag.message} (target {abi.triple})")
        site = next((s for s in plan.sites if s.covers(diag.file, diag.line)), None)
        if site is not None and diag.message.startswith("static assertion failed"):
            failed[site] = diag.evaluates()
        else:
            errors.append(diag)
    if not errors:
        # Every assert must have been evaluated; a lost one would pass silently.
        for file in {s.file for s in plan.sites}:
            seen = compiled.static_asserts.get(file, 0)
            expected = sum(1 for s in plan.sites if s.file == file)
            if seen != expected:
                message = f"clang saw {seen} static asserts, expected {expected}"
                errors.append(Diagnostic(file, 1, 1, message, ()))
    host = compiled.offsets.get(plan.host, {})
    placed = compiled.members.get(plan.host, {})
    size = compiled.sizes.get(plan.host, 0)
    return AbiResult(abi, compiled.structs, host, placed, size, failed, tuple(errors))


def findings(plan: Plan, results: list[AbiResult]) -> list[Finding]:
    out: list[Finding] = []
    for site in plan.sites:
        by_values: dict[str, list[str]] = {}
        for result in results:
            if site in result.failed:
                values = result.failed[site] or "false"
                by_values.setdefault(values, []).append(result.abi.name)
        if by_values:
            where = "; ".join(f"{values} on {', '.join(names)}" for values, names in by_values.items())
            at, why = site.at, ""
            if site.field is None:  # the size assert: point at the field that crosses the limit
                at, why = _crossing(plan, site, results)
            text = f"{site.text} fails: {where}{why}"
            out.append(Finding(at.path, at.line, at.col, "assert-failed", "error", text))
    out += _size_mismatches(plan, results)
    out += _compile_errors(plan, results)
    return out


def size_mismatches(plan: Plan, result: AbiResult) -> int:
    return sum(1 for a, b in mirror_fields(plan, result) if (a.size, a.align) != (b.size, b.align))


def mirror_fields(plan: Plan, result: AbiResult) -> list[tuple[FieldLayout, FieldLayout]]:
    """(mirror field, the host field it overlays) as placed on this ABI, each field once."""
    seen: dict[str, tuple[FieldLayout, FieldLayout]] = {}
    for layout in result.structs.values():
        for placed in layout.fields:
            field = plan.field(placed.name)
            host = result.host_fields.get(field.host) if field else None
            if host is not None and placed.name not in seen:
                seen[placed.name] = (placed, host)
    return list(seen.values())


def _size_mismatches(plan: Plan, results: list[AbiResult]) -> list[Finding]:
    """A mirror field must have the size and alignment of the host word it overlays."""
    by_field: dict[str, dict[str, list[str]]] = {}
    for result in results:
        for mine, host in mirror_fields(plan, result):
            if (mine.size, mine.align) != (host.size, host.align):
                what = (
                    f"{mine.size} bytes (align {mine.align}) over {host.size} bytes (align {host.align})"
                )
                by_field.setdefault(f"{mine.name} ({mine.type})", {}).setdefault(what, []).append(
                    result.abi.name
                )
    out = []
    for shown, whats in by_field.items():
        field = plan.field(shown.split(" ")[0])
        assert field is not None  # mirror_fields only yields the plan's fields
        where = "; ".join(f"{what} on {', '.join(names)}" for what, names in whats.items())
        text = f"{shown} does not fill struct {plan.host}'s {field.host}: {where}"
        out.append(Finding(field.at.path, field.at.line, field.at.col, "size-mismatch", "error", text))
    return out


def _crossing(plan: Plan, site: AssertSite, results: list[AbiResult]) -> tuple[Loc, str]:
    """The first mirror field that ends past the size limit, on the first ABI where the assert fails."""
    failing = next(r for r in results if site in r.failed)
    end = failing.host.get(plan.limit.host_field) if plan.limit else None
    layout = failing.structs.get(plan.mirror)
    if end is None or layout is None:
        return site.at, ""
    for placed in sorted(layout.fields, key=lambda f: f.offset):
        field = plan.field(placed.name)
        if field and placed.offset + placed.size > end:
            end = placed.offset + placed.size
            return field.at, f" (on {failing.abi.name}, field {field.name} ends at {end})"
    return site.at, ""


def _compile_errors(plan: Plan, results: list[AbiResult]) -> list[Finding]:
    """The first error on each ABI (the rest usually follow from it), merged across ABIs."""
    seen: dict[tuple[str, int, str, int], list[str]] = {}
    for result in results:
        if result.errors:
            first = result.errors[0]
            key = (first.file, first.line, first.message, len(result.errors) - 1)
            seen.setdefault(key, []).append(result.abi.name)
    out = []
    for (file, line, message, more), names in seen.items():
        at = _spec_line(plan, file, line)
        region = next((r for r in plan.regions if r.file == file), None)
        lines = region.text.split("\n") if region else []
        shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        code = f" in `{shown}`" if shown else ""
        follow = f" ({more} more errors follow from it)" if more else ""
        text = f"generated code does not compile on {', '.join(names)}: {message}{code}{follow}"
        out.append(Finding(at.path, at.line, at.col, "compile-error", "error", text))
    return out


def _spec_line(plan: Plan, file: str, line: int) -> Loc:
    """The spec line behind a generated line: an assert's field, a member's field, else the mirror block."""
    site = next((s for s in plan.sites if s.covers(file, line)), None)
    if site:
        return site.at
    region = next((r for r in plan.regions if r.file == file), None)
    lines = region.text.split("\n") if region else []
    if 0 < line <= len(lines):
        code = lines[line - 1].rstrip()
        for field in plan.fields:
            if code.endswith((f" {field.name};", f"*{field.name};")):
                return field.at
        for name, at in plan.members:
            if code.endswith(f"{name};"):
                return at
    return plan.at
