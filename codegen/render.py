"""Stage 2: templates -> C text. Templates read the plain model; no C is built here.

Compiled templates are cached (compiling them costs ~25 ms a run), but an
entry is code, so it is run only when it is provably the one written for this
exact template source, Jinja2 and Python: each file carries a sha256 over all
of them and its own bytes. A corrupt, truncated or swapped entry is a miss.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2.bccache import Bucket

from codegen.cachefiles import cache_root, read_sealed, write_sealed
from codegen.resources import templates_dir
from codegen.spec.model import Spec

if TYPE_CHECKING:
    from codegen.spec.family_model import FamilySpec, Layout, Use
    from codegen.spec.family_struct_model import StructSpec
    from codegen.spec.model import Loc
from codegen.spec.regions import ALIAS, ALIAS_ASSERTS, MIRROR, region_names

_TEMPLATES = {MIRROR: "mirror.h.j2", ALIAS: "alias.h.j2", ALIAS_ASSERTS: "alias_asserts.h.j2"}


@dataclass(frozen=True)
class Region:
    name: str
    text: str


class _SealedBytecodeCache(jinja2.BytecodeCache):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, bucket: Bucket) -> Path:
        return self.directory / f"{bucket.key}.{sys.implementation.cache_tag}"

    @staticmethod
    def _context(bucket: Bucket) -> str:
        return f"jinja:{bucket.key}:{bucket.checksum}:{jinja2.__version__}:{sys.implementation.cache_tag}"

    def load_bytecode(self, bucket: Bucket) -> None:
        payload = read_sealed(self._file(bucket), self._context(bucket))
        if payload is not None:
            try:  # Jinja2 checks its own magic and the source checksum again
                bucket.bytecode_from_string(payload)
            except Exception:  # an entry that cannot be loaded is a miss
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        write_sealed(self._file(bucket), self._context(bucket), bucket.bytecode_to_string())


def environment() -> jinja2.Environment:
    return _environment(cache_root() / "jinja")


@cache
def _environment(bytecode_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        bytecode_cache=_SealedBytecodeCache(bytecode_dir),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["escaped"] = escaped
    return env


def render_regions(spec: Spec) -> list[Region]:
    env = environment()
    context = {"host": spec.host, "mirror": spec.mirror, "alias": spec.alias}
    return [Region(name, env.get_template(_TEMPLATES[name]).render(context)) for name in region_names(spec)]


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(context)


def render_family(spec: FamilySpec, kept: Mapping[tuple[int, str, str], str]) -> str:
    """A family's assert block (spec version 2) in the committed style, without a final newline.

    `kept` maps (page, host word, mirror field) to a use's trailing comment as the
    tree has it: that text is the kernel's, never the spec's.
    """
    from codegen.creader.macroblock import kept_for

    def comment(page: int, use: Use) -> str:
        return use.text if use.text is not None else kept_for(kept, page, use.host, use.mirror)

    text = environment().get_template("family_asserts.h.j2").render(spec=spec, kept=comment)
    return text.rstrip("\n")


KEPT_PLACEHOLDER = "/* (text kept from the tree) */"


def render_family_struct(spec: FamilySpec, kept: Mapping[str, str] | None = None,
                         missing: list[Loc] | None = None) -> str:
    """The family's mirror struct (its `struct:` section) as C text, comment above included,
    without a final newline: what `apply` writes and what verify may compile.

    Comment text the spec keeps from the tree comes from `kept` (creader.structbody.tree_prose);
    where the tree has none, the text is a placeholder comment and its spec location is added
    to `missing`. Without a `struct:` section: "".
    """
    from codegen.creader.structbody import prose_keys
    from codegen.spec.family_struct_model import StructSpec

    struct = spec.struct
    if struct is None:
        return ""
    events = _prose_events(struct)
    keys = {id(obj): key for (_, _, obj), key in zip(events, prose_keys([(k, n) for k, n, _ in events]),
                                                     strict=True)}
    tree = kept or {}

    def prose(obj: object) -> str:
        text = obj.comment if isinstance(obj, StructSpec) else getattr(obj, "text", None)
        if text is not None:
            return str(text)
        found = tree.get(keys.get(id(obj), ""), "")
        if not found and missing is not None:
            missing.append(getattr(obj, "loc", struct.loc))
        return found or KEPT_PLACEHOLDER

    text = environment().get_template("family_struct.h.j2").render(struct=struct, prose=prose)
    return text.rstrip("\n")


def _prose_events(struct: StructSpec) -> list[tuple[str, str, object]]:
    """(kind, name, item) in text order, named as creader.structbody.tree_prose names the tree's."""
    from codegen.spec.family_struct_model import Aggregate, Comment, Conditional, Field

    out: list[tuple[str, str, object]] = [("above", "", struct)] if struct.has_comment else []

    def walk(members: tuple[object, ...]) -> None:
        for m in members:
            if isinstance(m, Field):
                out.append(("field", m.label, m))
                if m.trailing is not None:
                    out.append(("trail", m.label, m.trailing))
            elif isinstance(m, Comment):
                out.append(("marker", m.marker, m) if m.marker else ("comment", "", m))
            elif isinstance(m, Aggregate):
                walk(m.members)
            elif isinstance(m, Conditional):
                for b in m.branches:
                    if b.trailing is not None:
                        out.append(("directive", f"#{b.directive} {b.expr}".strip(), b.trailing))
                    walk(b.members)
                if m.endif is not None:
                    out.append(("directive", "#endif", m.endif))

    walk(struct.members)
    return out


def escaped(text: str, layout: Layout) -> str:
    """A #define's lines joined with backslashes where the layout puts them.

    tab-column: tabs up to `column` (tabs count 8); left: spaces up to one past the
    widest line, as clang-format's AlignEscapedNewlines: Left; single: one space.
    Whitespace only: the C text itself comes from the template.
    """
    lines = text.rstrip("\n").split("\n")
    widths = [line_width(line) for line in lines]
    out = []
    for line, width in zip(lines[:-1], widths[:-1], strict=True):
        if layout.escape == "tab-column":
            stop = layout.column - 1  # 0-based column of the backslash
            pad = "\t" * ((stop - (width // 8) * 8 + 7) // 8) if width < stop else " "
        elif layout.escape == "left":
            pad = " " * (max(widths[:-1]) + 1 - width)
        else:
            pad = " "
        out.append(f"{line}{pad}\\")
    return "\n".join([*out, lines[-1]])


def line_width(line: str) -> int:
    col = 0
    for ch in line:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col
