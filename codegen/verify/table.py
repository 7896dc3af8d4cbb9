"""Layout tables (like pahole's, one per struct per ABI) and the same facts as JSON data.

ABIs whose table for a struct is identical share one table, headed by all
their names, so 11 ABIs print as two tables per struct rather than eleven.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.verify.abis import alike
from codegen.verify.clangtu import StructLayout
from codegen.verify.evaluate import AbiResult
from codegen.verify.plan import Plan


@dataclass(frozen=True)
class Row:
    offset: int
    size: int
    name: str
    type: str
    align: int
    host: str | None  # the host field this one overlays
    host_offset: int | None
    host_size: int | None
    host_align: int | None


def rows(plan: Plan, result: AbiResult, tag: str) -> list[Row]:
    out: list[Row] = []
    for placed in result.structs[tag].fields:
        field = plan.field(placed.name)
        host = result.host_fields.get(field.host) if field else None
        out.append(
            Row(
                placed.offset,
                placed.size,
                placed.name,
                placed.type,
                placed.align,
                field.host if field else None,
                result.host.get(field.host) if field else None,
                host.size if host else None,
                host.align if host else None,
            )
        )
    return out


def _limit(plan: Plan, result: AbiResult) -> int | None:
    limit = plan.limit
    return result.host.get(limit.host_field) if limit else None


def _table(plan: Plan, result: AbiResult, tag: str) -> list[str]:
    host = plan.host
    lines = [f"  {'offset':>6}  {'size':>4}  {'field':<20} overlays struct {host}"]
    for row in rows(plan, result, tag):
        if row.host is None:
            overlay = "-"
        elif row.host_offset != row.offset:
            overlay = f"{row.host}, which is at {row.host_offset}  <-- mismatch"
        elif (row.host_size, row.host_align) != (row.size, row.align):
            overlay = f"{row.host}, {row.host_size} bytes, align {row.host_align}  <-- size mismatch"
        else:
            overlay = row.host
        lines.append(f"  {row.offset:>6}  {row.size:>4}  {row.name:<20} {overlay}")
    layout: StructLayout = result.structs[tag]
    footer = f"  size {layout.size}, align {layout.align}"
    limit = _limit(plan, result) if tag == plan.mirror and plan.limit else None
    if limit is not None and plan.limit:
        verdict = "<=" if layout.size <= limit else ">"
        footer += f"; {verdict} {limit} = offsetof(struct {host}, {plan.limit.host_field})"
    lines.append(footer)
    return lines


def tables(plan: Plan, results: list[AbiResult]) -> str:
    tags = [plan.mirror] + ([plan.alias] if plan.alias else [])
    out: list[str] = []
    for tag in tags:
        laid_out = (r for r in results if tag in r.structs)
        for body, names in alike((tuple(_table(plan, r, tag)), r.abi.name) for r in laid_out).items():
            out.append(f"struct {tag} on {', '.join(names)}:")
            out.extend(body)
            out.append("")
    return "\n".join(out)


def layout_data(plan: Plan, results: list[AbiResult]) -> list[dict[str, object]]:
    """Per ABI: each struct's size, align and fields, and the asserts that failed."""
    out: list[dict[str, object]] = []
    for result in results:
        structs: dict[str, object] = {
            tag: {
                "size": layout.size,
                "align": layout.align,
                "fields": [
                    {
                        "name": r.name,
                        "type": r.type,
                        "offset": r.offset,
                        "size": r.size,
                        "align": r.align,
                        "host": r.host,
                        "host_offset": r.host_offset,
                        "host_size": r.host_size,
                        "host_align": r.host_align,
                    }
                    for r in rows(plan, result, tag)
                ],
            }
            for tag, layout in result.structs.items()
        }
        out.append(
            {
                "abi": result.abi.name,
                "triple": result.abi.triple,
                "host": {"struct": plan.host, "size": result.host_size, "offsets": result.host},
                "structs": structs,
                "failed": [
                    {"assert": site.text, "values": values, "file": site.at.path, "line": site.at.line}
                    for site, values in result.failed.items()
                ],
                "errors": [d.message for d in result.errors],
            }
        )
    return out
