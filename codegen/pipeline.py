"""The one pipeline, for both destinations: spec -> render -> format -> place.

- generated/: `expected_header` composes the formatted regions into a whole
  header (place/generated.py);
- a kernel tree: `plan_in_tree` plans the formatted regions into the tree's
  own header (place/tree.py), formatted in the tree's clang-format style.

Both run `format_regions`; check, apply, propose and verify come through here.
A family spec (version 2) is rendered in the committed style and only the
regions it marks `clang_format: true` go through clang-format (`FamilyShaper`).
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
    from codegen.creader.anchors import Anchors
    from codegen.creader.macroblock import Block
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
        return _family_target(root, shown_tree, spec, path, header, shown, pending)
    style = style_file(root)
    style_bytes = read_input(style, style.as_posix(), "clang-format style") if style else b""
    regions = formatted_regions(spec, style.as_posix() if style else None, style_bytes)
    return TreeTarget(spec, path, spec.target.file, plan(header, spec, regions, shown))


def _family_target(root: Path, shown_tree: str, spec: FamilySpec, path: Path, header: bytes, shown: str,
                   pending: Mapping[Path, bytes] | None) -> TreeTarget:
    """A family spec (version 2): its assert block and its struct, each rendered in the committed
    style and passed through clang-format where the spec marks the region `clang_format: true`."""
    from codegen.creader.anchors import scan
    from codegen.creader.macroblock import find_block, kept_comments
    from codegen.render import render_family

    anchors = scan(header)
    block = find_block(anchors, spec.macro, spec.mirror)
    shaper = FamilyShaper(spec, root, render_family(spec, kept_comments(block)))
    also = _struct_elsewhere(root, shown_tree, spec, pending, shaper)
    return TreeTarget(spec, path, spec.file, family_plan(anchors, block, spec, shown, shaper), also)


class FamilyShaper:
    """clang-format, in the tree's own style, for the regions a family spec marks
    `clang_format: true` (where the tree's text is clang-format-stable); the other regions
    keep the templates' bytes and start no clang-format. When both regions are due, the
    block and the struct go through one call."""

    def __init__(self, spec: FamilySpec, root: Path, block: str) -> None:
        self.spec, self.root = spec, root
        self.rendered = block  # the block as the template made it, for the shared call
        self.formatted: str | None = None

    def struct(self, text: str) -> str:
        assert self.spec.struct is not None
        if not self.spec.struct.clang_format:
            return text
        if self.spec.clang_format and self.formatted is None:
            self.formatted, text = self._format((self.rendered, text))
            return text
        return self._format((text,))[0]

    def block(self, text: str) -> str:
        if not self.spec.clang_format:
            return text
        if text == self.rendered and self.formatted is not None:
            return self.formatted
        return self._format((text,))[0]

    def _format(self, texts: tuple[str, ...]) -> tuple[str, ...]:
        style, style_bytes = _style(self.root)
        ahead = [_ahead.get((style, style_bytes, t)) for t in texts]
        if all(a is not None for a in ahead):
            return tuple(a for a in ahead if a is not None)
        return _formatted_texts(texts, style, style_bytes)


def _style(root: Path) -> tuple[str | None, bytes]:
    from codegen.place.tree_paths import read_input, style_file

    style = style_file(root)
    if style is None:
        return None, b""
    return style.as_posix(), read_input(style, style.as_posix(), "clang-format style")


# Regions formatted ahead, by (style path, style bytes, rendered text): a check of several
# family specs starts clang-format once for all of them, not once per spec.
_ahead: dict[tuple[str | None, bytes, str], str] = {}


def format_ahead(root: Path, spec_files: list[SpecFile]) -> None:
    """One clang-format call for the `clang_format: true` regions of these family specs, as
    their templates render them. Best effort: a region whose text turns out otherwise (a comment
    kept from the tree) is formatted when it is planned, and any failure is left to that moment,
    where it is reported as usual."""
    from codegen.errors import UsageError
    from codegen.render import render_family, render_family_struct
    from codegen.spec import load_any
    from codegen.spec.family_model import FamilySpec

    try:
        texts: list[str] = []
        for spec_file in spec_files:
            spec = load_any(spec_file.path, spec_file.display)
            if not isinstance(spec, FamilySpec):
                continue
            if spec.clang_format:
                texts.append(render_family(spec, {}))
            if spec.struct is not None and spec.struct.clang_format:
                texts.append(render_family_struct(spec, missing=[]))
        if len(texts) < 2:
            return
        style, style_bytes = _style(root)
        formatted = _formatted_texts(tuple(texts), style, style_bytes)
    except (InputError, UsageError):
        return
    _ahead.update({(style, style_bytes, t): f for t, f in zip(texts, formatted, strict=True)})


@lru_cache(maxsize=32)
def _formatted_texts(texts: tuple[str, ...], style: str | None, style_bytes: bytes) -> tuple[str, ...]:
    """Rendered regions through clang-format, without the final newline the templates omit;
    cached per process by value, like `formatted_regions`."""
    out = clang.format_snippets(list(texts), Path(style) if style else clang_format_style())
    return tuple(t.rstrip("\n") for t in out)


def family_plan(anchors: Anchors, block: Block | None, spec: FamilySpec, shown: str,
                shaper: FamilyShaper) -> Rewrite:
    """A family's assert block (spec version 2) and, in the same file, its struct: rendered in the
    committed style, through `shaper` (clang-format where the spec says), with trailing
    comments kept from the tree."""
    from codegen.creader.anchors import scan
    from codegen.creader.macroblock import find_block, kept_comments
    from codegen.place.family import plan_family
    from codegen.render import render_family

    struct_plan = None
    if spec.struct is not None and spec.struct.file == spec.file:
        from codegen.place.family_struct import plan_struct

        struct_plan = plan_struct(anchors, spec, shown, shaper.struct)  # first: it may share the call
    plan = plan_family(anchors, block, spec, shaper.block(shaper.rendered), shown)
    if struct_plan is None:
        return plan
    from codegen.place.family_struct import combine

    struct, region = struct_plan

    def replan(data: bytes) -> Rewrite:
        again = scan(data)
        found = find_block(again, spec.macro, spec.mirror)
        return plan_family(again, found, spec, shaper.block(render_family(spec, kept_comments(found))), shown)

    span = (block.start, block.end) if block is not None else None
    return combine(struct, region, plan, span, replan)


def _struct_elsewhere(root: Path, shown_tree: str, spec: FamilySpec,
                      pending: Mapping[Path, bytes] | None, shaper: FamilyShaper) -> tuple[TreeTarget, ...]:
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
    plan, _ = plan_struct(scan(header), spec, shown, shaper.struct)
    return (TreeTarget(spec, path, struct.file, plan),)


@lru_cache(maxsize=16)
def formatted_regions(spec: Spec, style: str | None, style_bytes: bytes) -> list[tuple[str, str]]:
    """The spec's regions formatted with `style` (the tree's own, else the bundled one).

    Cached per process by value (`style_bytes` keys a changed style file), so a
    caller checking many headers against one spec runs clang-format once.
    """
    return format_regions(spec, Path(style) if style else None)
