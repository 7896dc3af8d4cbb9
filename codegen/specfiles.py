"""Which spec files a command works on, and how they are named in messages.

With no SPEC, the project is found the way git finds a repository: the nearest
directory at or above the working directory that has `specs/*.yaml`. Only where
there is none is the bundled spec used, and then the command says so.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codegen.errors import InputError
from codegen.resources import bundled_specs_dir

DEFAULT_OUT = "generated"  # under the project root


class SpecFile:
    """A spec file to work on (a plain class: `check`'s fast path avoids dataclasses)."""

    __slots__ = ("bundled", "display", "path")

    def __init__(self, path: Path, display: str, bundled: bool = False) -> None:
        self.path = path  # absolute
        self.display = display  # as shown in messages: relative to the working directory if inside
        self.bundled = bundled  # the spec shipped with mirrorgen, used because no project was found

    @property
    def name(self) -> str:
        return self.path.stem


def display_path(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix() if path.is_relative_to(Path.cwd()) else path.as_posix()
    except ValueError:
        return path.as_posix()


def project_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` (absolute) holding `specs/*.yaml`."""
    for directory in (start, *start.parents):
        specs = directory / "specs"
        if specs.is_dir() and next(specs.glob("*.yaml"), None) is not None:
            return directory
    return None


def project_specs(root: Path) -> list[Path]:
    return sorted((root / "specs").glob("*.yaml"))


def bundled_spec(name: str = "netmem") -> SpecFile:
    path = (bundled_specs_dir() / f"{name}.yaml").resolve()
    return SpecFile(path, display_path(path), bundled=True)


def say_bundled(spec_files: list[SpecFile]) -> None:
    """Name the bundled spec whenever it is used: it may belong to another checkout."""
    for sf in spec_files:
        if sf.bundled:
            print(f"mirrorgen: no specs/*.yaml here or in a parent directory: using the bundled spec "
                  f"{sf.display}", file=sys.stderr)


def resolve(args: list[str], announce: bool = True) -> list[SpecFile]:
    """Named specs (a directory names its *.yaml); else the project's `specs/*.yaml`; else the
    bundled `netmem.yaml`, said on stderr unless `announce` is off."""
    if not args:
        root = project_root(Path.cwd())
        if root is None:
            found = [bundled_spec()]
            if announce:
                say_bundled(found)
            return found
        return [SpecFile(p.resolve(), display_path(p.resolve())) for p in project_specs(root)]
    paths: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            inside = sorted(path.glob("*.yaml"))
            if not inside:
                raise InputError(arg, 1, 1, "is a directory with no *.yaml spec in it; name a spec file")
            paths += inside
        elif path.is_file():
            paths.append(path)
        else:
            raise InputError(arg, 1, 1, "spec file not found")
    return [SpecFile(p.resolve(), display_path(p.resolve())) for p in paths]


def default_out() -> Path:
    """Where `generate` writes and `check` looks without --out: the project's generated/."""
    root = project_root(Path.cwd())
    if root is None:
        return Path(DEFAULT_OUT)
    return Path(os.path.relpath(root / DEFAULT_OUT))


def host_model_path(spec_path: str | Path, model: str) -> Path:
    """The file a spec's `host.model` names. A path (`hosts/page.yaml`) is relative to the spec.
    A bare name (`page`) is looked up as hosts/NAME.yaml beside the spec, then in the models
    bundled with mirrorgen, so a spec copied anywhere still finds its model."""
    here = Path(spec_path).parent
    if "/" in model or model.endswith((".yaml", ".yml")):
        return here / model
    candidates = [here / "hosts" / f"{model}.yaml", bundled_specs_dir() / "hosts" / f"{model}.yaml"]
    return next((c for c in candidates if c.is_file()), candidates[0])
