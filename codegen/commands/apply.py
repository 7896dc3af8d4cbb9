"""`mirrorgen apply --tree KDIR`: rewrite the spec's regions in the kernel tree's header.

Every spec is planned before anything is written, so one bad spec or header
writes nothing. Each header is replaced atomically (temp file + rename: a
hard-linked tree copy keeps its other links untouched) and only when its
bytes change. `--dry-run` prints the diff instead.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.commands.common import add_format, add_specs, emit

if TYPE_CHECKING:
    from codegen.pipeline import TreeTarget
    from codegen.specfiles import SpecFile


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument("--tree", metavar="KDIR", required=True, help="the kernel tree to rewrite")
    parser.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.check.diff import unified
    from codegen.place.tree_paths import tree_root
    from codegen.report import Outcome
    from codegen.specfiles import resolve

    tree = Path(args.tree)
    spec_files = resolve(args.specs)
    if not args.specs:
        _one_per_header(spec_files, tree.as_posix())
    headers = _plan_all(tree_root(tree), tree.as_posix(), spec_files)
    changed = [h for h in headers.values() if h.before != h.after]
    outcome = Outcome("apply")
    outcome.data = {"changed": [h.relative for h in changed],
                    "unchanged": [h.relative for h in headers.values() if h not in changed],
                    "dry_run": bool(args.dry_run)}
    if args.dry_run:
        outcome.diff = "".join(unified(_text(h.before), _text(h.after), h.relative) for h in changed)
    else:
        inputs = _inputs(tree_root(tree), resolve(args.specs))
        for path, header in headers.items():
            state = "wrote" if _write(path, header, tree.as_posix(), inputs) else "unchanged"
            if args.format == "text":
                print(f"{state} {header.relative}", file=sys.stderr)
    return emit(outcome, args.format)


def _one_per_header(spec_files: list[SpecFile], shown_tree: str) -> None:
    """A project may keep a spec per form of one header (seed and upstream): applying all of
    them would leave the last one's form. Unnamed, that is a choice apply will not make."""
    from codegen.errors import BadUsage
    from codegen.spec import load_spec

    owners: dict[str, list[str]] = {}
    for sf in spec_files:
        owners.setdefault(load_spec(sf.path, sf.display).target.file, []).append(sf.display)
    for target, names in owners.items():
        if len(names) > 1:
            raise BadUsage(f"{', '.join(names)} all own {target}: name the one whose form "
                             f"{shown_tree} should take (mirrorgen apply --tree {shown_tree} SPEC)")


@dataclass
class _Header:
    relative: str
    before: bytes
    after: bytes


def _plan_all(root: Path, shown_tree: str, spec_files: list[SpecFile]) -> dict[Path, _Header]:
    """Every header's new bytes, or an InputError before anything is written."""
    from codegen.errors import InputError
    from codegen.pipeline import plan_in_tree

    headers: dict[Path, _Header] = {}
    for spec_file in spec_files:
        # A second spec for the same header works on the first one's result.
        pending = {path: header.after for path, header in headers.items()}
        planned = plan_in_tree(root, shown_tree, spec_file, pending)
        _same_kernel(root, shown_tree, planned)
        for target in (planned, *planned.also):  # a family's struct may live in another file
            plan = target.plan
            shown = f"{shown_tree.rstrip('/')}/{target.relative}"
            if plan.overlaps:
                line, why = plan.overlaps[0]
                raise InputError(shown, line, 1, f"{why}; refusing to rewrite it")
            if plan.foreign:
                line, why = plan.foreign[0]
                raise InputError(shown, line, 1, f"{why}; refusing to rewrite it")
            if plan.unplaceable:
                name, why = plan.unplaceable[0]
                raise InputError(shown, 1, 1, f"cannot insert region {name}: {why}")
            if plan.lost:  # text the spec keeps from the tree is gone: only a human can bring it back
                line, why = plan.lost[0]
                raise InputError(shown, line, 1, f"{why}; refusing to rewrite it")
            first = headers.get(target.path)
            headers[target.path] = _Header(target.relative, first.before if first else plan.header,
                                           plan.result())
    return headers


def _same_kernel(root: Path, shown_tree: str, planned: TreeTarget) -> None:
    """A family spec that would write asserts on host words the tree's host struct lacks was
    made for another kernel: what it writes would not compile."""
    from codegen.errors import InputError
    from codegen.family.hostwords import absent_host_words, absent_message
    from codegen.spec.family_model import FamilySpec

    spec = planned.spec
    if not isinstance(spec, FamilySpec) or all(t.plan.in_step for t in (planned, *planned.also)):
        return
    absent = absent_host_words(root, spec)
    if absent is not None:
        raise InputError(f"{shown_tree.rstrip('/')}/{absent.file}", absent.line, 1,
                         f"{absent_message(spec, absent)}; apply would not compile, refusing to rewrite "
                         f"(mirrorgen import --tree {shown_tree} --macro {spec.macro} -o SPEC owns this "
                         "tree's family)")


def _write(path: Path, header: _Header, shown_tree: str, inputs: list[Path]) -> bool:
    from codegen.place.atomic import write_if_changed

    return write_if_changed(path, header.after, inputs=inputs,
                            shown=f"{shown_tree.rstrip('/')}/{header.relative}")


def _inputs(root: Path, spec_files: list[SpecFile]) -> list[Path]:
    """What apply reads besides the header: the header must not be one of them."""
    from codegen.place.atomic import tool_inputs
    from codegen.place.tree_paths import style_file

    style = style_file(root)
    return [sf.path for sf in spec_files] + tool_inputs() + ([style] if style else [])


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
