"""Stage 1: load a YAML spec, validate it, and build the typed model.

Importing the package (or `codegen.spec.model`) loads no YAML parser: the
loader is imported when a spec is loaded, so modules that only read the
model's dataclasses stay light.
"""

from __future__ import annotations

from pathlib import Path

from codegen.spec.model import Spec

__all__ = ["Spec", "load_spec", "parse_spec"]


def load_spec(path: Path, display: str | None = None) -> Spec:
    from codegen.spec.build import build
    from codegen.spec.yamlload import load

    shown = display or path.as_posix()
    return build(load(path, shown), path.stem)


def parse_spec(raw: bytes, display: str, name: str) -> Spec:
    from codegen.spec.build import build
    from codegen.spec.yamlload import loads

    return build(loads(raw, display), name)
