"""The `mirrorgen` command line: a thin dispatcher over the stages.

Only the chosen command's module is imported, so `mirrorgen check` pays for
nothing it does not use. Exit codes: 0 ok, 1 findings or drift, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from codegen import __version__
from codegen.errors import InputError, UsageError

# name -> (module, one-line help). Each module defines configure(parser) and run(args).
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("codegen.commands.generate", "write generated/<spec>.h from each spec"),
    "check": ("codegen.commands.check", "fail if generated output (or a kernel tree) drifted"),
    "apply": ("codegen.commands.apply", "rewrite the spec's regions in a kernel tree's header"),
    "verify": ("codegen.commands.verify", "prove the layout asserts on every Linux ABI"),
    "kbuild": ("codegen.commands.kbuild", "build the kernel objects that check the asserts"),
    "propose": ("codegen.commands.propose", "classify a spec change and write a kernel patch"),
    "doctor": ("codegen.commands.doctor", "check the tools mirrorgen needs and say what is missing"),
}


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirrorgen",
        description="Generate mirrored C struct definitions and their offset asserts from one spec.",
    )
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text)
    return parser


def _version() -> str:
    lines = [f"mirrorgen {__version__}"]
    try:
        from codegen.format import version

        lines.append(f"clang-format {version()}")
    except UsageError as exc:
        lines.append(f"clang-format: unavailable ({exc})")
    try:
        from importlib.metadata import version as dist_version

        lines.append(f"libclang {dist_version('libclang')}")
    except Exception:
        lines.append("libclang: not installed (pip install 'mirrorgen[verify]')")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        top = _top_parser()
        parsed = top.parse_args(args)
        if parsed.version:
            print(_version())
            return 0
        top.print_help()
        return 2 if not args else 0
    module_name, help_text = COMMANDS[args[0]]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"mirrorgen {args[0]}", description=help_text)
    module.configure(parser)
    parsed = parser.parse_args(args[1:])
    try:
        code: int = module.run(parsed)
        return code
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"mirrorgen {args[0]}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
