"""The one pipeline, for both destinations: spec -> render -> format -> place.

- generated/: `expected_header` composes the formatted regions into a whole
  header (place/generated.py);
- a kernel tree: `plan_in_tree` plans the formatted regions into the tree's
  own header (place/tree.py), formatted in the tree's clang-format style.

Both run `format_regions`; check, apply, propose and verify come through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from codegen import format as clang
from codegen.errors import InputError
from codegen.place import generated
from codegen.render import render_regions
from codegen.resources import clang_format_style
from codegen.spec import Spec, load_spec
from codegen.specfiles import SpecFile

# The tree's side (its reader, planner and spec version 2) is imported where a tree is
# planned, so a cold `check` of generated/ does not load it (~25 ms).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from codegen.place.tree import Rewrite
    from codegen.spec.family_model import FamilySpec


def format_regions(spec: Spec, style: Path | None = None) -> list[tuple[str, str]]:
    """(region name, formatted text) for each region the spec owns, in header order."""
    regions = render_regions(spec)
    texts = clang.format_snippets([r.text for r in regions], style or clang_format_style())
    return [(r.name, t) for r, t in zip(regions, texts, strict=True)]


def expected_header(spec_file: SpecFile, out_dir: Path) -> tuple[Spec, str]:
    """generated/: the whole header the spec makes."""
    spec = load_spec(spec_file.path, spec_file.display)
    regions = [text for _, text in format_regions(spec)]
    text = generated.compose(spec.name, spec_file.path, out_dir, regions, clang.version(), spec_file.bundled)
    return spec, text


@dataclass(frozen=True)
class TreeTarget:
    spec: Spec | FamilySpec
    path: Path  # the header, symlinks resolved (what gets written)
    relative: str  # the header relative to the tree, as findings and diffs name it
    plan: Rewrite
    also: tuple[TreeTarget, ...] = ()  # a family's struct when it lives in another file


def plan_in_tree(root: Path, shown_tree: str, spec_file: SpecFile,
                 pending: Mapping[Path, bytes] | None = None) -> TreeTarget:
    """A kernel tree: the changes `spec_file` makes to its header (`check --tree`, `apply`).

    `pending` holds headers already rewritten in memory (several specs for one
    header apply one after the other).
    """
    from codegen.place.tree import plan
    from codegen.place.tree_paths import read_input, style_file, target_path
    from codegen.spec import load_any
    from codegen.spec.family_model import FamilySpec

    spec = load_any(spec_file.path, spec_file.display)
    relative = spec.file if isinstance(spec, FamilySpec) else spec.target.file
    path = target_path(root, relative, shown_tree)
    shown = f"{shown_tree.rstrip('/')}/{relative}"
    try:
        header = pending[path] if pending and path in pending else path.read_bytes()
    except OSError as exc:
        raise InputError(shown, 1, 1, f"cannot read the target file: {exc.strerror}") from None
    if isinstance(spec, FamilySpec):
        also = _struct_elsewhere(root, shown_tree, spec, pending)
        return TreeTarget(spec, path, relative, family_plan(header, spec, shown), also)
    style = style_file(root)
    style_bytes = read_input(style, style.as_posix(), "clang-format style") if style else b""
    regions = formatted_regions(spec, style.as_posix() if style else None, style_bytes)
    return TreeTarget(spec, path, spec.target.file, plan(header, spec, regions, shown))


def family_plan(header: bytes, spec: FamilySpec, shown: str) -> Rewrite:
    """A family's assert block (spec version 2): rendered in the committed style, never
    clang-formatted (`clang_format: false`), with trailing comments kept from the tree."""
    from codegen.creader.anchors import scan
    from codegen.creader.macroblock import find_block, kept_comments
    from codegen.place.family import plan_family
    from codegen.render import render_family

    if spec.clang_format:
        raise InputError(spec.path, spec.loc.line, 1, "clang_format: true is not supported for a "
                         "family's assert block yet (the mm families are not stable under it)")
    anchors = scan(header)
    block = find_block(anchors, spec.macro, spec.mirror)
    plan = plan_family(anchors, block, spec, render_family(spec, kept_comments(block)), shown)
    if spec.struct is None or spec.struct.file != spec.file:
        return plan
    from codegen.place.family_struct import combine, plan_struct

    struct, region = plan_struct(anchors, spec, shown)

    def replan(data: bytes) -> Rewrite:
        again = scan(data)
        found = find_block(again, spec.macro, spec.mirror)
        return plan_family(again, found, spec, render_family(spec, kept_comments(found)), shown)

    span = (block.start, block.end) if block is not None else None
    return combine(struct, region, plan, span, replan)


def _struct_elsewhere(root: Path, shown_tree: str, spec: FamilySpec,
                      pending: Mapping[Path, bytes] | None) -> tuple[TreeTarget, ...]:
    """The family's struct, planned in its own file when that is not the block's."""
    from codegen.creader.anchors import scan
    from codegen.place.family_struct import plan_struct
    from codegen.place.tree_paths import target_path

    struct = spec.struct
    if struct is None or struct.file == spec.file:
        return ()
    path = target_path(root, struct.file, shown_tree)
    shown = f"{shown_tree.rstrip('/')}/{struct.file}"
    try:
        header = pending[path] if pending and path in pending else path.read_bytes()
    except OSError as exc:
        raise InputError(shown, 1, 1, f"cannot read the struct's file: {exc.strerror}") from None
    if spec.clang_format:
        raise InputError(spec.path, spec.loc.line, 1, "clang_format: true is not supported for a family yet")
    plan, _ = plan_struct(scan(header), spec, shown)
    return (TreeTarget(spec, path, struct.file, plan),)


@lru_cache(maxsize=16)
def formatted_regions(spec: Spec, style: str | None, style_bytes: bytes) -> list[tuple[str, str]]:
    """The spec's regions formatted with `style` (the tree's own, else the bundled one).

    Cached per process by value (`style_bytes` keys a changed style file), so a
    caller checking many headers against one spec runs clang-format once.
    """
    return format_regions(spec, Path(style) if style else None)
