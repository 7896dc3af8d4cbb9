"""`verify --btf`: the BTF reader against pahole, and the spec against compiled kernels.

The compiled kernels are real: Debian sid's cloud-amd64 vmlinux (7.2, fetched
by scripts/fetch-vmlinux) and, where it exists, this machine's running kernel
(/sys/kernel/btf/vmlinux).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.spec.host import HostField, HostStruct, Versions
from codegen.spec.model import Loc
from codegen.verify import btf, elf
from codegen.verify.clangtu import compile_c
from codegen.verify.ktypes import RECORDS, TYPEDEFS
from codegen.verify.tu import host_tu
from tests.conftest import ROOT, require_tool

RUNNING = Path("/sys/kernel/btf/vmlinux")
SEED = ROOT / "specs" / "netmem.yaml"
SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"
# `type name; /* offset size */` as pahole prints a member (not the `};` of an anonymous one).
_PAHOLE = re.compile(r"^\s+\S.*?\b(\w+)(?:\[\d*\])*;\s+/\*\s+(\d+)\s+(\d+)\s+\*/")


def mirrorgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def pahole(path: Path, struct: str) -> list[tuple[str, int, int]]:
    proc = subprocess.run(
        [require_tool("pahole"), "-F", "btf", "-C", struct, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [
        (m.group(1), int(m.group(2)), int(m.group(3)))
        for m in map(_PAHOLE.match, proc.stdout.splitlines())
        if m
    ]
    assert rows, proc.stdout
    return rows


def ours(path: Path, struct: str) -> list[tuple[str, int, int]]:
    reader = btf.read(path)
    found = reader.find(struct)
    assert found is not None, struct
    return [(m.name, m.offset, m.size) for m in reader.record(found).flat()]


def kernels(vmlinux_sid: Path) -> list[Path]:
    return [vmlinux_sid] + ([RUNNING] if RUNNING.is_file() else [])


@pytest.mark.parametrize("struct", ["page", "netmem_desc", "net_iov"])
def test_the_reader_agrees_with_pahole(vmlinux_sid: Path, struct: str) -> None:
    for path in kernels(vmlinux_sid):
        assert ours(path, struct) == pahole(path, struct), path


def test_the_elf_reader_finds_the_btf_section(vmlinux_sid: Path) -> None:
    data = vmlinux_sid.read_bytes()
    section = elf.section(data, ".BTF")
    assert section is not None and section[:2] == b"\x9f\xeb"  # 0xeB9F, little-endian
    assert elf.section(data, ".no-such-section") is None
    assert elf.section(b"not an ELF file at all, " * 4, ".BTF") is None


def test_debian_72_kernel_matches_the_72_spec_and_not_the_seed(vmlinux_sid: Path) -> None:
    good = mirrorgen("verify", "--btf", str(vmlinux_sid), str(SPEC_72))
    assert good.returncode == 0, good.stderr
    assert "0 differences" in good.stdout and "(x86_64)" in good.stdout
    assert "struct net_iov: the spec on x86_64 | compiled" in good.stdout
    bad = mirrorgen("verify", "--btf", str(vmlinux_sid), str(SEED))
    assert bad.returncode == 1
    errors = bad.stderr.splitlines()
    assert all(e.endswith("[btf-mismatch]") and e.startswith("specs/netmem.yaml:") for e in errors)
    assert any("owner is at 48, size 8 in the spec, at 56, size 8 compiled" in e for e in errors)
    assert any("struct net_iov: pp is not in the compiled struct" in e for e in errors)
    assert f"FAILED: {len(errors)} differences" in bad.stdout


def test_the_running_kernel_matches_the_spec_of_its_form(vmlinux_sid: Path) -> None:
    if not RUNNING.is_file():
        pytest.skip("this machine's kernel exposes no /sys/kernel/btf/vmlinux")
    # Which form the running kernel has, said by pahole, not by the reader under test.
    union_form = any(name == "_flags" for name, _, _ in pahole(RUNNING, "net_iov"))
    matching, other = (SEED, SPEC_72) if union_form else (SPEC_72, SEED)
    assert mirrorgen("verify", "--btf", str(matching)).returncode == 0
    proc = mirrorgen("verify", "--btf", str(other))
    assert proc.returncode == 1 and "owner is at" in proc.stderr


def test_the_builtin_types_have_the_compiled_kernels_sizes(vmlinux_sid: Path) -> None:
    """Each type of the built-in table, laid out by verify's prelude for x86_64, has the size
    the Debian kernel's BTF gives it."""
    names = [t.name for t in TYPEDEFS] + [r.typedef or f"struct {r.tag}" for r in RECORDS]
    loc = Loc("table", 1, 1)
    fields = tuple(HostField(f"f{i}", name, loc, Versions(), None) for i, name in enumerate(names))
    text = host_tu(HostStruct("table", "mirrorgen_types", fields))
    compiled = compile_c(text, "x86_64-linux-gnu", ["mirrorgen_types"])
    assert not compiled.errors, compiled.errors
    sizes = {names[int(f.name[1:])]: f.size for f in compiled.structs["mirrorgen_types"].fields}
    reader = btf.read(vmlinux_sid)
    checked = []
    for name, size in sizes.items():
        tag = name.removeprefix("struct ")
        found = reader.find(tag, (btf.STRUCT,) if tag != name else (btf.TYPEDEF,))
        if found is None:
            continue  # not every name is used by this kernel's code
        assert reader.size(found) == size, name
        checked.append(name)
    assert {"dma_addr_t", "spinlock_t", "refcount_t", "atomic64_t", "struct list_head"} <= set(checked)
    assert len(checked) >= len(names) - 6, sorted(set(names) - set(checked))


def test_a_file_without_btf_is_a_usage_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"\x00" * 64)
    proc = mirrorgen("verify", "--btf", str(plain), str(SEED))
    assert proc.returncode == 2 and "not BTF" in proc.stderr and len(proc.stderr.splitlines()) == 1
    elf_file = Path(sys.executable).resolve()
    proc = mirrorgen("verify", "--btf", str(elf_file), str(SEED))
    assert proc.returncode == 2 and "without a .BTF section" in proc.stderr


def test_json_carries_the_side_by_side_table(vmlinux_sid: Path) -> None:
    """--format json has every row of the table: each member as the spec and the kernel lay it out,
    the compiled side equal to pahole's reading of the same kernel."""
    proc = mirrorgen("verify", "--btf", str(vmlinux_sid), str(SEED), "--format", "json")
    assert proc.returncode == 1
    [spec] = json.loads(proc.stdout)["specs"]
    tables = {t["struct"]: t for t in spec["structs"]}
    assert set(tables) == {"netmem_desc", "net_iov"}
    for name, table in tables.items():
        compiled = [(f["name"], f["compiled"]["offset"], f["compiled"]["size"])
                    for f in table["fields"] if f["compiled"]]  # fmt: skip
        assert sorted(compiled) == sorted(pahole(vmlinux_sid, name)), name
    owner = next(f for f in tables["net_iov"]["fields"] if f["name"] == "owner")
    assert owner["spec"] == {"offset": 48, "size": 8} and owner["differs"] is True
    assert tables["netmem_desc"]["size"] == {"spec": 48, "compiled": 48}
