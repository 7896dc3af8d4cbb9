"""A standalone header under generated/: banner, include guard, regions."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from codegen.specfiles import DEFAULT_OUT, SpecFile, default_out


def output_path(spec_name: str, out_dir: Path) -> Path:
    return out_dir / f"{spec_name}.h"


def guard(spec_name: str) -> str:
    return "_MIRRORGEN_" + re.sub(r"[^A-Za-z0-9]", "_", spec_name).upper() + "_H"


def banner_root(out_dir: Path) -> tuple[Path, bool]:
    """The directory the banner's command runs in, and whether it is a project root: the project
    (specs/*.yaml) that holds the output directory, else the output directory's parent. The
    banner thus reads the same whatever directory `generate` ran in."""
    from codegen.specfiles import project_root

    out = out_dir.resolve()
    root = project_root(out)
    return (root, True) if root is not None else (out.parent, False)


def regenerate_command(spec_file: Path, out_dir: Path, bundled: bool = False) -> str:
    """The command the banner prints: run in `banner_root`, it rewrites the file. Paths are
    relative to that directory, or absolute where outside it (so the text is the same whatever
    directory `generate` ran in)."""
    root, is_project = banner_root(out_dir)
    words = ["mirrorgen", "generate"]
    if not bundled:
        words.append(_relative(spec_file, root))
    out = _relative(out_dir.resolve(), root)
    if not (is_project and out == DEFAULT_OUT):
        words += ["--out", out]
    return shlex.join(words)


def fix_command(spec_files: list[SpecFile], out_dir: Path) -> str:
    """The command that regenerates these specs' headers, verbatim from the working directory:
    paths relative to it, or absolute where outside it; --out unless it is the default here."""
    words = ["mirrorgen", "generate", *(_from_cwd(sf.path) for sf in spec_files)]
    if out_dir.resolve() != default_out().resolve():
        words += ["--out", _from_cwd(out_dir.resolve())]
    return shlex.join(words)


def _from_cwd(path: Path) -> str:
    """Relative to the working directory when inside it or inside its project (`../../specs/x.yaml`
    from a subdirectory), else absolute."""
    from codegen.specfiles import project_root

    cwd = Path.cwd()
    if path.is_relative_to(cwd):
        return path.relative_to(cwd).as_posix()
    root = project_root(cwd)
    if root is not None and path.is_relative_to(root):
        return Path(os.path.relpath(path, cwd)).as_posix()
    return path.as_posix()


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def compose(
    spec_name: str, spec_file: Path, out_dir: Path, regions: list[str], clang_format_version: str,
    bundled: bool = False,
) -> str:
    # Jinja2 and hashlib are only needed to write, not on check's fast path.
    from codegen.place.checksum import PLACEHOLDER, seal
    from codegen.render import render

    body = render("body.h.j2", guard=guard(spec_name), regions=[r.rstrip("\n") for r in regions])
    root, is_project = banner_root(out_dir)
    text = render(
        "header.h.j2",
        spec_path=f"{spec_file.name} (bundled with mirrorgen)" if bundled else _relative(spec_file, root),
        clang_format_version=clang_format_version,
        where="the project root" if is_project else f"the directory above {out_dir.resolve().name}/",
        command=regenerate_command(spec_file, out_dir, bundled),
        checksum=PLACEHOLDER,
        body=body,
    )
    return seal(text.rstrip("\n") + "\n")
