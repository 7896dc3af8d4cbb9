"""Layouts of the proposed spec (through verify, on every ABI) and of the spec at the revision.

The new spec goes through verify exactly as `mirrorgen verify` runs it:
formatted regions, assert sites, one libclang translation unit per ABI.
The old spec only needs its struct layouts, so its regions are rendered
but not formatted (formatting never moves a field). Both use the current
host model: propose judges the spec, not changes of the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.report import Finding
from codegen.spec.model import Spec
from codegen.verify.abis import Abi, parse_pool
from codegen.verify.clangtu import StructLayout, compile_c
from codegen.verify.evaluate import AbiResult
from codegen.verify.hostmodel import HostModel
from codegen.verify.sites import AssertSite

Layouts = dict[str, dict[str, StructLayout]]  # ABI name -> struct tag -> layout


@dataclass(frozen=True)
class Verified:
    results: list[AbiResult]  # per ABI, in order
    sites: list[AssertSite]
    findings: list[Finding]  # verify's own: assert-failed, compile-error


def host_model(spec: Spec) -> HostModel:
    """The spec's host model. Unlike verify, a mirror field naming a host field the model
    lacks is not bad input here: it is what the no-host-field rule reports."""
    from codegen.verify.hostmodel import load_host_model

    return load_host_model(spec, mirror_fields=False)


def verify_new(spec: Spec, model: HostModel, abis: Sequence[Abi]) -> Verified:
    """verify's plan for the spec file, from verify's own memo when `verify` or an earlier
    propose already made it for these exact bytes (it is the file on disk: --add writes first)."""
    from codegen.specfiles import SpecFile
    from codegen.verify.evaluate import evaluate, findings
    from codegen.verify.planner import plan_for
    from codegen.verify.planstore import cached_plan, remember_plan

    spec_file = SpecFile(Path(spec.path).resolve(), spec.path)
    plan = cached_plan(spec_file)
    if plan is None:
        plan = plan_for(spec, model)
        remember_plan(spec_file, plan)
    results = evaluate(plan, abis)
    return Verified(results, list(plan.sites), findings(plan, results))


def other_layouts(old: Spec | None, model: HostModel,
                  abis: Sequence[Abi]) -> tuple[Layouts, dict[str, StructLayout]]:
    """The old spec's layouts (ABI name -> struct tag -> layout; empty without a revision) and the
    whole host struct per ABI, which verify does not lay out (it reads only the host fields it
    asserts). The old spec is the same on every run against one revision, so the result is
    memoized by the old spec model and the host model's C text."""
    from codegen import memo

    key = memo.key("propose-old-layouts", repr(old), model.c_text, ",".join(a.name for a in abis))
    cached = memo.lookup(key)
    found = _decode_layouts(cached) if cached is not None else None
    if found is None:
        found = _compile_layouts(old, model, abis)
        olds_found, hosts_found = found
        memo.store(key, json.dumps([
            {abi: {tag: asdict(lay) for tag, lay in structs.items()} for abi, structs in olds_found.items()},
            {abi: asdict(lay) for abi, lay in hosts_found.items()},
        ]))
    olds, hosts = found
    for abi, layout in hosts.items():
        model.remember_layout(abi, layout)
    return olds, hosts


def _decode_layouts(text: str) -> tuple[Layouts, dict[str, StructLayout]] | None:
    try:
        olds_raw, hosts_raw = json.loads(text)
        olds = {
            abi: {tag: StructLayout.from_dict(d) for tag, d in structs.items()}
            for abi, structs in olds_raw.items()
        }
        hosts = {abi: StructLayout.from_dict(d) for abi, d in hosts_raw.items()}
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable entry is a miss
    return olds, hosts


def _compile_layouts(old: Spec | None, model: HostModel,
                     abis: Sequence[Abi]) -> tuple[Layouts, dict[str, StructLayout]]:
    """One parse per ABI lays out both the old spec's structs and the host."""
    from codegen.render import render_regions
    from codegen.verify.tu import region_files, verify_tu

    if old is None:
        text, tags = model.c_text, [model.struct]
    else:
        regions = region_files(old, [(r.name, r.text) for r in render_regions(old)])
        text, tags = verify_tu(model.data, old, regions), [model.struct, *tags_of(old)]
    with parse_pool(len(abis)) as pool:
        compiled = list(pool.map(lambda abi: compile_c(text, abi.triple, flatten=tags).structs, abis))
    hosts = {abi.name: structs[model.struct] for abi, structs in zip(abis, compiled, strict=True)}
    olds = {abi.name: structs for abi, structs in zip(abis, compiled, strict=True)} if old else {}
    return olds, hosts


def tags_of(spec: Spec) -> list[str]:
    """The structs a spec defines."""
    return ([spec.mirror.struct] if spec.mirror.define else []) + ([spec.alias.struct] if spec.alias else [])


def fields_struct(spec: Spec) -> str:
    """The struct that declares the mirror fields itself: the mirror, or (pre-patch) the alias."""
    if spec.mirror.define or spec.alias is None:
        return spec.mirror.struct
    return spec.alias.struct
