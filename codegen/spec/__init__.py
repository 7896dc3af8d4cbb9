"""Stage 1: load a YAML spec, validate it, and build the typed model.

Importing the package loads no YAML parser and not even the model: `Spec`
is imported on first use and the loader when a spec is loaded, so a module
that needs one small spec-layer rule (`target_file`) stays light (check
--tree's fast path).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codegen.spec.model import Spec

__all__ = ["Spec", "load_spec", "parse_spec"]


def __getattr__(name: str) -> Any:
    if name == "Spec":
        from codegen.spec.model import Spec

        return Spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_spec(path: Path, display: str | None = None) -> Spec:
    from codegen.spec.build import build
    from codegen.spec.yamlload import load

    shown = display or path.as_posix()
    return build(load(path, shown), path.stem)


def parse_spec(raw: bytes, display: str, name: str) -> Spec:
    from codegen.spec.build import build
    from codegen.spec.yamlload import loads

    return build(loads(raw, display), name)
