"""`mirrorgen propose`: classify a spec change against git, verify it on every ABI, and
(with --tree) make the kernel patch. docs/propose.md has the rules and the workflow."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.commands.common import add_format, emit
from codegen.propose.rules import RULES

if TYPE_CHECKING:
    from codegen.propose.run import Proposal
    from codegen.report import Outcome
    from codegen.specfiles import SpecFile


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", metavar="SPEC",
                        help="the spec (default: the project's one specs/*.yaml, else the bundled one)")
    parser.add_argument("--against", metavar="REV",
                        help="git revision to compare with (default: HEAD; no history compares with empty); "
                             "with --tree the tree's header is the baseline instead")
    parser.add_argument("--tree", metavar="KDIR", help="kernel tree to make the patch against")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the patch here (needs --tree); without it, --tree prints the diff")
    parser.add_argument("--allow", metavar="RULE", action="append", default=[], choices=sorted(RULES),
                        help="downgrade this rule's errors to warnings, on purpose (repeatable); rules: "
                             + ", ".join(f"{r.name} ({r.severity})" for r in RULES.values())
                             + "; docs/propose.md says what each means")
    edit = parser.add_argument_group("convenience edit (writes the spec first, then proposes)")
    edit.add_argument("--add", metavar="DECL", help='one member declaration, e.g. "unsigned int frag_cnt"')
    edit.add_argument("--host-field", metavar="NAME", help="the host field it overlays (default: its name)")
    edit.add_argument("--after", metavar="FIELD", help="insert after this field or member (default: last)")
    edit.add_argument("--to", metavar="STRUCT", help="the mirror struct (default) or the alias struct")
    edit.add_argument("--page", metavar="N", type=int, default=None,
                      help="family spec: the assert group of page[N] for the field's use (default: 0)")
    edit.add_argument("--if", dest="condition", metavar="COND",
                      help="family spec: put the field and its use under #ifdef COND (#if for an expression)")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.errors import BadUsage
    from codegen.propose.history import baseline
    from codegen.propose.run import propose
    from codegen.report import Outcome
    from codegen.spec import load_spec

    if args.output and not args.tree:
        raise BadUsage("-o writes a patch against a kernel tree: give --tree KDIR")
    spec_file = _spec_file(args.spec)
    from codegen.commands.common import is_family_file

    if is_family_file(spec_file):
        from codegen.commands.propose_family import run_family

        return run_family(args, spec_file)
    if args.page is not None or args.condition is not None:
        raise BadUsage("--page and --if go with a family spec (version 2)")
    if not args.add and (args.host_field or args.after or args.to):
        raise BadUsage("--host-field, --after and --to go with --add")
    if args.tree and args.against:
        raise BadUsage("--against compares with git; with --tree the proposal is graded against "
                         "the tree's header, which is what the patch changes")
    # Everything that can be bad input is checked before --add writes the spec.
    header: tuple[bytes, str] | None = None
    if args.tree:
        header = _tree_header(spec_file, args.tree)
        if args.output:  # a device, FIFO, directory or one of our own inputs is refused up front
            from codegen.place.atomic import check_output

            check_output(Path(args.output), _inputs(spec_file, args.tree))
    else:
        base = baseline(spec_file.path, spec_file.name, args.against or "HEAD", args.against is not None)
    sections: list[str] = []
    if args.add:
        sections.append(_edit(spec_file, args))
    spec = load_spec(spec_file.path, spec_file.display)
    if header is not None:
        from codegen.propose.tree_baseline import tree_baseline

        base = tree_baseline(spec, *header)
    proposal = propose(spec, base, set(args.allow))

    outcome = Outcome("propose", exit_code=proposal.exit_code, findings=proposal.findings)
    layout = proposal.layout.text()
    sections.append(layout if layout else f"no change against {base.label}\n")
    if base.why_empty:
        sections.append(f"propose: {base.why_empty}: comparing with an empty spec")
    outcome.data = {"spec": spec_file.display, "against": base.label, "layout": proposal.layout.data(),
                    "changes": [{"kind": c.kind, "struct": c.struct, "name": c.name, "old_name": c.old_name}
                                for c in proposal.classified.changes]}
    if args.tree:
        sections += _patch(proposal, spec_file, Path(args.tree), args.output, outcome)
    sites = len(proposal.verified.sites)
    sections.append(f"propose: {spec_file.display} against {base.label}: {proposal.counts()}; "
                    f"verify: {sites} asserts on {len(proposal.verified.results)} ABIs")
    outcome.sections = sections
    return emit(outcome, args.format)


def _tree_header(spec_file: SpecFile, tree: str) -> tuple[bytes, str]:
    """The header the patch changes, and how messages name it: the proposal's baseline."""
    from codegen.errors import InputError
    from codegen.place.tree_paths import target_path, tree_root
    from codegen.spec import load_spec

    target = load_spec(spec_file.path, spec_file.display).target.file
    path = target_path(tree_root(Path(tree)), target, tree)
    shown = f"{tree.rstrip('/')}/{target}"
    from codegen.place.reading import read_regular

    try:
        return read_regular(path, shown), shown
    except OSError as exc:
        raise InputError(shown, 1, 1, f"cannot read the target file: {exc.strerror}") from None


def _spec_file(arg: str | None) -> SpecFile:
    from codegen.errors import BadUsage
    from codegen.specfiles import resolve

    found = resolve([arg] if arg else [])
    if len(found) > 1:
        names = ", ".join(sf.display for sf in found)
        raise BadUsage(f"propose works on one spec; name it (found {names})")
    return found[0]


def _edit(spec_file: SpecFile, args: argparse.Namespace) -> str:
    """Insert the field into the spec text and write it (atomically) before proposing:
    the developer sees the edit whatever the verdict; git shows and reverts it."""
    from codegen.place.atomic import write_if_changed
    from codegen.propose.spec_edit import Addition, add
    from codegen.spec import parse_spec
    from codegen.spec.build import build
    from codegen.spec.yamlload import loads

    raw = spec_file.path.read_bytes()
    doc = loads(raw, spec_file.display)
    spec = build(doc, spec_file.name)
    edited = add(raw, doc, spec, Addition(args.add, args.host_field, args.after, args.to))
    from codegen.verify.ktypes import check_spec_types

    # A bad edit writes nothing (exit 2), and neither does a type verify cannot lay out.
    check_spec_types(parse_spec(edited.text, spec_file.display, spec_file.name))
    write_if_changed(spec_file.path, edited.text)
    return (f"propose: wrote {spec_file.display}: {edited.type} {edited.name} added to struct "
            f"{edited.struct} at line {edited.line}")


def _patch(proposal: Proposal, spec_file: SpecFile, tree: Path, output: str | None,
           outcome: Outcome) -> list[str]:
    """The diff of the owned regions (printed), or the whole patch (written to FILE)."""
    from codegen.place.atomic import write_if_changed
    from codegen.propose.patch import encode, identity, patch_text, tree_diff

    diff = tree_diff(tree, spec_file)
    shown = f"{tree.as_posix().rstrip('/')}/{diff.relative}"
    if diff.old == diff.new:
        return [f"propose: {shown} already holds what {spec_file.display} makes: no diff, no patch"]
    if output is None:
        outcome.diff = diff.diff
        return []
    if proposal.exit_code:
        return [f"propose: no patch written to {output}: the proposal has errors; fix them, "
                "or --allow RULE on purpose"]
    who = identity(tree)
    text = patch_text(proposal, diff, who)
    write_if_changed(Path(output), encode(text), inputs=_inputs(spec_file, tree.as_posix()))
    subject = next(line for line in text.splitlines() if line.startswith("Subject: "))
    lines = [f"propose: wrote {output} against {shown} ({subject})"]
    if who is None:
        lines.append(f"propose: no git identity in {tree.as_posix()} (git -C {tree.as_posix()} config "
                     "user.name / user.email): the patch has no From: or Signed-off-by: line; "
                     "add them before sending")
    return lines


def _inputs(spec_file: SpecFile, tree: str) -> list[Path]:
    """What propose reads: -o must be none of them."""
    from codegen.place.atomic import tool_inputs
    from codegen.place.tree_paths import style_file, target_path, tree_root
    from codegen.spec import load_spec

    root = tree_root(Path(tree))
    header = target_path(root, load_spec(spec_file.path, spec_file.display).target.file, tree)
    style = style_file(root)
    return [spec_file.path, header, *tool_inputs(), *([style] if style else [])]
