"""The translation unit `verify` compiles, rendered from templates/verify/.

prelude + host model + the generated regions exactly as `generate` formats
them. Each part carries a `#line` file name, so a diagnostic says which part
(and, for the host model, which YAML line) it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codegen.render import render
from codegen.spec.host import HostStruct
from codegen.spec.model import Spec
from codegen.verify.clangtu import HOST_FILE, StructLayout
from codegen.verify.ktypes import RECORDS, TYPEDEFS
from codegen.verify.plan import RegionFile

_TAG = re.compile(r"\b(struct|union|enum) ([A-Za-z_]\w*)")


def region_files(spec: Spec, regions: list[tuple[str, str]]) -> list[RegionFile]:
    return [RegionFile(name, f"<{spec.name}: {name}>", text) for name, text in regions]


def _tags(types: Iterable[str]) -> dict[str, list[str]]:
    """struct/union tags to declare and enums to define, for the prelude."""
    found: dict[str, set[str]] = {"struct": set(), "union": set(), "enum": set()}
    for ctype in types:
        for kind, tag in _TAG.findall(ctype):
            found[kind].add(tag)
    found["struct"] -= {r.tag for r in RECORDS}
    return {f"{kind}_tags": sorted(tags) for kind, tags in found.items()}


def _prelude(types: Iterable[str]) -> dict[str, Any]:
    return {"typedefs": TYPEDEFS, "records": RECORDS, "tree_host": None, "tree_types": [], **_tags(types)}


def _spec_types(spec: Spec) -> list[str]:
    types = [f.type for f in spec.mirror.fields]
    if spec.alias:
        types += [m.type for m in spec.alias.members]
    return types


def host_tu(model: HostStruct) -> str:
    types = [f.type for f in model.fields.values()]
    return render("verify/tu.c.j2", model=model, host_file=HOST_FILE, regions=[], **_prelude(types))


def verify_tu(model: HostStruct, spec: Spec, regions: list[RegionFile]) -> str:
    types = [f.type for f in model.fields.values()] + _spec_types(spec)
    return render("verify/tu.c.j2", model=model, host_file=HOST_FILE, regions=regions, **_prelude(types))


@dataclass(frozen=True)
class TreeType:
    """A type the built-in table lacks, as a kernel tree lays it out on one ABI."""

    name: str  # as the spec writes it
    tag: str | None  # for `struct TAG`
    size: int
    align: int


def tree_tu(host: StructLayout, types: list[TreeType], spec: Spec, regions: list[RegionFile]) -> str:
    """The same translation unit, with the host and the table's missing types from a kernel tree."""
    prelude = _prelude(_spec_types(spec))
    prelude["struct_tags"] = [t for t in prelude["struct_tags"] if all(t != x.tag for x in types)]
    prelude.update(tree_host=host, tree_types=types)
    return render("verify/tu.c.j2", host_file=HOST_FILE, regions=regions, **prelude)
