"""A kernel tree on disk: its root, the spec's target header inside it, its clang-format style.

Kept free of heavy imports: `check --tree`'s fast path uses it before deciding
whether YAML, Jinja2, clang-format or tree-sitter are needed at all.
"""

from __future__ import annotations

from pathlib import Path

from codegen.errors import InputError

STYLE_FILE = ".clang-format"


def tree_root(tree: Path) -> Path:
    if not tree.is_dir():
        raise InputError(tree.as_posix(), 1, 1, "kernel tree not found (not a directory)")
    return tree.resolve()


def target_path(root: Path, relative: str, shown_tree: str) -> Path:
    """The header inside the tree, symlinks resolved; refuses anything that leaves the tree.

    The resolved path is what gets written, so an in-tree symlink keeps pointing
    at the (replaced) file instead of being replaced by a regular file.
    """
    shown = f"{shown_tree.rstrip('/')}/{relative}"
    parts = relative.split("/")
    if relative.startswith("/") or ".." in parts or "\\" in relative:
        raise InputError(shown, 1, 1, "target file must be relative to the tree and stay inside it")
    path = (root / relative).resolve()
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
