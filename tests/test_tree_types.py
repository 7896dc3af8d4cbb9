"""Layouts read from real kernel trees: the hand model of struct page against the tree's own,
and a struct only the tree defines, on x86_64, i386 and arm64 of 6.12 and 7.2.

The trees' generated headers are made the kernel's way (the arch's defconfig
completed by syncconfig, then the kernel's `prepare0` without host programs)
in kbuild's O= directories, once per tree and arch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.kbuild.arches import ARCHES
from codegen.kbuild.builddir import kernel_version
from codegen.kbuild.headers import prepared
from codegen.verify import btf
from codegen.verify.abis import parse_abis
from codegen.verify.hostmodel import load_model_file
from codegen.verify.treetypes import TreeBuild, TreeLayout, tree_layout
from tests.conftest import ROOT, require_tool

MODEL = ROOT / "specs" / "hosts" / "page.yaml"
ARCH_NAMES = ["x86_64", "i386", "arm64"]
FAST = "struct page_pool_params_fast"
_cache: dict[tuple[Path, str], TreeLayout] = {}
# linux/types.h #defines rcu_head to callback_head, so the member the source calls rcu_head is
# callback_head once preprocessed: the name the compiler (and BTF) knows.
PREPROCESSED = {"rcu_head": "callback_head"}


def layout(tree: Path, arch_name: str) -> TreeLayout:
    if (tree, arch_name) not in _cache:
        require_tool("make")
        arch = ARCHES[arch_name]
        if arch.cross_compile():
            require_tool(arch.compiler())
        out = prepared(tree, arch, lambda line: print(line, file=sys.stderr))
        build = TreeBuild(tree, out, arch.srcarch, parse_abis(arch.abi)[0])
        _cache[tree, arch_name] = tree_layout(build, "page", "linux/mm_types.h", [FAST, "dma_addr_t"])
    return _cache[tree, arch_name]


@pytest.mark.slow
@pytest.mark.kbuild
@pytest.mark.parametrize("arch_name", ARCH_NAMES)
@pytest.mark.parametrize("which", ["6.12", "sid"])
def test_the_hand_model_equals_the_trees_struct_page(
    which: str, arch_name: str, tree_612: Path, tree_sid: Path
) -> None:
    tree = tree_612 if which == "6.12" else tree_sid
    found = layout(tree, arch_name)
    assert found.host is not None
    model = load_model_file(MODEL).for_kernel(kernel_version(tree))
    abi = ARCHES[arch_name].abi
    compared = 0
    for name, field in model.fields.items():
        placed = found.host.field(PREPROCESSED.get(name, name))
        if placed is None:
            assert field.config is not None, f"{name} is not in the tree's struct page"
            continue
        assert (model.offset(name, abi), model.size(name, abi)) == (placed.offset, placed.size), name
        compared += 1
    assert compared >= len(model.fields) - 1


@pytest.mark.slow
@pytest.mark.kbuild
def test_a_struct_only_the_tree_defines_has_its_real_size(
    tree_612: Path, tree_sid: Path, vmlinux_sid: Path
) -> None:
    """page_pool_params_fast is declared through the struct_group_tagged macro; the tree says its
    size on each ABI, and on x86_64 the compiled 7.2 kernel agrees."""
    compiled = btf.read(vmlinux_sid)
    found = compiled.find("page_pool_params_fast", (btf.STRUCT,))
    assert found is not None
    for tree in (tree_612, tree_sid):
        sizes = {name: layout(tree, name).types[FAST] for name in ARCH_NAMES}
        assert sizes["x86_64"] == sizes["arm64"]  # both LP64
        assert sizes["i386"][0] < sizes["x86_64"][0]  # pointers are half as wide
        if tree == tree_sid:
            assert sizes["x86_64"][0] == compiled.size(found)
        assert layout(tree, "i386").types["dma_addr_t"] == (4, 4)  # CONFIG_ARCH_DMA_ADDR_T_64BIT off
        assert layout(tree, "x86_64").types["dma_addr_t"] == (8, 8)


@pytest.mark.slow
@pytest.mark.kbuild
def test_verify_tree_resolves_a_struct_only_the_tree_defines(tree_612: Path, tmp_path: Path) -> None:
    """The 6.12 spec with a `struct page_pool_params_fast` member added to net_iov: unknown
    without a tree (exit 2 at its line), laid out from the tree with it, on each ABI."""
    text = (ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml").read_text(encoding="utf-8")
    owner = "    - struct dmabuf_genpool_chunk_owner *owner\n"
    assert text.count(owner) == 1 and text.count("model: ../../specs/hosts/page.yaml") == 1
    text = text.replace(owner, owner + "    - struct page_pool_params_fast fast\n")
    spec = tmp_path / "fast.yaml"
    spec.write_text(text.replace("model: ../../specs/hosts/page.yaml", f"model: {MODEL}"), encoding="utf-8")
    line = text[: text.index("struct page_pool_params_fast fast")].count("\n") + 1

    def mirrorgen(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "codegen", "verify", *args, str(spec)]
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)

    plain = mirrorgen()
    assert plain.returncode == 2
    assert (
        plain.stderr.startswith(f"{spec}:{line}:")
        and "unknown type struct page_pool_params_fast: give --tree" in plain.stderr
    )
    sizes = {name: layout(tree_612, name).types[FAST][0] for name in ARCH_NAMES}  # prepares the tree
    tree = mirrorgen("--tree", str(tree_612))
    assert tree.returncode == 0, tree.stderr
    assert "ok: 13 asserts hold on 3 ABIs (x86_64, i386, aarch64), struct page from" in tree.stdout
    tables = [block for block in tree.stdout.split("\n\n") if block.startswith("struct net_iov on ")]
    for name, abi in (("x86_64", "x86_64"), ("i386", "i386"), ("arm64", "aarch64")):
        (table,) = [t for t in tables if abi in t.split(":")[0].split(" on ")[1].split(", ")]
        assert f"  {sizes[name]:>4}  fast " in table, (abi, table)
