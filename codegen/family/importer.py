"""`mirrorgen import`: a family's assert block in a real tree, written as a version-2 spec.

The family is found by `scan` (family/treescan.py), its block by the one C
reader (creader/macroblock.py), and the spec is proved before it is written:
rendered back through the render stage, it must give the block's exact bytes,
so `check --tree` is exit 0 at once. Anything else is an InputError naming the
construct and its line, never a spec that silently differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codegen.creader.anchors import Anchors, scan
from codegen.creader.macroblock import Block, find_block, kept_comments, struct_ending_at
from codegen.errors import BadUsage, InputError
from codegen.family.blockspec import BlockReader
from codegen.family.model import Family
from codegen.family.stability import stable_regions, with_clang_format
from codegen.family.structproof import prove_struct
from codegen.family.structspec import ProseMode, locate_struct, struct_section

_INCLUDE = b"#include <"


def find_family(tree: Path, macro: str, shown_tree: str) -> Family:
    """The macro's family among the tree's (a second defining file is an error)."""
    return pick_family(tree_families(tree), macro, shown_tree)


def tree_families(tree: Path) -> list[Family]:
    """The tree's families, from scan's cache where it is fresh (find lists the tree to tell),
    else from a scan; the modules the rest of an import needs load while find runs."""
    from codegen.family.treescan import scan_tree

    return scan_tree(tree, meanwhile=_load_the_rest)[0]


def pick_family(families: list[Family], macro: str, shown_tree: str) -> Family:
    """The one family of `macro` among a tree's families (a second defining file is an error)."""
    found = [f for f in families if f.kind == "macro" and f.name == macro]
    if not found:
        raise BadUsage(f"no assert macro {macro} in {shown_tree} (mirrorgen scan --tree lists them)")
    # uses in other files (a header's macro) are fine; a second defining file is not
    if len(found) > 1 or len({d.file for d in found[0].defines}) > 1 or not found[0].defines:
        where = ", ".join(f.file for f in found)
        raise BadUsage(f"{macro} is defined in more than one place ({where}); spec version 2 takes one block")
    return found[0]


def page_families(tree: Path, shown_tree: str) -> tuple[list[str], list[Family]]:
    """Every macro family of the tree whose host is struct page (import --all), in file order,
    and the tree's families (one listing of the tree for all the imports)."""
    families = tree_families(tree)
    macros = list(dict.fromkeys(f.name for f in families if f.kind == "macro" and f.host == "struct page"))
    if not macros:
        raise BadUsage(f"no assert macro in {shown_tree} compares a struct with struct page "
                       "(mirrorgen scan --tree lists the families)")
    return macros, families


def macro_of_struct(tree: Path, struct: str, shown_tree: str) -> str:
    """The assert macro whose family mirrors `struct NAME` (import --struct)."""
    tag = struct.removeprefix("struct ").strip()
    families = tree_families(tree)
    macro_families = [f for f in families if f.kind == "macro"]
    macros = list(dict.fromkeys(f.name for f in macro_families if f.mirror == f"struct {tag}"))
    if not macros:
        hosted = sorted({f.mirror for f in macro_families if f.host == f"struct {tag}"})
        if hosted:
            raise BadUsage(f"struct {tag} is the host of the families, not a mirror: name a mirror "
                           f"({', '.join(hosted)})")
        raise BadUsage(f"no assert macro in {shown_tree} compares struct {tag} with its host "
                       "(mirrorgen scan --tree lists the families)")
    if len(macros) > 1:
        raise BadUsage(f"struct {tag} has more than one assert family ({', '.join(macros)}): "
                       "name one with --macro")
    return macros[0]


def _load_the_rest() -> None:
    """What the rest of an import loads (Jinja2 with the render stage, PyYAML, the spec builder):
    loaded while find's processes list the tree, not after."""
    from importlib import import_module

    for name in ("yaml", "codegen.render", "codegen.spec.family_build", "codegen.spec.yamlload"):
        import_module(name)


def import_family(tree: Path, macro: str, name: str, shown_tree: str | None = None,
                  prose: ProseMode = "inline", families: list[Family] | None = None) -> str:
    """The YAML text of the spec for `macro`'s block and its mirror struct in `tree`, proved
    against the tree's bytes. `prose`: comment text written into the spec, or kept from the tree.
    `families`: the tree's families when the caller has listed them already."""
    shown_root = shown_tree or tree.as_posix()
    family = (pick_family(families, macro, shown_root) if families is not None
              else find_family(tree, macro, shown_root))
    relative = family.defines[0].file
    shown = f"{(shown_tree or tree.as_posix()).rstrip('/')}/{relative}"
    data = (tree / relative).read_bytes()
    anchors = scan(data)
    host, mirror = (_tag(family.host, shown), _tag(family.mirror, shown))
    block = find_block(anchors, macro, mirror)
    if block is None:
        raise InputError(shown, family.line, 1, f"no #define {macro}( found by C syntax")
    reader = BlockReader(shown, host, mirror)
    groups, bounds = reader.groups(block)
    assert reader.layout is not None  # a block starts with a #define
    if prose == "kept":
        _keep_use_comments(groups)
    struct_file, struct_data = locate_struct(tree, relative, mirror, shown_tree or tree.as_posix())
    struct_shown = f"{(shown_tree or tree.as_posix()).rstrip('/')}/{struct_file}"
    struct = struct_section(struct_data, mirror, struct_file, relative, struct_shown, prose)
    block_stable, struct_stable = stable_regions(tree, data, block, struct_data, mirror)
    struct = with_clang_format(struct, struct_stable)
    doc: dict[str, Any] = {
        "version": 2,
        "kind": "family",
        "file": relative,
        "macro": macro,
        "host": host,
        "mirror": mirror,
        "clang_format": block_stable,
    }
    after = _after(anchors, block, shown)
    if after:
        doc["after"] = after
    doc.update(layout=reader.layout, groups=groups)
    if bounds:
        doc["bounds"] = bounds
    doc["struct"] = struct
    text = _dump(doc, macro, relative, prose)
    _prove(text, name, data, block, shown)
    prove_struct(text, name, struct_data, struct_shown)
    return text


def _keep_use_comments(groups: list[dict[str, Any]]) -> None:
    """`--prose kept`: a use records that it has a trailing comment, not the text."""
    def strip(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, dict) and "conditional" in item:
                for branch in item["conditional"]:
                    strip(branch["then"])
            elif isinstance(item, dict):
                item.pop("text", None)

    for group in groups:
        strip(group["uses"])


def _tag(struct: str, shown: str) -> str:
    kind, _, tag = struct.partition(" ")
    if kind != "struct" or not tag:
        raise InputError(
            shown, 1, 1, f"import cannot express '{struct}' (spec version 2 compares two structs)"
        )
    return tag


def _dump(doc: dict[str, Any], macro: str, relative: str, prose: ProseMode) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        """Multi-line comment text as a literal block, so the spec reads like the comment."""

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    body = yaml.dump(doc, Dumper=Dumper, sort_keys=False, default_flow_style=None, width=100)
    said = ("Comments marked 'kept' are kept from the tree" if prose == "kept" else
            "Comment text is the kernel's, copied from the tree for this local spec")
    return (
        f"# The {macro} assert block of {relative} and its struct, imported by `mirrorgen import`.\n"
        f"# {said}.\n" + body
    )


def _prove(text: str, name: str, data: bytes, block: Block, shown: str) -> None:
    """Render the spec and compare with the block: the first differing line is refused."""
    from codegen.render import render_family
    from codegen.spec.family_build import build_family
    from codegen.spec.yamlload import loads

    spec = build_family(loads(text.encode(), f"<import {name}>"), name)
    want = render_family(spec, kept_comments(block)).split("\n")
    have = data[block.start : block.end].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    for i, (a, b) in enumerate(zip(want, have, strict=False)):
        if a != b:
            raise InputError(
                shown,
                block.line + i,
                1,
                f"import cannot reproduce this line byte for byte: {b.strip()[:60]!r}",
            )
    if len(want) != len(have):
        line = block.line + min(len(want), len(have))
        raise InputError(shown, line, 1, "import cannot reproduce the block's length")


def _after(anchors: Anchors, block: Block, shown: str) -> dict[str, Any] | None:
    """What stands above the block: a struct's `};` or an `#include`, blank lines, maybe a comment."""
    lines = anchors.text[: block.start].split(b"\n")[:-1]
    comment = False
    blanks = _blank_run(lines)
    if blanks == 0 and lines and lines[-1].rstrip().endswith(b"*/"):
        start = anchors.text.rfind(b"/*", 0, block.start)
        lines = anchors.text[:start].split(b"\n")[:-1]
        blanks, comment = _blank_run(lines), True
    if len(lines) <= blanks:
        return None
    above = lines[-1 - blanks].rstrip(b"\r")
    line = len(lines) - blanks
    out: dict[str, Any]
    if above.startswith(_INCLUDE) and above.endswith(b">"):
        out = {"include": above[len(_INCLUDE) : -1].decode()}
    else:
        struct = struct_ending_at(anchors, sum(len(x) + 1 for x in lines[: line - 1]))
        if struct is None:
            return None  # the spec then only keeps a block that is there; check says when it is gone
        out = {"struct": struct}
    if blanks:
        out["blank_lines"] = blanks
    if comment:
        out["comment"] = True
    return out


def _blank_run(lines: list[bytes]) -> int:
    count = 0
    while count < len(lines) and not lines[-1 - count].strip():
        count += 1
    return count
