"""`mirrorgen generate`: write generated/<spec>.h for each spec, only when it changes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.commands.common import add_specs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from codegen.spec.model import Spec


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument(
        "--out", metavar="DIR", help="output directory (default: generated/ in the project root)"
    )


def run(args: argparse.Namespace) -> int:
    from codegen.pipeline import expected_header
    from codegen.place.atomic import check_output, tool_inputs, write_if_changed
    from codegen.place.generated import output_path
    from codegen.specfiles import default_out, display_path, resolve

    out_dir = Path(args.out) if args.out else default_out()
    spec_files = resolve(args.specs)
    inputs = [sf.path for sf in spec_files] + tool_inputs()
    # Every output must be a regular file or a new path, never an input, before anything is built.
    for sf in spec_files:
        check_output(output_path(sf.name, out_dir), inputs)
    # Build every output before writing any, so one bad spec writes nothing.
    outputs = []
    for sf in spec_files:
        spec, text = expected_header(sf, out_dir)
        _check_host_fields(spec)
        outputs.append((output_path(sf.name, out_dir), text))
    for path, text in outputs:
        state = "wrote" if write_if_changed(path, text.encode(), inputs=inputs) else "unchanged"
        print(f"{state} {display_path(path.resolve())}", file=sys.stderr)
    return 0


def _check_host_fields(spec: Spec) -> None:
    """A mirror field that overlays no field of the host model is bad input here too, not only
    for verify: the asserts generated for it could never compile. Without a model file to read
    (none named, or not found), verify is the one to say so."""
    from codegen.spec.hostload import model_file, spec_host_struct

    if spec.host.model is not None and model_file(spec).is_file():
        spec_host_struct(spec)
