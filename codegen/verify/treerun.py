"""`verify --tree KDIR`: the spec's asserts on the ABIs a kernel tree is prepared for, with the host
struct and every type the built-in table lacks laid out by the tree's own headers."""

from __future__ import annotations

from collections.abc import Sequence

from codegen.errors import BadUsage, InputError
from codegen.report import Outcome
from codegen.spec import load_spec
from codegen.spec.model import Loc, Spec
from codegen.specfiles import SpecFile
from codegen.verify.clangtu import StructLayout
from codegen.verify.evaluate import AbiResult, evaluate
from codegen.verify.ktypes import unknown
from codegen.verify.plan import AssertSite, Plan, RegionFile
from codegen.verify.run import outcome_of
from codegen.verify.treetypes import TreeBuild, TreeLayout, locate, tree_layout
from codegen.verify.tu import TreeType, region_files, tree_tu


def verify_tree(spec_file: SpecFile, builds: Sequence[TreeBuild]) -> Outcome:
    from codegen.pipeline import format_regions
    from codegen.verify.sites import assert_sites

    spec = load_spec(spec_file.path, spec_file.display)
    wanted = _unknown_types(spec)
    regions = region_files(spec, format_regions(spec))
    sites = tuple(assert_sites(spec, regions))
    results: list[AbiResult] = []
    plan: Plan | None = None
    for build in builds:
        header = _host_header(spec, build)
        found = tree_layout(build, spec.host.struct, header, list(wanted))
        host = _checked(spec, found, build, wanted)
        types = [
            TreeType(
                name, name.removeprefix("struct ") if name.startswith("struct ") else None, *found.types[name]
            )
            for name in wanted
        ]
        plan = _plan(spec, build, regions, sites, tree_tu(host, types, spec, regions))
        results += evaluate(plan, [build.abi])
    if plan is None:
        raise BadUsage("verify --tree: no ABI to verify")
    return outcome_of(
        spec_file,
        plan,
        results,
        [b.abi for b in builds],
        f", struct {spec.host.struct} from {builds[0].tree}",
    )


def _unknown_types(spec: Spec) -> dict[str, Loc]:
    """The types the built-in table cannot lay out, with the first spec line that names each."""
    defined = {spec.host.struct, spec.mirror.struct} | ({spec.alias.struct} if spec.alias else set())
    typed = [(f.type, f.loc) for f in spec.mirror.fields]
    typed += [(m.type, m.loc) for m in spec.alias.members] if spec.alias else []
    out: dict[str, Loc] = {}
    for ctype, loc in typed:
        missing = unknown(ctype, defined)
        if missing is not None and not missing.startswith("union "):
            out.setdefault(missing, loc)
    return out


def _host_header(spec: Spec, build: TreeBuild) -> str:
    """The header that defines the host: the host model's `header`, else found in the tree."""
    if spec.host.model is not None:
        from codegen.spec.hostload import spec_host_struct

        header = spec_host_struct(spec, mirror_fields=False).header
        if header is not None:
            return header
    found = locate(build, [f"struct {spec.host.struct}"])
    if not found:
        raise BadUsage(f"{build.tree} defines no struct {spec.host.struct} under include/")
    return next(iter(found.values()))


def _checked(spec: Spec, found: TreeLayout, build: TreeBuild, wanted: dict[str, Loc]) -> StructLayout:
    where = f"{build.tree} ({build.abi.name})"
    if found.host is None:
        raise BadUsage(f"{where}: the tree's headers define no struct {spec.host.struct}")
    for name, loc in wanted.items():
        if name not in found.types:
            raise InputError(loc.path, loc.line, loc.col, f"unknown type {name}: not defined by {where}")
    names = {f.name for f in found.host.fields}
    for field in spec.mirror.fields:
        if field.host not in names:
            raise InputError(
                field.loc.path, field.loc.line, field.loc.col,
                f"host field '{field.host}' is not in struct {spec.host.struct} of {where}",
            )  # fmt: skip
    limit = spec.mirror.size_limit
    if limit and limit.host_field not in names:
        message = f"size limit '{limit.host_field}' is not in struct {spec.host.struct} of {where}"
        raise InputError(limit.loc.path, limit.loc.line, limit.loc.col, message)
    return found.host


def _plan(
    spec: Spec, build: TreeBuild, regions: list[RegionFile], sites: tuple[AssertSite, ...], text: str
) -> Plan:
    return Plan.of(
        spec,
        model=str(build.tree),
        model_file="",
        model_digest="",
        model_cols=(),
        regions=tuple(regions),
        sites=sites,
        text=text,
    )
