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
from codegen.spec.regions import ALIAS, ALIAS_ASSERTS, MIRROR, region_names

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


def render_regions(spec: Spec) -> list[Region]:
    env = environment()
    context = {"host": spec.host, "mirror": spec.mirror, "alias": spec.alias}
    return [Region(name, env.get_template(_TEMPLATES[name]).render(context)) for name in region_names(spec)]


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(context)
