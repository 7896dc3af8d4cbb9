"""The `mirrorgen` command line: a thin dispatcher over the stages.

Only the chosen command's module is imported, so `mirrorgen check` pays for
nothing it does not use. Exit codes: 0 ok, 1 findings or drift, 2 bad input.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

from codegen import __version__
from codegen.errors import InputError, Terminated, UsageError

TYPE_CHECKING = False  # not `typing`: check's fast path avoids its import
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import FrameType
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
    "import": ("codegen.commands.importing", "write a family spec from a kernel tree's assert block"),
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

        from codegen.tools import libclang_version

        number = libclang_version().rsplit("version", 1)[-1].split()[0]
        lines.append(f"libclang {number} ({conf.get_filename()})")
    except Exception as exc:  # a missing or broken library: say so, --version still works
        from codegen.tools import requirement

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
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 path is printed, not a crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    command = f"mirrorgen {args[0]}" if args and args[0] in COMMANDS else "mirrorgen"
    previous = _on_sigterm()
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143
    except Exception as exc:  # the environment failed under us: one line, never a traceback
        if os.environ.get("MIRRORGEN_DEBUG"):
            raise
        import contextlib  # only on this path: check's fast path never pays for it

        with contextlib.suppress(Exception):  # stderr itself may be gone
            print(f"{command}: error: {_environment(exc)}", file=sys.stderr)
        return 2
    finally:
        for handler in previous:
            signal.signal(signal.SIGTERM, handler)


def _dispatch(args: list[str]) -> int:
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


def _environment(exc: Exception) -> str:
    """An unexpected failure, said in one line: what failed and on which file."""
    if isinstance(exc, OSError):
        where = f"{os.fsdecode(exc.filename)}: " if exc.filename is not None else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, RecursionError):
        return "input nested too deeply"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _on_sigterm() -> list[Any]:
    """SIGTERM unwinds the command (temp files are removed); the old handler is put back after."""
    try:
        return [signal.signal(signal.SIGTERM, _terminate)]
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        return []


if __name__ == "__main__":
    raise SystemExit(main())
