"""A kernel tree on disk: its root, the spec's target header inside it, its clang-format style.

Kept free of heavy imports: `check --tree`'s fast path uses it before deciding
whether YAML, Jinja2, clang-format or tree-sitter are needed at all.
"""

from __future__ import annotations

from pathlib import Path

from codegen.errors import InputError
from codegen.spec.target_file import leaves_tree

STYLE_FILE = ".clang-format"


def tree_root(tree: Path) -> Path:
    if not tree.is_dir():
        raise InputError(tree.as_posix(), 1, 1, "kernel tree not found (not a directory)")
    try:
        return tree.resolve()
    except (OSError, RuntimeError) as exc:
        raise InputError(tree.as_posix(), 1, 1, f"cannot resolve the kernel tree: {exc}") from None


def read_input(path: Path, shown: str, what: str) -> bytes:
    """A file the command reads (spec, style, header), or exit 2 naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(shown, 1, 1, f"cannot read the {what}: {exc.strerror or exc}") from None


def target_path(root: Path, relative: str, shown_tree: str) -> Path:
    """The header inside the tree, symlinks resolved; refuses anything that leaves the tree.

    The resolved path is what gets written, so an in-tree symlink keeps pointing
    at the (replaced) file instead of being replaced by a regular file.
    """
    shown = f"{shown_tree.rstrip('/')}/{relative}"
    if leaves_tree(relative):
        raise InputError(shown, 1, 1, "target file must be relative to the tree and stay inside it")
    try:
        path = (root / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop: Python 3.11/3.12 raise RuntimeError
        raise InputError(shown, 1, 1, f"cannot resolve the target file: {exc}") from None
    if not path.is_relative_to(root):
        raise InputError(shown, 1, 1, f"target file resolves to {path.as_posix()}, outside the tree "
                         "(a symlink leaves it); refusing to use it")
    if not path.is_file():
        raise InputError(shown, 1, 1, "target file not found in the tree")
    return path


def style_file(root: Path) -> Path | None:
    """The tree's own clang-format style, when it has one (else the bundled style is used)."""
    path = root / STYLE_FILE
    return path if path.is_file() else None
