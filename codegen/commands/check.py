"""`mirrorgen check`: is generated output (or, with --tree, a kernel header) what the spec makes?"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from codegen.commands.common import FORMATS, add_format, add_specs, emit

TYPE_CHECKING = False  # not `typing`: check's fast path avoids its import
if TYPE_CHECKING:
    import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="directory of generated headers (default: generated/ in the project root)",
    )
    parser.add_argument("--tree", metavar="KDIR", help="check the spec's regions in this kernel tree instead")
    add_format(parser)


def fast_args(argv: list[str]) -> SimpleNamespace | None:
    """The common invocations (`check`, `check SPEC...`, `--format FMT`) parsed without
    building argparse's parser, which costs check's fast path a fifth of its time. Anything
    else (an option, a help request, a path that looks like one) goes through argparse."""
    words = list(argv)
    fmt = "text"
    if len(words) >= 2 and words[-2] == "--format" and words[-1] in FORMATS:
        fmt = words[-1]
        words = words[:-2]
    if any(w.startswith("-") for w in words):
        return None
    return SimpleNamespace(specs=words, out=None, tree=None, format=fmt)


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    from codegen.specfiles import default_out, resolve

    if args.tree:
        from codegen.check.tree_specs import resolve_for_tree

        spec_files = resolve_for_tree(args.specs, Path(args.tree))
    else:
        spec_files = resolve(args.specs)
    out = Path(args.out) if args.out else default_out()
    if args.tree and args.format == "text":
        from codegen.check.tree import is_fresh_by_memo as tree_is_fresh

        if tree_is_fresh(Path(args.tree), spec_files):
            return 0
    elif args.format == "text":
        from codegen.check.generated import is_fresh_by_memo

        if all(is_fresh_by_memo(sf, out) for sf in spec_files):
            return 0
    from codegen.report import Outcome

    outcome = Outcome("check")
    if args.tree:
        from codegen.check.tree import check_tree

        outcome.merge(check_tree(Path(args.tree), spec_files))
    else:
        from codegen.check.generated import check_generated
        from codegen.place.generated import fix_command

        stale = []
        for spec_file in spec_files:
            one = check_generated(spec_file, out)
            if one.exit_code:
                stale.append(spec_file)
            outcome.merge(one)
        if stale:  # one command regenerates every stale header
            outcome.fix = fix_command(stale, out)
    outcome.findings.sort(key=lambda f: (f.file, f.line))  # in the order a reader meets them
    return emit(outcome, args.format)
