"""Stage 3: clang-format, the real binary from the pinned PyPI wheel.

The native binary is run directly (the wheel's wrapper script costs ~30 ms
more per call), and all regions go through one call: they are joined with a
marker comment that clang-format leaves alone, then split apart again.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

_MARKER = "/* mirrorgen: region break */"


def wheel_binary() -> Path | None:
    """Where the wheel keeps its native binary, found without importing the wheel's module
    (it imports sysconfig): `check`'s fast path stats this path to fingerprint the version."""
    found = importlib.util.find_spec("clang_format")
    if found is None or found.origin is None:
        return None
    return Path(found.origin).parent / "data" / "bin" / "clang-format"


@cache
def binary() -> Path:
    path = wheel_binary()
    if path is None:
        raise _tool_error("clang-format is not installed: pip install 'clang-format>=23.1,<24'")
    if not path.is_file():
        raise _tool_error(f"clang-format binary missing from its wheel: {path}")
    return path


@cache
def version() -> str:
    """The clang-format version, read from the wheel's metadata directory (no subprocess)."""
    site = binary().parents[3]
    for info in site.glob("clang_format-*.dist-info"):
        return info.name[len("clang_format-") : -len(".dist-info")]
    import subprocess  # not at module level: `check`'s fast path imports this module

    out = subprocess.run([binary(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split("version")[-1].split()[0]


def format_snippets(snippets: list[str], style: Path) -> list[str]:
    """Format C snippets with one clang-format call; each comes back with a final newline."""
    if not snippets:
        return []
    import subprocess

    joined = f"\n{_MARKER}\n".join(s.rstrip("\n") + "\n" for s in snippets)
    program = binary()
    try:
        proc = subprocess.run(
            [program, f"--style=file:{style}", "--assume-filename=mirrorgen.h"],
            input=joined.encode(),
            capture_output=True,
            check=False,
        )
    except OSError as exc:  # no exec bit, not a program for this machine, ...
        raise _tool_error(f"clang-format cannot run ({program}): {exc.strerror or exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        first = message[0] if message else str(proc.returncode)
        import re

        located = re.match(r"(.+?):(\d+):(\d+): (?:error: )?(.*)", first)
        if located and Path(located.group(1)) == Path(style):  # the style file is to blame
            from codegen.errors import InputError

            raise InputError(located.group(1), int(located.group(2)), int(located.group(3)),
                             f"clang-format style: {located.group(4)}")
        raise _tool_error(f"clang-format failed: {first}")
    parts = proc.stdout.decode().split(f"\n{_MARKER}\n")
    if len(parts) != len(snippets):
        raise _tool_error("clang-format merged or split the generated regions")
    return [p.rstrip("\n") + "\n" for p in parts]


def _tool_error(message: str) -> Exception:
    from codegen.errors import ToolError  # not at module level: `check`'s fast path imports this module

    return ToolError(message)
