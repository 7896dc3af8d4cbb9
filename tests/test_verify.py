"""`mirrorgen verify`: real libclang on 11 ABIs over the real generated text.

Broken specs are written into tmp_path from the real spec's text; expected
numbers come from the host model, which tests/test_hostmodel_kernel.py pins
against real kernels.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from codegen.pipeline import format_regions
from codegen.spec import load_spec
from codegen.verify.abis import ABIS
from codegen.verify.hostmodel import HostModel, load_host_model
from codegen.verify.tu import region_files, verify_tu
from tests.conftest import ROOT

SPEC = ROOT / "specs" / "netmem.yaml"
MODEL = ROOT / "specs" / "hosts" / "page.yaml"
ALL = [abi.name for abi in ABIS]
WIDE = ["x86_64", "aarch64", "riscv64", "s390x", "powerpc64", "loongarch64"]


def mirrorgen(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def variant(tmp_path: Path, name: str, edit: Callable[[str], str]) -> Path:
    """The real spec, edited; its host model path made absolute so it loads from tmp_path."""
    text = SPEC.read_text(encoding="utf-8")
    text = replace_once(text, "model: hosts/page.yaml", f"model: {MODEL}")
    path = tmp_path / f"{name}.yaml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected one {old!r}"
    return text.replace(old, new)


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    hits = [i for i, line in enumerate(lines, start=1) if needle in line]
    assert len(hits) == 1, needle
    return hits[0]


def model() -> HostModel:
    return load_host_model(load_spec(SPEC))


PP = "    - {name: pp, type: struct page_pool *}\n"
PAD = "    - {name: _pp_mapping_pad, type: unsigned long}\n"
REF = "    - {name: pp_ref_count, type: atomic_long_t}\n"


def test_bundled_spec_holds_on_every_abi_and_prints_tables() -> None:
    proc = mirrorgen("verify", "specs/netmem.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert f"verify: specs/netmem.yaml: ok: 13 asserts hold on 11 ABIs ({', '.join(ALL)})" in out
    for struct in ("netmem_desc", "net_iov"):
        headers = [line for line in out.splitlines() if line.startswith(f"struct {struct} on ")]
        covered = [
            abi
            for line in headers
            for abi in line.removeprefix(f"struct {struct} on ").rstrip(":").split(", ")
        ]
        assert sorted(covered) == sorted(ALL), f"every ABI has exactly one {struct} table"
    assert "offset  size  field" in out and "overlays struct page" in out
    assert "<-- mismatch" not in out


def test_json_has_the_layout_of_every_abi(tmp_path: Path) -> None:
    proc = mirrorgen("verify", "specs/netmem.yaml", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 0 and doc["findings"] == []
    (spec,) = doc["specs"]
    assert [a["abi"] for a in spec["abis"]] == ALL
    host = model()
    for entry in spec["abis"]:
        abi = entry["abi"]
        desc = entry["structs"]["netmem_desc"]
        for field in desc["fields"]:
            # Each mirror field sits where its host field is, by clang and by the model's API.
            assert field["offset"] == field["host_offset"] == host.offset(field["host"], abi), (abi, field)
        assert desc["size"] <= entry["host"]["offsets"]["_refcount"] == host.offset("_refcount", abi)
        assert entry["failed"] == [] and entry["errors"] == []


def test_the_translation_unit_holds_the_generated_text_verbatim() -> None:
    spec = load_spec(SPEC)
    regions = format_regions(spec)
    text = verify_tu(model().data, spec, region_files(spec, regions))
    for _, region in regions:
        assert region in text
    assert "struct page {" in text and "#line" in text


def test_swapped_fields_fail_with_assert_abis_values_and_spec_line(tmp_path: Path) -> None:
    spec = variant(tmp_path, "swapped", lambda t: replace_once(t, PP + PAD, PAD + PP))
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 1
    findings = [line for line in proc.stderr.splitlines() if "[assert-failed]" in line]
    assert len(findings) == 2, proc.stderr
    host = model()
    for name, other in (("pp", "_pp_mapping_pad"), ("_pp_mapping_pad", "pp")):
        line = line_of(spec, f"{{name: {name}, ")
        (finding,) = [f for f in findings if f"NETMEM_DESC_ASSERT_OFFSET({name}, {name}) fails:" in f]
        assert finding.startswith(f"{spec}:{line}:")
        # clang's "expression evaluates to": the host offset, then where the swapped mirror put it.
        for abi in ALL:
            values = f"{host.offset(name, abi)} == {host.offset(other, abi)}"
            assert values in finding and abi in finding, (abi, values, finding)
    assert "NET_IOV_ASSERT_OFFSET" not in proc.stderr  # net_iov follows the mirror: still aligned
    assert "FAILED: 2 of 13 asserts fail on 11 of 11 ABIs" in proc.stdout
    assert "pp, which is at" in proc.stdout and "<-- mismatch" in proc.stdout


def test_an_extra_long_overflows_the_size_limit_on_64_bit_only(tmp_path: Path) -> None:
    extra = "    - {name: _extra, type: unsigned long, host: _mapcount}\n"
    spec = variant(tmp_path, "extra", lambda t: replace_once(t, REF, REF + extra))
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 1
    # A long over the 4-byte _mapcount is also the wrong size, on every ABI with an 8-byte long.
    finding, sized = proc.stderr.splitlines()
    assert sized.endswith("[size-mismatch]") and "8 bytes (align 8) over 4 bytes (align 4)" in sized
    host = model()
    wide = [abi for abi in ALL if host.size("flags", abi) == 8]
    narrow = [abi for abi in ALL if abi not in wide]
    assert sorted(wide) == sorted(["x86_64", "aarch64", "riscv64", "s390x", "powerpc64", "loongarch64"])
    assert finding.startswith(f"{spec}:{line_of(spec, '_extra')}:")
    assert (
        "static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)) fails: 56 <= 52 on "
        + ", ".join(wide)
        in finding
    )
    failing = finding.split(" on ", 1)[1].split(" (on ")[0].split(", ")
    assert failing == wide and not set(failing) & set(narrow)
    assert f"FAILED: 1 of 15 asserts fail, 1 field of the wrong size on 6 of 11 ABIs ({', '.join(wide)})" in (
        proc.stdout
    )


DMA = "    - {name: dma_addr, type: unsigned long}\n"


def test_dma_addr_t_holds_with_its_size_per_abi(tmp_path: Path) -> None:
    """The README's example: dma_addr retyped to dma_addr_t (u64 on 64-bit ABIs, u32 on 32-bit
    ones with CONFIG_ARCH_DMA_ADDR_T_64BIT off) fills the host word on every ABI."""
    spec = variant(
        tmp_path, "dma", lambda t: replace_once(t, DMA, DMA.replace("unsigned long", "dma_addr_t"))
    )
    out = tmp_path / "out.json"
    proc = mirrorgen("verify", str(spec), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out.write_text(proc.stdout, encoding="utf-8")
    for entry in json.loads(proc.stdout)["specs"][0]["abis"]:
        (field,) = [f for f in entry["structs"]["netmem_desc"]["fields"] if f["name"] == "dma_addr"]
        word = 8 if entry["abi"] in WIDE else 4
        assert (field["type"], field["size"], field["align"]) == ("dma_addr_t", word, word), entry["abi"]
        assert (field["host_size"], field["host_align"]) == (word, word)


def test_an_unknown_type_is_bad_input_at_its_line(tmp_path: Path) -> None:
    spec = variant(tmp_path, "foo", lambda t: replace_once(t, DMA, DMA.replace("unsigned long", "foo_t")))
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 2 and proc.stdout == ""
    line = line_of(spec, "name: dma_addr")
    assert proc.stderr == (
        f"{spec}:{line}:14: unknown type foo_t: give --tree KDIR so it can be read from the kernel\n"
    )


def test_an_int_over_a_long_fails_on_64_bit_abis_naming_both_sizes(tmp_path: Path) -> None:
    spec = variant(tmp_path, "int", lambda t: replace_once(t, DMA, DMA.replace("unsigned long", "int")))
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 1
    (error,) = proc.stderr.splitlines()
    assert error == (
        f"{spec}:{line_of(spec, 'name: dma_addr')}:14: error: dma_addr (int) does not fill struct page's "
        f"dma_addr: 4 bytes (align 4) over 8 bytes (align 8) on {', '.join(WIDE)} [size-mismatch]"
    )
    assert "32     4  dma_addr             dma_addr, 8 bytes, align 8  <-- size mismatch" in proc.stdout
    assert f"1 field of the wrong size on 6 of 11 ABIs ({', '.join(WIDE)})" in proc.stdout


def test_a_struct_member_of_the_host_word_size_passes(tmp_path: Path) -> None:
    """zpdesc's case: an `unsigned long` over a one-word struct (memdesc_flags_t in 7.x) has its
    size and alignment; here atomic_long_t over the model's unsigned long `flags`."""
    flags = "    - {name: _flags, type: unsigned long, host: flags}\n"
    spec = variant(
        tmp_path, "word", lambda t: replace_once(t, flags, flags.replace("unsigned long", "atomic_long_t"))
    )
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 0, proc.stderr


def test_abi_subset_accepts_kernel_arch_names() -> None:
    proc = mirrorgen("verify", "specs/netmem.yaml", "--abi", "arm64,i386")
    assert proc.returncode == 0, proc.stderr
    assert "ok: 13 asserts hold on 2 ABIs (aarch64, i386)" in proc.stdout


def test_unknown_abi_is_a_usage_error() -> None:
    proc = mirrorgen("verify", "specs/netmem.yaml", "--abi", "x86_64,sparc64")
    assert proc.returncode == 2
    assert proc.stderr.startswith("mirrorgen verify: error: unknown ABI 'sparc64' (known: x86_64, i386")
    assert proc.stdout == ""


def test_a_host_field_missing_from_the_model_is_bad_input(tmp_path: Path) -> None:
    spec = variant(tmp_path, "flagz", lambda t: replace_once(t, "host: flags}", "host: flagz}"))
    proc = mirrorgen("verify", str(spec))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{spec}:{line_of(spec, 'host: flagz')}:")
    assert "host field 'flagz' is not in" in proc.stderr


def test_every_spec_form_in_the_test_fixtures_verifies() -> None:
    # Pre-patch (fields inline, asserted against struct page), seed (union), upstream (embedded).
    specs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "specs").glob("netmem-linux-*.yaml"))
    assert specs
    proc = mirrorgen("verify", *specs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok: ") == len(specs)


def test_github_format_annotates_the_spec_line(tmp_path: Path) -> None:
    spec = variant(tmp_path, "swapped", lambda t: replace_once(t, PP + PAD, PAD + PP))
    proc = mirrorgen("verify", str(spec), "--abi", "x86_64", "--format", "github")
    assert proc.returncode == 1
    line = line_of(spec, "{name: pp, ")
    assert any(
        f"line={line}" in out and "NETMEM_DESC_ASSERT_OFFSET(pp, pp)" in out
        for out in proc.stdout.splitlines()
        if out.startswith("::error ")
    )


def test_a_changed_host_model_is_seen_through_the_memo(tmp_path: Path) -> None:
    # The plan is memoized; the host model is an input of it like the spec.
    model_text = MODEL.read_text(encoding="utf-8")
    (tmp_path / "page.yaml").write_text(model_text, encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        SPEC.read_text(encoding="utf-8").replace("model: hosts/page.yaml", "model: page.yaml"),
        encoding="utf-8",
    )
    for _ in range(2):  # the second run is served by the memo
        assert mirrorgen("verify", str(spec), "--abi", "x86_64").returncode == 0
    pp = "          - {name: pp, type: struct page_pool *}\n"
    pad = "          - {name: _pp_mapping_pad, type: unsigned long}\n"
    (tmp_path / "page.yaml").write_text(replace_once(model_text, pp + pad, pad + pp), encoding="utf-8")
    proc = mirrorgen("verify", str(spec), "--abi", "x86_64")
    assert proc.returncode == 1
    assert "NETMEM_DESC_ASSERT_OFFSET(pp, pp) fails: 24 == 16 on x86_64" in proc.stderr
