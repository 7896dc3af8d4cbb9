"""Arguments and output shared by the commands."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not `typing`: importing it costs check's fast path ~3 ms
if TYPE_CHECKING:
    import argparse

    from codegen.report import Outcome
    from codegen.specfiles import SpecFile

FORMATS = ("text", "json", "github")


def add_specs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "specs",
        nargs="*",
        metavar="SPEC",
        help="spec files (default: specs/*.yaml here, else the bundled netmem.yaml)",
    )


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text for people, json for tools, github for workflow annotations",
    )


def emit(outcome: Outcome, fmt: str = "text") -> int:
    if fmt == "text":
        from codegen.report import emit_text

        emit_text(outcome, sys.stdout, sys.stderr)
    else:
        from codegen.report_formats import emit_github, emit_json

        (emit_json if fmt == "json" else emit_github)(outcome, sys.stdout)
    return outcome.exit_code


def is_family_file(spec_file: SpecFile) -> bool:
    """A version-2 family spec, told by its top-level `kind: family` line without loading YAML (a
    version-1 spec has no `kind`; loading it for real comes later, with its errors at their lines)."""
    import re

    try:
        data = spec_file.path.read_bytes()
    except OSError:
        return False  # the loader reports it
    return re.search(rb"^kind:[ \t]*family[ \t]*(#.*)?\r?$", data, re.M) is not None
