"""Where templates, bundled specs and the clang-format style live.

In a source checkout they are the top-level `templates/` and `specs/`; in an
installed wheel they are copied into `codegen/_data/` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent
_DATA = PACKAGE_DIR / "_data"


def _data_root() -> Path:
    if (_CHECKOUT / "templates").is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT
    return _DATA


def templates_dir() -> Path:
    return _data_root() / "templates"


def bundled_specs_dir() -> Path:
    return _data_root() / "specs"


def clang_format_style() -> Path:
    return PACKAGE_DIR / "kernel.clang-format"

