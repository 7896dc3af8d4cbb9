"""Where each generated assert is, in the real formatted text, and which spec line it answers to.

The statements are the model's (spec/model.py), written by the templates' own macros
(codegen/asserts.py); only their lines are looked up in the formatted text, ignoring the
whitespace clang-format adds.
"""

from __future__ import annotations

import re

from codegen import asserts
from codegen.errors import InputError
from codegen.spec.model import Loc, Spec
from codegen.spec.regions import ALIAS_ASSERTS, MIRROR
from codegen.verify.plan import AssertSite, RegionFile

__all__ = ["AssertSite", "assert_sites"]

_SPACE = re.compile(r"\s+")


def _statements(spec: Spec, region: str) -> list[tuple[str, Loc, str | None]]:
    """(text without `;`, spec line, field) of each assert the templates put in a region, in order."""
    alias = spec.alias.asserts if spec.alias else None
    block = {MIRROR: spec.mirror.asserts, ALIAS_ASSERTS: alias}.get(region)
    out: list[tuple[str, Loc, str | None]] = [
        (asserts.use(u), u.field.loc, u.field.name) for u in (block.uses if block else ())
    ]
    limit = spec.mirror.size_limit
    if region == MIRROR and limit:
        out.append((asserts.size_assert(limit.check), limit.loc, None))
    return out


def assert_sites(spec: Spec, regions: list[RegionFile]) -> list[AssertSite]:
    sites: list[AssertSite] = []
    for region in regions:
        flat, lines = _flatten(region.text)
        start = 0
        for text, loc, field in _statements(spec, region.name):
            at = _find(flat, _SPACE.sub("", text) + ";", start)
            if at < 0:  # the templates and this reader disagree: a bug, said plainly
                message = f"'{text}' is not in the generated {region.name}"
                raise InputError(spec.path, loc.line, loc.col, message)
            start = at + len(_SPACE.sub("", text))
            sites.append(AssertSite(region.file, lines[at], lines[start], text, loc, field))
    return sites


def _flatten(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, and the 1-based line of each of its characters."""
    chars: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):
        kept = _SPACE.sub("", line)
        chars.append(kept)
        lines.extend([number] * len(kept))
    return "".join(chars), lines


def _find(flat: str, needle: str, start: int) -> int:
    """The first `needle` from `start` not preceded by an identifier character."""
    at = flat.find(needle, start)
    while at > 0 and (flat[at - 1].isalnum() or flat[at - 1] == "_"):
        at = flat.find(needle, at + 1)
    return at
