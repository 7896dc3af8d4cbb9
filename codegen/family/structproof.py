"""The proof `import` gives for a struct: the spec rendered back is the tree's exact bytes."""

from __future__ import annotations

from codegen.errors import InputError


def prove_struct(text: str, name: str, data: bytes, shown: str) -> None:
    """Render the spec's struct (with the tree's kept text) and compare with the tree's region:
    the first line that differs is refused, naming it."""
    from codegen.creader.anchors import scan
    from codegen.creader.structbody import find_struct, tree_prose
    from codegen.render import render_family_struct
    from codegen.spec.family_build import build_family
    from codegen.spec.yamlload import loads

    spec = build_family(loads(text.encode(), f"<import {name}>"), name)
    assert spec.struct is not None
    region = find_struct(scan(data), spec.struct.name)
    assert region is not None
    want = render_family_struct(spec, tree_prose(region)).split("\n")
    have = data[region.start : region.end].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    for i, (a, b) in enumerate(zip(want, have, strict=False)):
        if a != b:
            raise InputError(shown, region.line + i, 1,
                             f"import cannot reproduce this line of struct {spec.struct.name} byte for "
                             f"byte: {b.strip()[:60]!r}")
    if len(want) != len(have):
        raise InputError(shown, region.line + min(len(want), len(have)), 1,
                         f"import cannot reproduce the length of struct {spec.struct.name}")
