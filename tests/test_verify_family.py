"""`verify` for family specs (version 2), on the real trees: every family imported at test time
(`mirrorgen import --tree KDIR --macro NAME`) holds on the 11 ABIs under the stated default
configuration; a mirror field moved in the spec's struct fails, naming the field and the ABIs;
a field the hand model lacks, or no tree, is reported, not passed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from codegen.verify.abis import ABIS
from codegen.verify.familytu import mirror_text
from tests.families import CASES

ALL_ABIS = ", ".join(abi.name for abi in ABIS)


def _tree(which: str, tree_612: Path, tree_sid: Path) -> Path:
    return tree_612 if which == "6.12" else tree_sid


def _import(tree: Path, macro: str, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    spec = out / f"{macro.lower()}.yaml"
    assert main(["import", "--tree", str(tree), "--macro", macro, "-o", str(spec)]) == 0
    capsys.readouterr()
    return spec


def _verify(tree: Path, spec: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", "--tree", str(tree), str(spec)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("which", "macro"), CASES)
def test_every_imported_family_holds_on_the_11_abis(
    which: str, macro: str, tree_612: Path, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = _tree(which, tree_612, tree_sid)
    spec = _import(tree, macro, tmp_path, capsys)
    code, out = _verify(tree, spec, capsys)
    assert code == 0, out
    verdict = out.strip().splitlines()[-1]
    assert re.search(rf": ok: \d+ asserts hold on 11 ABIs \({ALL_ABIS}\)", verdict), verdict
    assert "FAILS" not in out


def _moved(text: str, fields: list[str]) -> tuple[str, str] | None:
    """The spec text with one asserted field's entry of its `struct:` section swapped with its
    neighbour at the same depth inside a struct, not a union (where members share their offset),
    and the field's name; None if no field allows it."""
    lines = text.split("\n")
    entry = re.compile(r"( *)- \{type: [^}]*, name: (\w+)\}")
    for field in fields:
        for i, line in enumerate(lines):
            here = entry.fullmatch(line)
            if not here or here[2] != field or "union:" in _opener(lines, i):
                continue
            for j in (i + 1, i - 1):
                there = entry.fullmatch(lines[j]) if 0 <= j < len(lines) else None
                if there and there[1] == here[1]:
                    lines[i], lines[j] = lines[j], lines[i]
                    return "\n".join(lines), field
    return None


def _opener(lines: list[str], i: int) -> str:
    """The entry that holds line i: the nearest line above it indented less."""
    depth = len(lines[i]) - len(lines[i].lstrip(" "))
    for k in range(i - 1, -1, -1):
        if lines[k].strip() and len(lines[k]) - len(lines[k].lstrip(" ")) < depth:
            return lines[k]
    return ""


@pytest.mark.parametrize(("which", "macro"), CASES)
def test_a_moved_mirror_field_fails_naming_it(
    which: str, macro: str, tree_612: Path, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spec owns the struct (`struct:`), so verify compiles the struct the spec makes: one
    asserted field trades places with its neighbour in the spec, and verify names it."""
    tree = _tree(which, tree_612, tree_sid)
    spec_path = _import(tree, macro, tmp_path, capsys)
    spec = load_any(spec_path)
    assert isinstance(spec, FamilySpec) and spec.struct is not None
    assert mirror_text(spec, tree)[-1].file == str(spec_path)  # the spec's struct, not the tree's
    asserted = [u.mirror for g in spec.groups for u, cond in g.uses() if cond is None]
    moved = _moved(spec_path.read_text(encoding="utf-8"), asserted)
    assert moved is not None, f"no asserted field of struct {spec.mirror} can trade places"
    text, field = moved
    spec_path.write_text(text, encoding="utf-8")
    code, out = _verify(tree, spec_path, capsys)
    assert code == 1, out
    failing = [line for line in out.splitlines() if "[assert-failed]" in line and f", {field})" in line]
    assert failing, out
    assert f"struct {spec.mirror}'s {field} is not where" in failing[0]
    assert "x86_64" in failing[0] and "i386" in failing[0], failing[0]
    assert failing[0].startswith(f"{spec_path}:"), failing[0]  # at the use's spec line
    assert "FAILS" in out


def test_a_family_spec_without_a_tree_is_exit_2(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _import(tree_sid, "ZPDESC_MATCH", tmp_path, capsys)
    assert main(["verify", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "give --tree KDIR" in err and "Traceback" not in err


def test_a_host_word_the_hand_model_lacks_is_a_compile_error_at_its_use(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _import(tree_sid, "ZPDESC_MATCH", tmp_path, capsys)
    text = spec.read_text(encoding="utf-8")
    assert "[_refcount, _refcount]" in text
    spec.write_text(text.replace("[_refcount, _refcount]", "[_refcountz, _refcount]"), encoding="utf-8")
    code, out = _verify(tree_sid, spec, capsys)
    assert code == 1, out
    assert any("[compile-error]" in line and "_refcountz" in line for line in out.splitlines()), out
