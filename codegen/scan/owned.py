"""Which families a spec owns (its header, its mirror or alias struct; a family spec: its macro's
family), whether the tree holds exactly what the spec makes (the `check --tree` machinery, not a
second check), and which mirror fields a family spec says need no assert, with its reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.errors import InputError, UsageError
from codegen.family.model import Family


@dataclass(frozen=True)
class Owner:
    spec: str  # as displayed
    file: str  # the header it owns, relative to the tree (a family spec: its assert block's file)
    structs: frozenset[str]  # "struct netmem_desc", "struct net_iov"
    fresh: bool
    macro: str = ""  # a family spec (version 2): the one macro family it owns
    on_purpose: dict[str, str] = field(default_factory=dict, compare=False)  # field -> why no assert

    def owns(self, family: Family) -> bool:
        return (family.file == self.file and family.mirror in self.structs
                and (not self.macro or family.name == self.macro))


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
        owned = _owned(spec_file.path, spec_file.display)
        fresh = check_tree(tree, [spec_file]).exit_code == 0
        out.append(Owner(spec_file.display, owned["file"], frozenset(owned["structs"]), fresh,
                         owned["macro"], owned["on_purpose"]))
    return out


def _owned(path: Path, display: str) -> dict[str, Any]:
    """The spec's header, structs, macro (a family spec) and the fields it mirrors without an
    assert on purpose, memoized by the spec's bytes (loading YAML costs ~0.2 s)."""
    from codegen import memo
    from codegen.spec import load_any
    from codegen.spec.family_model import FamilySpec

    key = memo.key("scan-owner-2", path.as_posix(), path.read_bytes())
    recorded = memo.lookup(key)
    if recorded is not None:
        try:
            data: dict[str, Any] = json.loads(recorded)
            return data
        except json.JSONDecodeError:
            pass  # damage is a miss
    spec = load_any(path, display)
    if isinstance(spec, FamilySpec):
        fields = spec.struct.fields() if spec.struct else []
        data = {"file": spec.file, "structs": [f"struct {spec.mirror}"], "macro": spec.macro,
                "on_purpose": {f.name: f.unasserted for f in fields if f.unasserted}}
    else:
        structs = [f"struct {spec.mirror.struct}"] + ([f"struct {spec.alias.struct}"] if spec.alias else [])
        data = {"file": spec.target.file, "structs": structs, "macro": "", "on_purpose": {}}
    memo.store(key, json.dumps(data))
    return data
