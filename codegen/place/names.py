"""Spec names that collide with a macro the target header defines outside mirrorgen's regions.

A field called `NET_IOV` in a header that says `#define NET_IOV 0x01UL` expands
into a number; an assert macro of that name is `#undef`ed after its uses and
kills the header's own macro. Such a spec is refused against that header.
"""

from __future__ import annotations

from collections.abc import Iterator

from codegen.creader.anchors import Anchors
from codegen.errors import InputError
from codegen.spec.model import Loc, Spec


def spec_names(spec: Spec) -> Iterator[tuple[str, str, Loc]]:
    """(name, what it names, where the spec says it) for every name put into the header."""
    mirror = spec.mirror
    yield spec.host.struct, "host struct", mirror.loc
    yield mirror.struct, "mirror struct", mirror.loc
    for f in mirror.fields:
        yield f.name, "field name", f.loc
        yield f.host, "host field", f.loc
    if mirror.asserts:
        yield mirror.asserts.macro, "macro", mirror.asserts.loc
    if mirror.size_limit:
        yield mirror.size_limit.host_field, "host field", mirror.size_limit.loc
    alias = spec.alias
    if alias:
        yield alias.struct, "alias struct", alias.loc
        for member in alias.members:
            yield member.name, "member name", member.loc
        if alias.asserts:
            yield alias.asserts.macro, "macro", alias.asserts.loc


def refuse_header_macros(anchors: Anchors, spec: Spec, owned: list[tuple[int, int]], shown: str) -> None:
    """Exit 2 at the spec's line when one of its names is a macro the header defines itself."""
    for name, what, loc in spec_names(spec):
        outside = [at for at in anchors.macros.get(name, []) if not any(lo <= at < hi for lo, hi in owned)]
        if outside:
            line = anchors.line_of(outside[0])
            raise InputError(loc.path, loc.line, loc.col,
                             f"{what} '{name}' is a macro that {shown} defines (line {line}); "
                             "in the header it would expand into that macro: choose another name")
