"""Which families a spec owns (its header, its mirror or alias struct), and whether the tree
holds exactly what the spec makes: the `check --tree` machinery, not a second check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.errors import InputError, UsageError
from codegen.family.model import Family


@dataclass(frozen=True)
class Owner:
    spec: str  # as displayed
    file: str  # the header it owns, relative to the tree
    structs: frozenset[str]  # "struct netmem_desc", "struct net_iov"
    fresh: bool

    def owns(self, family: Family) -> bool:
        return family.file == self.file and family.mirror in self.structs


def owners(tree: Path, spec_args: list[str]) -> list[Owner]:
    """The specs for this tree (named, else chosen by the header's form as `check --tree` does).

    With no SPEC given, a tree in no spec's form has no owner; a named SPEC that is bad is exit 2.
    """
    from codegen.check.tree import check_tree
    from codegen.check.tree_specs import resolve_for_tree

    try:
        spec_files = resolve_for_tree(spec_args, tree)
    except (InputError, UsageError):
        if spec_args:
            raise
        return []
    out: list[Owner] = []
    for spec_file in spec_files:
        file, structs = _owned(spec_file.path, spec_file.display)
        fresh = check_tree(tree, [spec_file]).exit_code == 0
        out.append(Owner(spec_file.display, file, frozenset(structs), fresh))
    return out


def _owned(path: Path, display: str) -> tuple[str, list[str]]:
    """The spec's header and structs, memoized by the spec's bytes (loading YAML costs ~0.2 s)."""
    from codegen import memo
    from codegen.spec import load_spec

    key = memo.key("scan-owner", path.as_posix(), path.read_bytes())
    recorded = memo.lookup(key)
    if recorded is not None and "\n" in recorded:
        file, *structs = recorded.split("\n")
        return file, structs
    spec = load_spec(path, display)
    structs = [f"struct {spec.mirror.struct}"] + ([f"struct {spec.alias.struct}"] if spec.alias else [])
    memo.store(key, "\n".join([spec.target.file, *structs]))
    return spec.target.file, structs
