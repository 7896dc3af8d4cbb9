"""Stage 1: load a YAML spec, validate it, and build the typed model."""

from __future__ import annotations

from pathlib import Path

from codegen.spec.build import build
from codegen.spec.model import Spec
from codegen.spec.yamlload import load, loads

__all__ = ["Spec", "load_spec", "parse_spec"]


def load_spec(path: Path, display: str | None = None) -> Spec:
    shown = display or path.as_posix()
    return build(load(path, shown), path.stem)


def parse_spec(raw: bytes, display: str, name: str) -> Spec:
    return build(loads(raw, display), name)
