"""`mirrorgen verify`: prove every generated layout assert on every Linux ABI, with libclang."""

from __future__ import annotations

import argparse

from codegen.commands.common import add_format, add_specs, emit


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument(
        "--abi",
        metavar="LIST",
        help="comma-separated ABIs (default: all: x86_64, i386, aarch64, arm, riscv64, riscv32, "
        "s390x, powerpc64, powerpc, mips, loongarch64)",
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.report import Outcome
    from codegen.specfiles import resolve
    from codegen.verify.abis import parse_abis
    from codegen.verify.run import verify_spec

    abis = parse_abis(args.abi)
    outcome = Outcome("verify")
    for spec_file in resolve(args.specs):
        outcome.merge(verify_spec(spec_file, abis))
    return emit(outcome, args.format)
