"""`verify --btf`: the spec's layouts against a compiled kernel's own, read from its BTF.

The spec side is verify's (libclang on the spec's translation unit, for the
ABI the kernel was built for); the compiled side is the kernel's BTF. Both
are flattened to named members (anonymous structs and unions opened, offsets
from the outer struct), so a member moved into or out of a union shows as an
offset that differs. An enum's size is the compiler's (the spec cannot know
which values the kernel's enum holds), so for enum members only the offset
is compared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.errors import BadUsage
from codegen.report import Finding, Outcome
from codegen.spec.model import Loc
from codegen.specfiles import SpecFile
from codegen.verify import btf as btf_format
from codegen.verify.abis import Abi, parse_abis
from codegen.verify.clangtu import FieldLayout, StructLayout
from codegen.verify.plan import Plan
from codegen.verify.planstore import load_plan

DEFAULT = Path("/sys/kernel/btf/vmlinux")
Differ = Callable[[Loc, str], None]
_ELF_MACHINES = {3: "i386", 62: "x86_64", 183: "aarch64", 40: "arm", 243: "riscv64", 22: "s390x",
                 21: "powerpc64", 20: "powerpc", 8: "mips", 258: "loongarch64"}  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str
    spec: FieldLayout | None
    compiled: btf_format.Member | None
    differs: bool


def target_abi(path: Path, data_head: bytes, btf: btf_format.Btf) -> Abi:
    """The ABI the kernel was built for: the ELF machine, or this machine for a raw BTF file."""
    if data_head[:4] == b"\x7fELF" and len(data_head) >= 20:
        machine = int.from_bytes(data_head[18:20], "little" if data_head[5] == 1 else "big")
        name = _ELF_MACHINES.get(machine)
        if name == "x86_64" and data_head[4] == 1:
            name = "i386"
        if name == "riscv64" and data_head[4] == 1:
            name = "riscv32"
        if name is None:
            raise BadUsage(f"{path}: ELF machine {machine} is not one of verify's ABIs")
        return parse_abis(name)[0]
    here = os.uname().machine
    name = {"arm64": "aarch64", "ppc64le": "powerpc64", "ppc64": "powerpc64"}.get(here, here)
    if name == "x86_64" and btf.pointer_size() == 4:
        name = "i386"
    return parse_abis(name)[0]


def verify_btf(spec_file: SpecFile, path: Path) -> Outcome:
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise BadUsage(f"cannot read {path}: {exc.strerror}") from None
    compiled = btf_format.read(path)
    abi = target_abi(path, head, compiled)
    plan = load_plan(spec_file)
    structs, host = _spec_layouts(plan, abi, spec_file)
    return _compare(plan, abi, structs, host, compiled, str(path), spec_file)


SpecLayouts = tuple[dict[str, StructLayout], dict[str, FieldLayout]]


def _spec_layouts(plan: Plan, abi: Abi, spec_file: SpecFile) -> SpecLayouts:
    """The spec's structs and the host fields it names, laid out by libclang for `abi`; memoized
    by the translation unit, so a warm run loads no libclang."""
    from codegen import memo

    key = memo.key("btf-spec-layouts", plan.text, abi.triple)
    cached = memo.lookup(key)
    if cached is not None:
        try:
            raw_structs, raw_host = json.loads(cached)
            structs = {tag: StructLayout.from_dict(d) for tag, d in raw_structs.items()}
            return structs, {name: FieldLayout(**f) for name, f in raw_host.items()}
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable entry is a miss
    from codegen.verify.clangtu import compile_c

    tags = [plan.mirror] + ([plan.alias] if plan.alias else [])
    ours = compile_c(plan.text, abi.triple, tags, {plan.host: plan.host_fields()})
    if ours.errors:
        raise BadUsage(f"{spec_file.display} does not compile for {abi.name}: run mirrorgen verify")
    host = ours.members.get(plan.host, {})
    memo.store(
        key,
        json.dumps(
            [{tag: asdict(lay) for tag, lay in ours.structs.items()}, {n: asdict(f) for n, f in host.items()}]
        ),
    )
    return ours.structs, host


def _compare(
    plan: Plan,
    abi: Abi,
    structs: dict[str, StructLayout],
    host: dict[str, FieldLayout],
    compiled: btf_format.Btf,
    source: str,
    spec_file: SpecFile,
) -> Outcome:
    findings: list[Finding] = []
    sections: list[str] = []

    def differ(at: Loc, text: str) -> None:
        findings.append(Finding(at.path, at.line, at.col, "btf-mismatch", "error", f"{text} in {source}"))

    records: dict[str, btf_format.Record] = {}
    tables: list[dict[str, object]] = []
    for tag in [plan.mirror, plan.alias, plan.host]:
        if tag is None:
            continue
        found = compiled.find(tag, (btf_format.STRUCT,))
        if found is None:
            differ(plan.at, f"the compiled kernel has no struct {tag}")
        else:
            records[tag] = compiled.record(found)
    for tag, layout in structs.items():
        if tag in records:
            rows = _rows(plan, layout, records[tag], differ)
            sections.append(_table(tag, abi, source, layout, records[tag], rows))
            tables.append(_table_data(tag, layout, records[tag], rows))
    if plan.host in records:
        sections.append(_host(plan, structs, host, records[plan.host], differ))
    verdict = "FAILED" if findings else "ok"
    summary = (
        f"verify --btf: {spec_file.display}: {verdict}: {len(findings)} difference"
        f"{'' if len(findings) == 1 else 's'} from {source} ({abi.name})"
    )
    outcome = Outcome("verify")
    outcome.findings = findings
    outcome.exit_code = 1 if findings else 0
    outcome.sections = ["\n".join(sections), summary]
    outcome.data["specs"] = [{"spec": spec_file.display, "btf": source, "abi": abi.name, "structs": tables}]
    return outcome


def _table_data(
    tag: str, layout: StructLayout, record: btf_format.Record, rows: list[Row]
) -> dict[str, object]:
    """The side-by-side table for --format json: each member as the spec and the kernel lay it out."""
    return {
        "struct": tag,
        "size": {"spec": layout.size, "compiled": record.size},
        "fields": [
            {
                "name": row.name,
                "spec": {"offset": row.spec.offset, "size": row.spec.size} if row.spec else None,
                "compiled": _member(row.compiled) if row.compiled else None,
                "differs": row.differs,
            }
            for row in rows
        ],
    }


def _member(member: btf_format.Member) -> dict[str, object]:
    return {"offset": member.offset, "size": member.size, "type": member.type}


def _rows(plan: Plan, layout: StructLayout, record: btf_format.Record, differ: Differ) -> list[Row]:
    theirs = {m.name: m for m in record.flat()}
    rows: list[Row] = []
    for mine in layout.fields:
        other = theirs.pop(mine.name, None)
        at = _loc(plan, mine.name)
        if other is None:
            differ(at, f"struct {layout.name}: {mine.name} is not in the compiled struct")
            rows.append(Row(mine.name, mine, None, True))
            continue
        size_matters = other.kind != "enum"
        bad = other.offset != mine.offset or (size_matters and other.size != mine.size)
        if bad:
            differ(
                at,
                f"struct {layout.name}: {mine.name} is at {mine.offset}, size {mine.size} in the spec, "
                f"at {other.offset}, size {other.size} compiled",
            )
        rows.append(Row(mine.name, mine, other, bad))
    for other in theirs.values():
        differ(plan.at, f"struct {layout.name}: the compiled struct has {other.name}, which the spec lacks")
        rows.append(Row(other.name, None, other, True))
    if layout.size != record.size:
        differ(plan.at, f"sizeof(struct {layout.name}) is {layout.size} in the spec, {record.size} compiled")
    return rows


def _host(
    plan: Plan,
    structs: dict[str, StructLayout],
    model: dict[str, FieldLayout],
    record: btf_format.Record,
    differ: Differ,
) -> str:
    """Each host field the spec names: the model's offset and size against the compiled struct."""
    theirs = {m.name: m for m in record.flat()}
    lines = [f"struct {plan.host}, the fields the spec names:",
             f"  {'field':<20} {'model':>12} {'compiled':>12}  type"]  # fmt: skip
    names = dict.fromkeys(plan.host_fields())
    for name in names:
        mine, other = model.get(name), theirs.get(name)
        at = _host_loc(plan, name)
        if other is None:
            differ(at, f"struct {plan.host} has no {name} in the compiled kernel")
        elif mine is not None and (mine.offset, mine.size) != (other.offset, other.size):
            differ(
                at,
                f"struct {plan.host}'s {name} is at {mine.offset}, size {mine.size} in the host model, "
                f"at {other.offset}, size {other.size} compiled",
            )
        left = f"{mine.offset}+{mine.size}" if mine else "-"
        right = f"{other.offset}+{other.size}" if other else "missing"
        same = other is not None and (mine is None or (mine.offset, mine.size) == (other.offset, other.size))
        mark = "" if same else "  <-- differs"
        lines.append(f"  {name:<20} {left:>12} {right:>12}  {other.type if other else ''}{mark}")
    limit = plan.limit
    mirror = structs.get(plan.mirror)
    end = theirs.get(limit.host_field) if limit else None
    if limit and mirror and end:
        verdict = "<=" if mirror.size <= end.offset else ">"
        lines.append(f"  sizeof(struct {plan.mirror}) {mirror.size} {verdict} {end.offset} = "
                     f"offsetof(struct {plan.host}, {limit.host_field}) compiled")  # fmt: skip
        if mirror.size > end.offset:
            differ(limit.at, f"sizeof(struct {plan.mirror}) {mirror.size} > compiled offsetof(struct "
                             f"{plan.host}, {limit.host_field}) {end.offset}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _table(
    tag: str, abi: Abi, source: str, layout: StructLayout, record: btf_format.Record, rows: list[Row]
) -> str:
    lines = [
        f"struct {tag}: the spec on {abi.name} | compiled ({source}):",
        f"  {'offset':>6} {'size':>5}  {'field':<20} {'offset':>6} {'size':>5}  type",
    ]
    for row in rows:
        left = f"{row.spec.offset:>6} {row.spec.size:>5}" if row.spec else f"{'-':>6} {'-':>5}"
        right = f"{row.compiled.offset:>6} {row.compiled.size:>5}" if row.compiled else f"{'-':>6} {'-':>5}"
        kind = row.compiled.type if row.compiled else (row.spec.type if row.spec else "")
        lines.append(f"  {left}  {row.name:<20} {right}  {kind}{'  <-- differs' if row.differs else ''}")
    mark = "" if layout.size == record.size else "  <-- differs"
    lines.append(f"  size {layout.size} | size {record.size}{mark}")
    return "\n".join(lines) + "\n"


def _loc(plan: Plan, name: str) -> Loc:
    field = plan.field(name)
    if field is not None:
        return field.at
    return next((at for member, at in plan.members if member == name), plan.at)


def _host_loc(plan: Plan, name: str) -> Loc:
    field = next((f for f in plan.fields if f.host == name), None)
    if field is not None:
        return field.at
    return plan.limit.at if plan.limit and plan.limit.host_field == name else plan.at


