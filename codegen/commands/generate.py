"""`mirrorgen generate`: write generated/<spec>.h for each spec, only when it changes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.commands.common import add_specs


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument(
        "--out", default="generated", metavar="DIR", help="output directory (default: generated)"
    )


def run(args: argparse.Namespace) -> int:
    from codegen.pipeline import expected_header
    from codegen.place.atomic import check_output, tool_inputs, write_if_changed
    from codegen.place.generated import output_path
    from codegen.specfiles import display_path, resolve

    out_dir = Path(args.out)
    spec_files = resolve(args.specs)
    inputs = [sf.path for sf in spec_files] + tool_inputs()
    # Every output must be a regular file or a new path, never an input, before anything is built.
    for sf in spec_files:
        check_output(output_path(sf.name, out_dir), inputs)
    # Build every output before writing any, so one bad spec writes nothing.
    outputs = [(output_path(sf.name, out_dir), expected_header(sf, out_dir)[1]) for sf in spec_files]
    for path, text in outputs:
        state = "wrote" if write_if_changed(path, text.encode(), inputs=inputs) else "unchanged"
        print(f"{state} {display_path(path.resolve())}", file=sys.stderr)
    return 0
