"""`mirrorgen propose` for a family spec (version 2): `--add` edits the spec's struct and assert
block, the proposal is graded against the tree's current regions and verified on every ABI, and
the patch is what `apply` would write. docs/propose.md ("Family specs") has the workflow."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.commands.common import emit
from codegen.errors import BadUsage

if TYPE_CHECKING:
    from codegen.propose.family_run import FamilyProposal
    from codegen.report import Outcome
    from codegen.spec.family_model import FamilySpec
    from codegen.specfiles import SpecFile


def run_family(args: argparse.Namespace, spec_file: SpecFile) -> int:
    from codegen.propose.family_run import propose_family
    from codegen.report import Outcome
    from codegen.verify.abis import ABIS

    if not args.tree:
        raise BadUsage("propose grades a family spec (version 2) against a kernel tree's regions: "
                       "give --tree KDIR")
    if args.to:
        raise BadUsage("--to is for version-1 specs; a family spec's fields go into its struct: section")
    if not args.add and (args.host_field or args.after or args.page is not None or args.condition):
        raise BadUsage("--host-field, --after, --page and --if go with --add")
    from codegen.place.tree_paths import tree_root

    tree = tree_root(Path(args.tree))
    spec = _load(spec_file)
    _check_tree(spec, tree, args.tree)
    if args.output:  # a device, FIFO, directory or one of our own inputs is refused up front
        from codegen.place.atomic import check_output

        check_output(Path(args.output), _inputs(spec_file, spec, tree))
    sections: list[str] = []
    if args.add:
        sections.append(_edit(spec_file, spec, args, tree))
        spec = _load(spec_file)
    proposal = propose_family(spec, tree, args.tree, list(ABIS), set(args.allow))
    outcome = Outcome("propose", exit_code=proposal.exit_code, findings=proposal.findings)
    layout = proposal.layout.text()
    sections.append(layout if layout else f"no change against {proposal.label}\n")
    outcome.data = {"spec": spec_file.display, "against": proposal.label, "layout": proposal.layout.data(),
                    "changes": [{"kind": c.kind, "struct": c.struct, "name": c.name, "old_name": c.old_name}
                                for c in proposal.changes]}
    sections += _patch(proposal, spec_file, spec, tree, args.tree, args.output, outcome)
    sections.append(f"propose: {spec_file.display} against {proposal.label}: {proposal.counts()}; "
                    f"verify: {proposal.asserts} asserts on {proposal.abis} ABIs")
    outcome.sections = sections
    return emit(outcome, args.format)


def _load(spec_file: SpecFile) -> FamilySpec:
    from codegen.spec import load_any
    from codegen.spec.family_model import FamilySpec

    spec = load_any(spec_file.path, spec_file.display)
    assert isinstance(spec, FamilySpec)
    return spec


def _check_tree(spec: FamilySpec, tree: Path, shown: str) -> None:
    """The tree has the spec's file(s) and a kernel Makefile (verify picks the host model by it)."""
    from codegen.errors import InputError
    from codegen.verify.familytu import kernel_version

    if spec.struct is None:
        raise InputError(spec.path, spec.loc.line, spec.loc.col, "propose needs the spec's struct: "
                         "section (mirrorgen import writes one)")
    for relative in dict.fromkeys((spec.file, spec.struct.file)):
        if not (tree / relative).is_file():
            raise InputError(f"{shown.rstrip('/')}/{relative}", 1, 1, f"the tree has no {relative} "
                             f"({spec.path} names it)")
    kernel_version(tree)


def _edit(spec_file: SpecFile, spec: FamilySpec, args: argparse.Namespace, tree: Path) -> str:
    """Insert the field and its use into the spec text and write it (atomically) before proposing:
    the developer sees the edit whatever the verdict; git shows and reverts it."""
    from codegen.errors import InputError
    from codegen.place.atomic import write_if_changed
    from codegen.propose.family_edit import FamilyAddition, add_family
    from codegen.propose.spec_edit import parse_member
    from codegen.resources import bundled_specs_dir
    from codegen.spec.hostload import load_host_struct
    from codegen.spec.yamlload import loads
    from codegen.verify.familytu import kernel_version
    from codegen.verify.ktypes import unknown

    ctype, _ = parse_member(args.add)
    missing = unknown(ctype, {spec.host, spec.mirror})
    if missing is not None:
        raise InputError("--add", 1, 1, f"unknown type {missing}: verify lays out a family's struct with "
                         "its built-in kernel types only (docs/verify.md)")
    version = kernel_version(tree)
    model = load_host_struct(bundled_specs_dir() / "hosts" / f"{spec.host}.yaml").for_kernel(version)
    raw = spec_file.path.read_bytes()
    addition = FamilyAddition(args.add, args.host_field, args.page or 0, args.after, args.condition)
    edited = add_family(raw, loads(raw, spec_file.display), spec, addition, set(model.fields),
                        f"the hand model of struct {spec.host} for {version[0]}.{version[1]}")
    write_if_changed(spec_file.path, edited.text)
    said = (f"propose: wrote {spec_file.display}: {edited.type} {edited.name} added to struct "
            f"{edited.struct} at line {edited.line}")
    if edited.use is not None:
        page = args.page or 0
        said += f", with {spec.macro}({edited.use[0]}, {edited.use[1]}) for page[{page}]"
    if edited.directive is not None:
        said += f", both under {edited.directive}"
    return said


def _patch(proposal: FamilyProposal, spec_file: SpecFile, spec: FamilySpec, tree: Path, shown_tree: str,
           output: str | None, outcome: Outcome) -> list[str]:
    """The diff of the owned regions (printed), or the whole patch (written to FILE)."""
    from codegen.place.atomic import write_if_changed
    from codegen.propose.patch import encode, format_patch, identity, subject_prefix, tree_diffs

    diffs = [d for d in tree_diffs(tree, spec_file) if d.old != d.new]
    shown = f"{shown_tree.rstrip('/')}/{spec.file}"
    if not diffs:
        return [f"propose: {shown} already holds what {spec_file.display} makes: no diff, no patch"]
    if output is None:
        outcome.diff = "".join(d.diff for d in diffs)
        return []
    if proposal.exit_code:
        return [f"propose: no patch written to {output}: the proposal has errors; fix them, "
                "or --allow RULE on purpose"]
    who = identity(tree)
    changes = [c for c in proposal.changes if c.kind != "moved"]
    text = format_patch(who, subject_prefix(spec.file), changes, spec.mirror, proposal.layout.text(),
                        proposal.findings, proposal.abis, diffs)
    write_if_changed(Path(output), encode(text), inputs=_inputs(spec_file, spec, tree))
    subject = next(line for line in text.splitlines() if line.startswith("Subject: "))
    lines = [f"propose: wrote {output} against {shown} ({subject})"]
    if who is None:
        lines.append(f"propose: no git identity in {shown_tree} (git -C {shown_tree} config "
                     "user.name / user.email): the patch has no From: or Signed-off-by: line; "
                     "add them before sending")
    return lines


def _inputs(spec_file: SpecFile, spec: FamilySpec, tree: Path) -> list[Path]:
    """What propose reads: -o must be none of them."""
    from codegen.place.atomic import tool_inputs

    files = [tree / spec.file] + ([tree / spec.struct.file] if spec.struct else [])
    return [spec_file.path, *files, *tool_inputs()]
