"""Where a family's region goes when the file lacks it: after which line, past what."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class After:
    """Where the block (or the struct) goes when the file lacks it: after a struct, an
    `#include <...>`, a `#define`, an `#undef` or a typedef, then blank lines, then (blocks:
    `comment`) the comment that stands there."""

    struct: str | None
    include: str | None
    blank_lines: int
    comment: bool
    define: str | None = None  # after the `#define NAME` line
    undef: str | None = None  # after the `#undef NAME` line
    typedef: str | None = None  # after the typedef (`} NAME;` or `typedef ... NAME;`)
