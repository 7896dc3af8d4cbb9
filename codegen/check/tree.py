"""Drift check of a kernel tree: does the spec's target header hold exactly the regions it makes?

Reads one file per spec (plus the tree's .clang-format), never walks the tree.
Fast path: the memo says which header bytes were last found in step with
these exact inputs (spec, style, tools); a header that hashes to them is
fresh without loading YAML, Jinja2, clang-format or tree-sitter.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codegen import memo
from codegen.errors import InputError
from codegen.place.tree_paths import read_input, style_file, target_path, tree_root
from codegen.specfiles import SpecFile

if TYPE_CHECKING:
    from codegen.pipeline import TreeTarget
    from codegen.place.tree import Change
    from codegen.report import Finding, Outcome


def is_fresh_by_memo(tree: Path, spec_files: list[SpecFile]) -> bool:
    """The fast path for every spec at once, without importing the report machinery."""
    root = tree_root(tree)
    return all(_fresh_by_memo(root, tree, _memo_key(root, sf)) for sf in spec_files)


def check_tree(tree: Path, spec_files: list[SpecFile]) -> Outcome:
    from codegen.report import Outcome

    root = tree_root(tree)
    outcome = Outcome("check")
    keys = {sf: _memo_key(root, sf) for sf in spec_files}
    stale = [sf for sf in spec_files if not _fresh_by_memo(root, tree, keys[sf])]
    if len(stale) > 1:
        from codegen.pipeline import format_ahead

        format_ahead(root, stale)
    for spec_file in stale:
        outcome.merge(_check_one(root, tree, spec_file, keys[spec_file]))
    return outcome


def _memo_key(root: Path, spec_file: SpecFile) -> str:
    style = style_file(root)
    spec = read_input(spec_file.path, spec_file.display, "spec")
    shape = read_input(style, style.as_posix(), "clang-format style") if style else b"bundled"
    return memo.key("tree", spec, shape)


def _fresh_by_memo(root: Path, tree: Path, key: str) -> bool:
    recorded = memo.lookup(key)
    if not recorded or "\n" not in recorded:
        return False
    rows = recorded.split("\n")  # relative path, digest; a family's struct in another file adds a pair
    if len(rows) % 2:
        return False
    for relative, digest in zip(rows[::2], rows[1::2], strict=True):
        try:
            header = target_path(root, relative, tree.as_posix()).read_bytes()
        except (InputError, OSError):  # let the slow path say what it is
            return False
        if memo.digest(header) != digest:
            return False
    return True


def _check_one(root: Path, tree: Path, spec_file: SpecFile, key: str) -> Outcome:
    from codegen.pipeline import plan_in_tree
    from codegen.report import Outcome

    planned = plan_in_tree(root, tree.as_posix(), spec_file)
    targets = [planned, *planned.also]
    if all(t.plan.in_step for t in targets):
        memo.store(key, "\n".join(f"{t.relative}\n{memo.digest(t.plan.header)}" for t in targets))
        return Outcome("check")
    outcome = Outcome("check", exit_code=1)
    for target in targets:
        if not target.plan.in_step:
            _check_target(target, tree, spec_file, outcome)
    _other_kernel(root, tree, planned, outcome)
    return outcome


def _other_kernel(root: Path, tree: Path, planned: TreeTarget, outcome: Outcome) -> None:
    """A family spec on host words this tree's host struct lacks: `apply` would not compile
    (and refuses), so it is not offered as the fix; the findings above say what differs."""
    from codegen.family.hostwords import absent_host_words, absent_message
    from codegen.report import Finding
    from codegen.spec.family_model import FamilySpec

    if not isinstance(planned.spec, FamilySpec):
        return
    absent = absent_host_words(root, planned.spec)
    if absent is None:
        return
    outcome.fix = None
    outcome.findings.append(Finding(
        absent.file, absent.line, 1, "other-kernel", "error",
        f"{absent_message(planned.spec, absent)}; apply refuses it. To own this tree's family: "
        f"mirrorgen import --tree {tree.as_posix()} --macro {planned.spec.macro} -o NEW.yaml"))


def _check_target(target: TreeTarget, tree: Path, spec_file: SpecFile, outcome: Outcome) -> Outcome:
    from codegen.check.diff import unified
    from codegen.report import Finding

    plan = target.plan
    if plan.overlaps:  # nothing can be spliced, so there is no diff and no automatic fix
        outcome.findings += [Finding(target.relative, line, 1, "region-overlap", "error", why)
                             for line, why in plan.overlaps]
        return outcome
    if plan.foreign:  # apply refuses: the text is a human's, and only a human can move it
        outcome.findings += [Finding(target.relative, line, 1, "foreign-text", "error", why)
                             for line, why in plan.foreign]
        return outcome
    if not plan.unplaceable:  # apply would refuse: a human has to add the missing anchor first
        import shlex

        outcome.fix = shlex.join(["mirrorgen", "apply", "--tree", tree.as_posix(), spec_file.display])
    outcome.diff = (outcome.diff or "") + unified(_raw(plan.header), _raw(plan.result()), target.relative)
    for change in plan.edits:
        outcome.findings += _findings(target, change)
    outcome.findings += [Finding(target.relative, line, 1, "kept-text-lost", "error", why)
                         for line, why in plan.lost]
    for name, why in plan.unplaceable:
        outcome.findings.append(Finding(
            target.relative, 1, 1, "region-missing", "error",
            f"region {name} missing, and apply cannot insert it: {why}",
        ))
    return outcome


def _findings(target: TreeTarget, change: Change) -> list[Finding]:
    from codegen.check.explain import explain, layout_reason
    from codegen.report import Finding
    from codegen.spec.model import Spec

    spec, where = target.spec, target.relative
    name = change.label
    if change.action == "insert":
        return [Finding(where, change.line, 1, "region-missing", "error",
                        f"region {name} missing (spec: {spec.path})")]
    if not isinstance(spec, Spec) and change.region == "family-struct":
        from codegen.check.family_struct import explain_struct

        return [Finding(where, change.line + s.line - 1, 1, "tree-drift", "error", s.message)
                for s in explain_struct(spec, _text(change.new), change.old)]
    if not isinstance(spec, Spec):
        from codegen.check.family import explain_family

        return [Finding(where, change.line + s.line - 1, 1, "tree-drift", "error", s.message)
                for s in explain_family(spec, _text(change.new), change.old)]
    if change.action == "remove":
        return [Finding(where, change.line, 1, "region-extra", "error",
                        f"region {name} is in the header but the spec no longer has it ({spec.path})")]
    expected, found = _text(change.new), _text(change.old)
    reasons = explain(expected, found, spec)
    if not reasons:  # the constructs agree: say where the layout differs
        reasons = [r for r in (layout_reason(expected, found, spec),) if r is not None]
    out = []
    for reason in reasons:
        line = change.line + max(reason.line, 1) - 1
        suffix = f" ({reason.spec})" if reason.spec else ""
        out.append(Finding(where, line, 1, "tree-drift", "error", f"{reason.message}{suffix}"))
    if not out:  # same constructs, same lines: only invisible bytes (trailing blanks, CR) differ
        out.append(Finding(where, change.line, 1, "tree-drift", "error",
                           f"region {name} differs from the spec's text in whitespace only"))
    return out


def _raw(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")
