"""`mirrorgen verify`: prove every generated layout assert on every Linux ABI, with libclang."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from codegen.commands.common import add_format, add_specs, emit, is_family_file
from codegen.errors import BadUsage

if TYPE_CHECKING:
    from codegen.report import Outcome
    from codegen.specfiles import SpecFile


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
    parser.add_argument(
        "--tree",
        metavar="KDIR",
        help="lay out struct page and any type the built-in table lacks from this kernel tree's own "
        "headers, on x86_64, i386 and arm64 (or --abi among them); the generated headers are made "
        "the kernel's way in kbuild's cached build directories",
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from codegen.report import Outcome
    from codegen.specfiles import resolve

    outcome = Outcome("verify")
    if args.btf is not None:
        from pathlib import Path

        from codegen.verify.compiled import verify_btf

        if args.abi is not None:
            raise BadUsage("--abi does not go with --btf: the compiled kernel's ABI is the one checked")
        if args.btf.endswith((".yaml", ".yml")):  # `--btf SPEC`: the optional FILE took the spec
            args.specs = [args.btf, *(args.specs or [])]
            args.btf = "/sys/kernel/btf/vmlinux"
        for spec_file in resolve(args.specs):
            outcome.merge(verify_btf(spec_file, Path(args.btf)))
        return emit(outcome, args.format)
    spec_files = resolve(args.specs)
    families = [f for f in spec_files if is_family_file(f)]
    if families:
        outcome.merge(_verify_families(args, families))
        spec_files = [f for f in spec_files if f not in families]
        if not spec_files:
            return emit(outcome, args.format)
    if args.tree is not None:
        outcome.merge(_verify_tree(args, spec_files))
        return emit(outcome, args.format)
    from codegen.verify.abis import parse_abis
    from codegen.verify.run import verify_spec

    abis = parse_abis(args.abi)
    for spec_file in spec_files:
        outcome.merge(verify_spec(spec_file, abis))
    return emit(outcome, args.format)


def _verify_families(args: argparse.Namespace, spec_files: list[SpecFile]) -> Outcome:
    """Family specs: the assert block on every ABI (11 by default), the mirror struct read from --tree."""
    from pathlib import Path

    from codegen.report import Outcome
    from codegen.spec import is_family, load_any
    from codegen.verify.abis import parse_abis
    from codegen.verify.familyrun import verify_family

    tree = Path(args.tree).resolve() if args.tree is not None else None
    abis = parse_abis(args.abi)
    outcome = Outcome("verify")
    for spec_file in spec_files:
        spec = load_any(spec_file.path, spec_file.display)
        assert is_family(spec)
        outcome.merge(verify_family(spec_file, spec, tree, abis, args.tree))  # type: ignore[arg-type]
    return outcome


def _verify_tree(args: argparse.Namespace, spec_files: list[SpecFile]) -> Outcome:
    """Prepare the tree's headers per arch (kbuild, side by side), then verify against them."""
    import sys
    from pathlib import Path

    from codegen.kbuild.arches import ARCHES
    from codegen.kbuild.headers import prepared_all
    from codegen.report import Outcome
    from codegen.verify.abis import parse_abis
    from codegen.verify.treerun import verify_tree
    from codegen.verify.treetypes import TreeBuild

    if args.btf is not None:
        raise BadUsage("--tree does not go with --btf")
    tree = Path(args.tree).resolve()
    by_abi = {arch.abi: arch for arch in ARCHES.values()}
    chosen = [a.name for a in parse_abis(args.abi)] if args.abi else list(by_abi)
    outside = [name for name in chosen if name not in by_abi]
    if outside:
        raise BadUsage(f"--tree works on {', '.join(by_abi)}, not {', '.join(outside)}")
    arches = [by_abi[name] for name in chosen]
    def say(line: str) -> None:
        sys.stderr.write(f"verify: {line}\n")  # one write per line: the arches are prepared in threads

    outs = prepared_all(tree, arches, say)
    pairs = zip(arches, outs, strict=True)
    builds = [TreeBuild(tree, out, arch.srcarch, parse_abis(arch.abi)[0]) for arch, out in pairs]
    outcome = Outcome("verify")
    for spec_file in spec_files:
        outcome.merge(verify_tree(spec_file, builds))
    return outcome
