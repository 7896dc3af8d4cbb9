"""`mirrorgen check`: is generated output (or, with --tree, a kernel header) what the spec makes?"""

from __future__ import annotations

import argparse
from pathlib import Path

from codegen.commands.common import add_format, add_specs, emit


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument(
        "--out",
        default="generated",
        metavar="DIR",
        help="directory of generated headers (default: generated)",
    )
    parser.add_argument("--tree", metavar="KDIR", help="check the spec's regions in this kernel tree instead")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.specfiles import resolve

    spec_files = resolve(args.specs)
    if args.tree and args.format == "text":
        from codegen.check.tree import is_fresh_by_memo as tree_is_fresh

        if tree_is_fresh(Path(args.tree), spec_files):
            return 0
    elif args.format == "text":
        from codegen.check.generated import is_fresh_by_memo

        if all(is_fresh_by_memo(sf, Path(args.out)) for sf in spec_files):
            return 0
    from codegen.report import Outcome

    outcome = Outcome("check")
    if args.tree:
        from codegen.check.tree import check_tree

        outcome.merge(check_tree(Path(args.tree), spec_files))
    else:
        from codegen.check.generated import check_generated

        for spec_file in spec_files:
            outcome.merge(check_generated(spec_file, Path(args.out)))
    return emit(outcome, args.format)
