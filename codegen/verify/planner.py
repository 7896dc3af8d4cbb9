"""Making a verify plan: load the spec and its host model, generate, compose the translation unit."""

from __future__ import annotations

from codegen import memo
from codegen.pipeline import format_regions
from codegen.spec import load_spec
from codegen.spec.hostload import model_file
from codegen.spec.model import Spec
from codegen.specfiles import SpecFile
from codegen.verify.hostmodel import HostModel, load_host_model
from codegen.verify.ktypes import check_spec_types
from codegen.verify.plan import Plan
from codegen.verify.sites import assert_sites
from codegen.verify.tu import region_files, verify_tu


def make_plan(spec_file: SpecFile) -> Plan:
    spec = load_spec(spec_file.path, spec_file.display)
    return plan_for(spec, load_host_model(spec))


def plan_for(spec: Spec, model: HostModel) -> Plan:
    """The plan of a loaded spec (also one parsed from memory, as `propose` does)."""
    check_spec_types(spec)
    regions = region_files(spec, format_regions(spec))
    model_path = model_file(spec).resolve()
    try:
        model_digest = memo.digest(model_path.read_bytes())
    except OSError:
        model_digest = ""
    return Plan.of(
        spec,
        model=model.path,
        model_file=str(model_path),
        model_digest=model_digest,
        model_cols=tuple((f.loc.line, f.loc.col) for f in model.fields.values()),
        regions=tuple(regions),
        sites=tuple(assert_sites(spec, regions)),
        text=verify_tu(model.data, spec, regions),
    )

