"""Edits of a real spec's text, and where a marked node sits in the edited text (for error locations)."""

from __future__ import annotations

from collections.abc import Callable

Edit = Callable[[str], str]


def sub(old: str, new: str) -> Edit:
    """Replace `old`, which must occur exactly once."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(text: str) -> str:
        for one in edits:
            text = one(text)
        return text

    return edit


def drop_block(start: str, end: str) -> Edit:
    """Remove the lines from the one holding `start` up to and including the one holding `end`."""

    def edit(text: str) -> str:
        first = text.index(start)
        first = text.rfind("\n", 0, first) + 1
        last = text.index("\n", text.index(end, first)) + 1
        return text[:first] + text[last:]

    return edit


def position(text: str, marked: str) -> tuple[int, int]:
    """1-based line and column of the `@` in `marked`, which (without the `@`) occurs once in `text`."""
    needle = marked.replace("@", "")
    assert text.count(needle) == 1, needle
    index = text.index(needle) + marked.index("@")
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
