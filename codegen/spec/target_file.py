"""The rule for a spec's `target.file`: a path relative to the kernel tree that stays inside it.

One rule for both places that read the path: the spec's own validation
(spec/build.py) and the tree that resolves it (place/tree_paths.py).
"""

from __future__ import annotations


def has_control_character(path: str) -> bool:
    return any(ch < " " or ch == "\x7f" for ch in path)


def leaves_tree(path: str) -> bool:
    """Is `path` absolute, does it climb with `..`, or hold a backslash?"""
    return path.startswith("/") or ".." in path.split("/") or "\\" in path
