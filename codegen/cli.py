"""The `mirrorgen` command line: a thin dispatcher over the stages.

Only the chosen command's module is imported, so `mirrorgen check` pays for
nothing it does not use. Exit codes: 0 ok, 1 findings or drift, 2 bad input.
"""

from __future__ import annotations

import importlib
import sys

from codegen import __version__
from codegen.errors import InputError, UsageError

TYPE_CHECKING = False  # not `typing`: check's fast path avoids its import
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

# name -> (module, one-line help). Each module defines configure(parser) and run(args).
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("codegen.commands.generate", "write generated/<spec>.h from each spec"),
    "check": ("codegen.commands.check", "fail if generated output (or a kernel tree) drifted"),
    "apply": ("codegen.commands.apply", "rewrite the spec's regions in a kernel tree's header"),
    "verify": ("codegen.commands.verify", "prove the layout asserts on every Linux ABI"),
    "kbuild": ("codegen.commands.kbuild", "build the kernel objects that check the asserts"),
    "propose": ("codegen.commands.propose", "classify a spec change and write a kernel patch"),
    "doctor": ("codegen.commands.doctor", "check the tools mirrorgen needs, say what to install"),
    "scan": ("codegen.commands.scan", "list the mirror families of a kernel tree and their unasserted words"),
}


def _top_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="mirrorgen",
        description="Generate mirrored C structs and their offset asserts from one spec.",
    )
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text)
    return parser


def _version() -> str:
    """mirrorgen's version and those of the clang-format and libclang it will run."""
    lines = [f"mirrorgen {__version__}"]
    try:
        from codegen.format import binary, version

        lines.append(f"clang-format {version()} ({binary()})")
    except UsageError as exc:
        lines.append(f"clang-format: unavailable ({exc})")
    try:
        from clang.cindex import conf

        from codegen.commands.doctor import libclang_version

        number = libclang_version().rsplit("version", 1)[-1].split()[0]
        lines.append(f"libclang {number} ({conf.get_filename()})")
    except Exception as exc:  # a missing or broken library: say so, --version still works
        from codegen.commands.doctor import requirement

        lines.append(f"libclang: unavailable ({exc}); pip install '{requirement('libclang')}'")
    return "\n".join(lines)


def _input_error(command: str, fmt: str, exc: InputError | UsageError) -> int:
    """Exit 2: one plain line for text; for json/github, a finding-shaped document."""
    if fmt == "text":
        line = str(exc) if isinstance(exc, InputError) else f"mirrorgen {command}: error: {exc}"
        print(line, file=sys.stderr)
        return 2
    from codegen.commands.common import emit
    from codegen.report import Finding, Outcome

    if isinstance(exc, InputError):
        finding = Finding(exc.path, exc.line, exc.col, "input-error", "error", exc.message)
    else:  # no location: file "" and line 0 (docs/integrations.md)
        finding = Finding("", 0, 0, "usage-error", "error", str(exc))
    return emit(Outcome(command, exit_code=2, findings=[finding]), fmt)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        top = _top_parser()
        if top.parse_args(args).version:
            print(_version())
            return 0
        top.print_help()
        return 2 if not args else 0
    module_name, help_text = COMMANDS[args[0]]
    module = importlib.import_module(module_name)
    fast = getattr(module, "fast_args", None)  # a command's own parse of its common invocations
    parsed: Any = fast(args[1:]) if fast is not None else None
    if parsed is None:
        import argparse

        parser = argparse.ArgumentParser(prog=f"mirrorgen {args[0]}", description=help_text)
        module.configure(parser)
        parsed = parser.parse_args(args[1:])
    try:
        code: int = module.run(parsed)
        return code
    except (InputError, UsageError) as exc:
        return _input_error(args[0], getattr(parsed, "format", "text"), exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
