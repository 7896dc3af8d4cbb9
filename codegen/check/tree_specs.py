"""Which specs tree mode uses when none is named: of the project's (else the bundled) specs
for one header, the one whose form the header is in.

The header has taken several forms upstream (docs/tree.md): the seed form (struct net_iov
carries the mirror in a union), the upstream form (it embeds the mirror), the pre-patch
form (its own interleaved members, no mirror struct). Checking a tree with a spec of
another form reports every region as drift; picking by form gives the right answer on a
pristine tree, and where no spec has the tree's form the error names the forms and how to
choose. The choice is memoized by the header's and the specs' bytes, so a repeated
`check --tree` stays on its fast path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codegen import memo
from codegen.errors import BadUsage, InputError
from codegen.place.tree_paths import target_path, tree_root
from codegen.specfiles import SpecFile, resolve, say_bundled

if TYPE_CHECKING:
    from codegen.creader.shape import Shape

FORMS = {
    "union": "the seed form (struct net_iov carries the mirror in a union)",
    "embedded": "the upstream form (struct net_iov embeds the mirror)",
    "field": "the pre-patch form (no mirror struct; the fields are struct net_iov's own)",
}


def resolve_for_tree(args: list[str], tree: Path) -> list[SpecFile]:
    if args:
        return resolve(args)
    candidates = resolve([], announce=False)
    if len(candidates) > 1 or candidates[0].bundled:
        candidates = _by_form(candidates, tree)
    say_bundled(candidates)
    return candidates


def _bundled_candidates() -> list[SpecFile]:
    from codegen.resources import bundled_specs_dir
    from codegen.specfiles import bundled_spec

    return [bundled_spec(p.stem) for p in sorted(bundled_specs_dir().glob("*.yaml"))]


def _by_form(candidates: list[SpecFile], tree: Path) -> list[SpecFile]:
    if candidates[0].bundled:
        candidates = _bundled_candidates()
    root = tree_root(tree)
    key = memo.key("tree-form", tree.resolve().as_posix(), *(c.path.as_posix() for c in candidates),
                   *(c.path.read_bytes() for c in candidates))
    headers: dict[str, bytes] = {}
    recorded = memo.lookup(key)
    if recorded is not None:  # "hex(target)\tdigest" per header, a blank line, chosen indexes
        digests, _, chosen = recorded.partition("\n\n")
        try:
            wanted = {bytes.fromhex(t).decode(): d for t, d in (x.split("\t") for x in digests.splitlines())}
            picked = [candidates[int(i)] for i in chosen.split()]
        except (ValueError, IndexError, UnicodeDecodeError):
            wanted, picked = {}, []
        if picked and all(memo.digest(_read(root, tree, t, headers)) == d for t, d in wanted.items()):
            return picked
    chosen_files = _choose(candidates, root, tree, headers)
    memo.store(key, "".join(f"{t.encode().hex()}\t{memo.digest(h)}\n" for t, h in headers.items()) + "\n"
               + " ".join(str(candidates.index(c)) for c in chosen_files))
    return chosen_files


def _read(root: Path, tree: Path, target: str, cache: dict[str, bytes]) -> bytes:
    if target not in cache:
        try:
            cache[target] = target_path(root, target, tree.as_posix()).read_bytes()
        except OSError:
            cache[target] = b""
    return cache[target]


def _choose(candidates: list[SpecFile], root: Path, tree: Path, headers: dict[str, bytes]) -> list[SpecFile]:
    from codegen.creader.shape import extract
    from codegen.spec import load_spec

    by_target: dict[str, list[tuple[SpecFile, str]]] = {}
    for sf in candidates:
        spec = load_spec(sf.path, sf.display)
        form = spec.alias.style if spec.alias else "union"
        by_target.setdefault(spec.target.file, []).append((sf, form))
    chosen: list[SpecFile] = []
    for target, specs in by_target.items():
        header = _read(root, tree, target, headers)
        if not header:  # let the check itself say what is wrong with the target
            chosen += [sf for sf, _ in specs]
            continue
        spec = load_spec(specs[0][0].path, specs[0][0].display)
        found = header_form(extract(header), spec.mirror.struct, spec.alias.struct if spec.alias else "")
        matching = [sf for sf, form in specs if form == found]
        if not matching:
            raise _no_form(tree, target, found, specs)
        chosen += matching
    return chosen


def header_form(shape: Shape, mirror: str, alias: str) -> str | None:
    """The form a header is in: how its alias struct carries the mirror (None: no alias struct)."""
    found = shape.structs.get(alias)
    if found is None:
        return None
    for member in found.members:
        if member.type == f"struct {mirror}" and member.name:
            return "embedded"
        if not member.name and member.type == "union" and any(
            child.type == f"struct {mirror}" for child in member.children or []
        ):
            return "union"
    return "field"


def _no_form(tree: Path, target: str, found: str | None, specs: list[tuple[SpecFile, str]]) -> Exception:
    shown = f"{tree.as_posix().rstrip('/')}/{target}"
    known = "; ".join(f"{sf.display}: {FORMS.get(form, form)}" for sf, form in specs)
    if found is None:
        return InputError(shown, 1, 1, f"no struct definition that a spec here describes ({known})")
    return BadUsage(
        f"{shown} is in {FORMS[found]}, and no spec here is: the specs know {known}. "
        f"Name the spec for this tree: mirrorgen check --tree {tree.as_posix()} SPEC "
        "(the pre-patch form needs the spec of docs/tree.md, with the tree's own comment)"
    )
