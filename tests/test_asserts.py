"""The assert construct's text, from the model through the templates' macros, against the sid header."""

from __future__ import annotations

import re
from pathlib import Path

from codegen import asserts
from codegen.spec import load_spec
from codegen.specfiles import bundled_spec
from codegen.verify.planner import make_plan

_SPACE = re.compile(r"\\\n|\s+")  # whitespace and line continuations


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def test_every_use_and_expansion_is_in_the_kernel_header(tree_sid: Path) -> None:
    spec_file = bundled_spec("netmem-upstream")
    spec = load_spec(spec_file.path, spec_file.display)
    header = _squash((tree_sid / spec.target.file).read_text(encoding="utf-8"))
    block = spec.mirror.asserts
    assert block is not None and spec.mirror.size_limit is not None
    body = "static_assert(" + asserts.expression(block.body) + ")"
    assert _squash(f"#define {block.macro}({block.params[0]}, {block.params[1]}) {body}") in header
    for use in block.uses:
        assert _squash(asserts.use(use) + ";") in header
        # what gcc quotes when the use fails: the expansion with the use's own operands
        assert asserts.expression(use.check) == (
            f"offsetof(struct {block.left}, {use.left}) == offsetof(struct {block.right}, {use.right})"
        )
    assert _squash(asserts.size_assert(spec.mirror.size_limit.check) + ";") in header


def test_sites_are_the_lines_of_the_generated_header() -> None:
    spec_file = bundled_spec("netmem")
    plan = make_plan(spec_file)
    generated = (Path(__file__).resolve().parent.parent / "generated" / "netmem.h").read_text()
    assert len(plan.sites) == 13  # six uses in each block and the size assert
    for site in plan.sites:
        region = next(r for r in plan.regions if r.file == site.file)
        lines = region.text.split("\n")[site.first - 1 : site.last]
        assert _squash(" ".join(lines)) == _squash(site.text) + ";"
        assert lines[0] in generated
