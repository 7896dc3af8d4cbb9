"""clang-format on a family spec's regions (spec version 2): only where the tree's own text is
clang-format-stable, as the spec records per region (`clang_format` for the assert block, in
`struct:` for the struct).

At test time, on the fetched trees (no kernel text committed): `import` marks a region `true`
exactly when the real clang-format, run on that region alone with the tree's `.clang-format`,
gives its bytes back; the set of stable regions is the one listed below; a `true` region is
passed through clang-format (a spec edit the templates would lay out otherwise comes out in
kernel style), a `false` one is not; a missing binary is exit 2 in one line where a region needs
it and irrelevant where none does; a fresh memo starts no clang-format.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.creader.anchors import scan
from codegen.creader.macroblock import find_block
from codegen.creader.structbody import find_struct
from codegen.family.importer import import_family
from codegen.format import wheel_binary
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from tests.conftest import unavailable
from tests.families import tree_of
from tests.test_format_errors import _wheel_copy

FAMILIES = {
    "6.12": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "NET_IOV_ASSERT_OFFSET"],
    "sid": ["FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "ZPDESC_MATCH", "IOPTDESC_MATCH",
            "NETMEM_DESC_ASSERT_OFFSET"],
}
CASES = [(tree, macro) for tree, macros in FAMILIES.items() for macro in macros]
# The regions clang-format leaves byte-identical under each tree's own .clang-format (measured
# on Debian's 6.12 and 7.2 trees). Not stable: every mm block (tab-padded backslashes, FOLIO's
# groups), folio's struct (marker indentation), 6.12's slab struct (bitfields); 7.2's slab
# keeps its bitfields in struct freelist_counters, so its struct is stable.
STABLE = {
    ("6.12", "TABLE_MATCH", "struct"),
    ("6.12", "NET_IOV_ASSERT_OFFSET", "block"),
    ("6.12", "NET_IOV_ASSERT_OFFSET", "struct"),
    ("sid", "TABLE_MATCH", "struct"),
    ("sid", "SLAB_MATCH", "struct"),
    ("sid", "ZPDESC_MATCH", "block"),
    ("sid", "ZPDESC_MATCH", "struct"),
    ("sid", "IOPTDESC_MATCH", "block"),
    ("sid", "IOPTDESC_MATCH", "struct"),
    ("sid", "NETMEM_DESC_ASSERT_OFFSET", "block"),
    ("sid", "NETMEM_DESC_ASSERT_OFFSET", "struct"),
}


def _imported(tree: Path, macro: str, work: Path) -> tuple[Path, FamilySpec, Path]:
    """The imported spec, its model, and a private tree holding the family's file(s) and the
    tree's own .clang-format."""
    work.mkdir(parents=True, exist_ok=True)
    spec = work / f"{macro.lower()}.yaml"
    spec.write_text(import_family(tree, macro, spec.stem), encoding="utf-8")
    model = load_any(spec)
    assert isinstance(model, FamilySpec) and model.struct is not None
    root = work / "tree"
    for rel in {model.file, model.struct.file, ".clang-format"}:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / rel, root / rel)
    return spec, model, root


def _binary() -> Path:
    binary = wheel_binary()
    if binary is None or not binary.is_file():
        unavailable("the clang-format wheel's binary")
    assert binary is not None
    return binary


def _stable_alone(text: bytes, style: Path) -> bool:
    """The region alone through the real binary (not mirrorgen's joined call)."""
    proc = subprocess.run([_binary(), f"--style=file:{style}", "--assume-filename=x.h"], input=text + b"\n",
                          capture_output=True, check=True)
    return proc.stdout == text + b"\n"


@pytest.mark.parametrize(("tree_name", "macro"), CASES)
def test_import_marks_exactly_the_stable_regions(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str], tree_name: str,
    macro: str,
) -> None:
    tree = tree_of(request, tree_name)
    spec, model, root = _imported(tree, macro, tmp_path)
    assert model.struct is not None
    block_data, struct_data = (tree / model.file).read_bytes(), (tree / model.struct.file).read_bytes()
    block = find_block(scan(block_data), macro, model.mirror)
    region = find_struct(scan(struct_data), model.struct.name)
    assert block is not None and region is not None
    measured = {
        "block": _stable_alone(block_data[block.start : block.end], tree / ".clang-format"),
        "struct": _stable_alone(struct_data[region.start : region.end], tree / ".clang-format"),
    }
    assert {"block": model.clang_format, "struct": model.struct.clang_format} == measured
    listed = {r for t, m, r in STABLE if (t, m) == (tree_name, macro)}
    assert {r for r, ok in measured.items() if ok} == listed
    # the render-back proof holds either way: check is exit 0 with the tree's own style
    assert main(["check", "--tree", str(root), str(spec)]) == 0, capsys.readouterr()


def _netmem_desc(tree_sid: Path, tmp_path: Path) -> tuple[Path, Path]:
    spec, model, root = _imported(tree_sid, "NETMEM_DESC_ASSERT_OFFSET", tmp_path)
    assert model.clang_format and model.struct is not None and model.struct.clang_format
    return spec, root


def _set(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _both_false(text: str) -> str:
    text = _set(text, "\nclang_format: true\n", "\nclang_format: false\n")
    return _set(text, "\n  clang_format: true\n", "\n  clang_format: false\n")


@pytest.mark.parametrize("region", ["block", "struct"])
def test_a_true_region_is_clang_formatted(tree_sid: Path, tmp_path: Path, region: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A spec edit the template lays out otherwise (the block's backslashes and continuation
    indent; a field indented by three tabs) comes out in the tree's style where the region is
    `true`, so check stays 0; the same edit where it is `false` is drift."""
    spec, root = _netmem_desc(tree_sid, tmp_path)
    text = spec.read_text(encoding="utf-8")
    if region == "block":
        text = _set(text, "layout: {escape: left}", "layout: {escape: single}")
        text = _set(text, "wrap: {tabs: 2, spaces: 6}", "wrap: {tabs: 1, spaces: 0}")
    else:
        text = _set(text, "- {type: struct page_pool *, name: pp}",
                    "- {type: struct page_pool *, name: pp, indent: 3}")
    spec.write_text(text, encoding="utf-8")
    assert main(["check", "--tree", str(root), str(spec)]) == 0, capsys.readouterr()
    spec.write_text(_both_false(text), encoding="utf-8")
    assert main(["check", "--tree", str(root), str(spec)]) == 1
    assert "netmem_desc" in capsys.readouterr().out


def test_an_added_bitfield_comes_out_in_kernel_style(tree_sid: Path, tmp_path: Path) -> None:
    """A field added to a `true` struct is laid out by clang-format (`x : 4`, what the kernel's
    style makes of a bitfield), not by the template's `tight` default (`x:4`); the struct
    written is clang-format-stable again. In a `false` struct the template's bytes stay."""
    spec, root = _netmem_desc(tree_sid, tmp_path)
    header = root / "include/net/netmem.h"
    original = header.read_bytes()
    last = "  - {type: atomic_long_t, name: pp_ref_count}\n"
    extra = "  - {type: unsigned int, name: extra, bits: 4}\n"
    added = _set(spec.read_text(encoding="utf-8"), last, last + extra)
    cases = ((added, b"\tunsigned int extra : 4;\n"), (_both_false(added), b"\tunsigned int extra:4;\n"))
    for text, line in cases:
        header.write_bytes(original)
        spec.write_text(text, encoding="utf-8")
        assert main(["apply", "--tree", str(root), str(spec)]) == 0
        data = header.read_bytes()
        assert data.count(line) == 1
        region = find_struct(scan(data), "netmem_desc")
        assert region is not None
        stable = _stable_alone(data[region.start : region.end], root / ".clang-format")
        assert stable == (b" : " in line)


def _wrapped_binary(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the wheel whose binary logs each start, then runs the real one."""
    binary = _wheel_copy(tmp_path / "site")
    real = binary.with_name("clang-format.real")
    binary.rename(real)
    log = tmp_path / "starts.log"
    binary.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
    binary.chmod(0o755)
    return binary, log


def _check(site: Path, cache: Path, root: Path, spec: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "MIRRORGEN_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "codegen", "check", "--tree", str(root), str(spec)],
                          capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize(("macro", "starts"), [
    ("NETMEM_DESC_ASSERT_OFFSET", 1),  # both regions true, one file: one call
    ("IOPTDESC_MATCH", 1),  # both true, two files: still one call
    ("FOLIO_MATCH", 0),  # both false: clang-format is never started
])
def test_clang_format_starts_only_for_true_regions_and_not_when_fresh(
    tree_sid: Path, tmp_path: Path, macro: str, starts: int
) -> None:
    spec, _, root = _imported(tree_sid, macro, tmp_path / "work")
    binary, log = _wrapped_binary(tmp_path)
    cold = _check(tmp_path / "site", tmp_path / "cache", root, spec)
    assert cold.returncode == 0, cold.stderr
    ran = log.read_text().count("run") if log.exists() else 0
    assert ran == starts
    warm = _check(tmp_path / "site", tmp_path / "cache", root, spec)  # the memo says fresh
    assert warm.returncode == 0, warm.stderr
    assert (log.read_text().count("run") if log.exists() else 0) == ran
    assert binary.is_file()


def test_one_clang_format_start_for_every_family_spec_of_a_check(tree_sid: Path, tmp_path: Path) -> None:
    """`check --tree` with the six 7.2 family specs formats all their `true` regions (five
    specs have some) in one clang-format call, and the result is the same: exit 0."""
    root = tmp_path / "tree"
    specs = []
    for macro in ("FOLIO_MATCH", "TABLE_MATCH", "SLAB_MATCH", "ZPDESC_MATCH", "IOPTDESC_MATCH",
                  "NETMEM_DESC_ASSERT_OFFSET"):
        spec, model, _ = _imported(tree_sid, macro, tmp_path / macro.lower())
        assert model.struct is not None
        for rel in {model.file, model.struct.file, ".clang-format"}:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree_sid / rel, root / rel)
        specs.append(spec)
    _, log = _wrapped_binary(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "MIRRORGEN_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "codegen", "check", "--tree", str(root), *map(str, specs)],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().count("run") == 1


@pytest.mark.parametrize(("macro", "code"), [("ZPDESC_MATCH", 2), ("FOLIO_MATCH", 0)])
def test_missing_binary_is_exit_2_only_where_a_region_needs_it(
    tree_sid: Path, tmp_path: Path, macro: str, code: int
) -> None:
    spec, _, root = _imported(tree_sid, macro, tmp_path / "work")
    binary = _wheel_copy(tmp_path / "site")
    binary.unlink()
    proc = _check(tmp_path / "site", tmp_path / "cache", root, spec)
    assert proc.returncode == code, proc.stderr
    if code == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and re.match(r"mirrorgen check: error: clang-format", lines[0]), proc.stderr
        assert str(binary) in lines[0] and "Traceback" not in proc.stderr


def test_import_without_the_binary_is_exit_2_and_writes_nothing(tree_sid: Path, tmp_path: Path) -> None:
    """import needs clang-format to tell whether a region is stable: without it, one line."""
    binary = _wheel_copy(tmp_path / "site")
    binary.unlink()
    out = tmp_path / "zpdesc.yaml"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "MIRRORGEN_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "codegen", "import", "--tree", str(tree_sid), "--macro", "ZPDESC_MATCH",
               "-o", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mirrorgen import: error: clang-format"), proc.stderr
    assert not out.exists()
