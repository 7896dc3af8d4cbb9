"""`mirrorgen kbuild`: build the kernel objects that check the asserts, per arch, out of tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from codegen.commands.common import add_format, add_specs, emit


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tree", required=True, metavar="KDIR", help="the kernel source tree (left clean: O= builds)"
    )
    parser.add_argument(
        "--arch", metavar="LIST", help="comma-separated: x86_64, i386, arm64 (default: all three)"
    )
    parser.add_argument(
        "--object",
        action="append",
        dest="objects",
        metavar="OBJ",
        help="a kernel object to build instead of those known to include the spec's header",
    )
    parser.add_argument(
        "--host-probe",
        action="store_true",
        help="also compile a probe that pins the host model's offsets against the tree's real struct",
    )
    add_specs(parser)
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.kbuild.arches import parse_arches
    from codegen.kbuild.run import kbuild
    from codegen.specfiles import resolve

    outcome = kbuild(
        Path(args.tree), parse_arches(args.arch), resolve(args.specs), args.objects, args.host_probe
    )
    return emit(outcome, args.format)
