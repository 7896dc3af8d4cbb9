"""A standalone header under generated/: banner, include guard, regions."""

from __future__ import annotations

import os
import re
from pathlib import Path


def output_path(spec_name: str, out_dir: Path) -> Path:
    return out_dir / f"{spec_name}.h"


def guard(spec_name: str) -> str:
    return "_MIRRORGEN_" + re.sub(r"[^A-Za-z0-9]", "_", spec_name).upper() + "_H"


def regenerate_command(spec_file: Path, out_dir: Path) -> str:
    """The command, run from the project root (the output dir's parent), that rewrites the file."""
    root = out_dir.resolve().parent
    spec = _relative(spec_file, root)
    out = _relative(out_dir.resolve(), root)
    return f"mirrorgen generate {spec}" + ("" if out == "generated" else f" --out {out}")


def _relative(path: Path, root: Path) -> str:
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return os.path.basename(path)


def compose(
    spec_name: str, spec_file: Path, out_dir: Path, regions: list[str], clang_format_version: str
) -> str:
    # Jinja2 and hashlib are only needed to write, not on check's fast path.
    from codegen.place.checksum import PLACEHOLDER, seal
    from codegen.render import render

    body = render("body.h.j2", guard=guard(spec_name), regions=[r.rstrip("\n") for r in regions])
    root = out_dir.resolve().parent
    text = render(
        "header.h.j2",
        spec_path=_relative(spec_file, root),
        clang_format_version=clang_format_version,
        command=regenerate_command(spec_file, out_dir),
        checksum=PLACEHOLDER,
        body=body,
    )
    return seal(text.rstrip("\n") + "\n")
