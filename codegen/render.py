"""Stage 2: templates -> C text. Templates read the plain model; no C is built here.

No bytecode cache: compiled templates on disk would be code loaded from a
writable cache directory, and a poisoned entry could change the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2

from codegen.resources import templates_dir
from codegen.spec.model import Spec

# Region names, in the order a header places them (kernel-facts.md):
# R1 the mirror block, R2 the alias struct, R3 the alias's assert block.
MIRROR, ALIAS, ALIAS_ASSERTS = "mirror", "alias", "alias_asserts"
_TEMPLATES = {MIRROR: "mirror.h.j2", ALIAS: "alias.h.j2", ALIAS_ASSERTS: "alias_asserts.h.j2"}


@dataclass(frozen=True)
class Region:
    name: str
    text: str


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def region_names(spec: Spec) -> list[str]:
    """The regions a spec owns, in header order."""
    names = [MIRROR] if spec.mirror.define else []
    if spec.alias:
        names.append(ALIAS)
        if spec.alias.asserts:
            names.append(ALIAS_ASSERTS)
    return names


def render_regions(spec: Spec) -> list[Region]:
    env = environment()
    context = {"host": spec.host, "mirror": spec.mirror, "alias": spec.alias}
    return [Region(name, env.get_template(_TEMPLATES[name]).render(context)) for name in region_names(spec)]


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(context)
