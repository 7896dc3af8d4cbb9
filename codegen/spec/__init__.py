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
    from codegen.spec.family_model import FamilySpec
    from codegen.spec.model import Spec
    from codegen.spec.yamlload import Document

__all__ = ["Spec", "is_family", "load_any", "load_spec", "parse_spec"]


def __getattr__(name: str) -> Any:
    if name == "Spec":
        from codegen.spec.model import Spec

        return Spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_spec(path: Path, display: str | None = None) -> Spec:
    """A version-1 spec; a family spec (version 2) here is bad input for this command."""
    from codegen.spec.build import build
    from codegen.spec.yamlload import load

    shown = display or path.as_posix()
    doc = load(path, shown)
    if _version(doc) == 2:
        line, col = doc.where(("version",))
        raise _family_here(shown, line, col)
    return build(doc, path.stem)


_built: dict[tuple[str, str], tuple[bytes, Spec | FamilySpec]] = {}


def load_any(path: Path, display: str | None = None) -> Spec | FamilySpec:
    """A spec of either version: `check --tree` and `apply` take both. Within a process, the
    same bytes under the same name give the same (immutable) model back."""
    from codegen.spec.yamlload import loads, read_spec

    shown = display or path.as_posix()
    raw = read_spec(path, shown)
    known = _built.get((path.stem, shown))
    if known is not None and known[0] == raw:
        return known[1]
    from codegen.spec.build import build
    from codegen.spec.family_build import build_family

    doc = loads(raw, shown)
    spec = build_family(doc, path.stem) if _version(doc) == 2 else build(doc, path.stem)
    _built[(path.stem, shown)] = (raw, spec)
    return spec


def is_family(spec: object) -> bool:
    from codegen.spec.family_model import FamilySpec

    return isinstance(spec, FamilySpec)


def _version(doc: Document) -> object:
    return doc.data.get("version") if isinstance(doc.data, dict) else None


def _family_here(shown: str, line: int, col: int) -> Exception:
    from codegen.errors import InputError

    return InputError(shown, line, col, "a family spec (version 2) is read only by check --tree, "
                                        "apply, import and verify --tree so far; this command takes "
                                        "version 1 specs")


def parse_spec(raw: bytes, display: str, name: str) -> Spec:
    from codegen.spec.build import build
    from codegen.spec.yamlload import loads

    return build(loads(raw, display), name)
