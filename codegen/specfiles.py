"""Which spec files a command works on, and how they are named in messages."""

from __future__ import annotations

import os
from pathlib import Path

from codegen.errors import InputError
from codegen.resources import bundled_specs_dir


class SpecFile:
    """A spec file to work on (a plain class: `check`'s fast path avoids dataclasses)."""

    __slots__ = ("display", "path")

    def __init__(self, path: Path, display: str) -> None:
        self.path = path  # absolute
        self.display = display  # as shown in messages: relative to the working directory if inside

    @property
    def name(self) -> str:
        return self.path.stem


def display_path(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix() if path.is_relative_to(Path.cwd()) else path.as_posix()
    except ValueError:
        return path.as_posix()


def resolve(args: list[str]) -> list[SpecFile]:
    """Named specs; else every `specs/*.yaml` here; else the bundled `netmem.yaml`."""
    if args:
        paths = [Path(a) for a in args]
        for a, p in zip(args, paths, strict=True):
            if not p.is_file():
                raise InputError(a, 1, 1, "spec file not found")
    else:
        paths = sorted(Path("specs").glob("*.yaml"))
        if not paths:
            paths = [bundled_specs_dir() / "netmem.yaml"]
    return [SpecFile(p.resolve(), display_path(p.resolve())) for p in paths]
