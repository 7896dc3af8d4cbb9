"""Where each generated assert is, in the real formatted text, and which spec line it answers to."""

from __future__ import annotations

import re

from codegen.errors import InputError
from codegen.spec.model import AssertBlock, Spec
from codegen.spec.regions import ALIAS_ASSERTS, MIRROR
from codegen.verify.plan import AssertSite, RegionFile

__all__ = ["AssertSite", "assert_sites"]

_USE = re.compile(r"(\w+)\(\s*(\w+)\s*,\s*(\w+)\s*\)\Z")


def assert_sites(spec: Spec, regions: list[RegionFile]) -> list[AssertSite]:
    sites: list[AssertSite] = []
    for region in regions:
        block = {MIRROR: spec.mirror.asserts, ALIAS_ASSERTS: spec.alias.asserts if spec.alias else None}.get(
            region.name
        )
        for first, last, text in _statements(region.text):
            if block and text.startswith(f"{block.macro}("):
                sites.append(_use_site(spec, region, block, first, last, text))
            elif region.name == MIRROR and text.startswith("static_assert(") and spec.mirror.size_limit:
                limit = spec.mirror.size_limit.loc
                sites.append(AssertSite(region.file, first, last, text, limit, None))
    return sites


def _use_site(
    spec: Spec, region: RegionFile, block: AssertBlock, first: int, last: int, text: str
) -> AssertSite:
    m = _USE.match(text)
    pair = next((p for p in block.pairs if m and (p[0], p[1]) == (m.group(2), m.group(3))), None)
    if pair is None:  # the templates and this reader disagree: a bug, said plainly
        raise InputError(
            spec.path, block.loc.line, block.loc.col, f"generated '{text}' matches no field of the spec"
        )
    return AssertSite(region.file, first, last, text, pair[2].loc, pair[2].name)


def _statements(text: str) -> list[tuple[int, int, str]]:
    """Top-level statements that start at column 0 and end in `;`, joined onto one line."""
    out: list[tuple[int, int, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line[:1].isalpha() or line[:1] == "_":
            j, joined = i, line.strip()
            while not joined.endswith(";") and j + 1 < len(lines) and not joined.endswith("{"):
                j += 1
                joined += " " + lines[j].strip()
            if joined.endswith(";"):
                out.append((i + 1, j + 1, joined[:-1].replace("( ", "(")))
            i = j
        i += 1
    return out
