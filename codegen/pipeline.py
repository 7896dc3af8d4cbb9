"""spec -> render -> format -> place, for a header under generated/."""

from __future__ import annotations

from pathlib import Path

from codegen import format as clang
from codegen.place import generated
from codegen.render import render_regions
from codegen.resources import clang_format_style
from codegen.spec import Spec, load_spec
from codegen.specfiles import SpecFile


def format_regions(spec: Spec, style: Path | None = None) -> list[tuple[str, str]]:
    """(region name, formatted text) for each region the spec owns, in header order."""
    regions = render_regions(spec)
    texts = clang.format_snippets([r.text for r in regions], style or clang_format_style())
    return [(r.name, t) for r, t in zip(regions, texts, strict=True)]


def expected_header(spec_file: SpecFile, out_dir: Path) -> tuple[Spec, str]:
    spec = load_spec(spec_file.path, spec_file.display)
    regions = [text for _, text in format_regions(spec)]
    text = generated.compose(spec.name, spec_file.path, out_dir, regions, clang.version(), spec_file.bundled)
    return spec, text
