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
    parser.add_argument(
        "--btf",
        metavar="FILE",
        nargs="?",
        const="/sys/kernel/btf/vmlinux",
        help="compare the spec with a compiled kernel's BTF instead: a raw BTF file or an ELF vmlinux "
        "(default: /sys/kernel/btf/vmlinux, the running kernel)",
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.report import Outcome
    from codegen.specfiles import resolve
    outcome = Outcome("verify")
    if args.btf is not None:
        from pathlib import Path

        from codegen.errors import UsageError
        from codegen.verify.compiled import verify_btf

        if args.abi is not None:
            raise UsageError("--abi does not go with --btf: the compiled kernel's ABI is the one checked")
        if args.btf.endswith((".yaml", ".yml")):  # `--btf SPEC`: the optional FILE took the spec
            args.specs = [args.btf, *(args.specs or [])]
            args.btf = "/sys/kernel/btf/vmlinux"
        for spec_file in resolve(args.specs):
            outcome.merge(verify_btf(spec_file, Path(args.btf)))
        return emit(outcome, args.format)
    from codegen.verify.abis import parse_abis
    from codegen.verify.run import verify_spec

    abis = parse_abis(args.abi)
    for spec_file in resolve(args.specs):
        outcome.merge(verify_spec(spec_file, abis))
    return emit(outcome, args.format)
