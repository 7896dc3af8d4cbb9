"""The host model (specs/hosts/page.yaml): its API, and validation at load.

The offsets asserted here are the model's; the kernel itself confirms
them in tests/test_hostmodel_kernel.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.errors import InputError
from codegen.spec import load_spec
from codegen.verify.abis import ABIS
from codegen.verify.hostmodel import HostModel, load_host_model, load_model_file
from tests.conftest import ROOT

MODEL = ROOT / "specs" / "hosts" / "page.yaml"
WIDE = ["x86_64", "aarch64", "riscv64", "s390x", "powerpc64", "loongarch64"]
NARROW = ["i386", "arm", "riscv32", "powerpc", "mips"]
FACTS = ("flags", "pp_magic", "pp", "_pp_mapping_pad", "dma_addr", "pp_ref_count", "_mapcount", "_refcount")
FACTS_64 = (0, 8, 16, 24, 32, 40, 48, 52)
FACTS_32 = (0, 4, 8, 12, 16, 20, 24, 28)


@pytest.fixture(scope="module")
def model() -> HostModel:
    return load_host_model(load_spec(ROOT / "specs" / "netmem.yaml"))


def test_every_abi_is_either_class(model: HostModel) -> None:
    assert sorted(WIDE + NARROW) == sorted(abi.name for abi in ABIS)


@pytest.mark.parametrize("abi", WIDE + NARROW)
def test_offsets_are_the_kernel_facts(model: HostModel, abi: str) -> None:
    expected = FACTS_64 if abi in WIDE else FACTS_32
    assert tuple(model.offset(name, abi) for name in FACTS) == expected
    word = 8 if abi in WIDE else 4
    assert model.size("pp", abi) == model.size("flags", abi) == word
    assert model.size("_refcount", abi) == model.size("page_type", abi) == 4


def test_union_siblings(model: HostModel) -> None:
    assert model.siblings("page_type") == {"_mapcount"}
    assert model.siblings("_mapcount") == {"page_type"}
    assert "lru" in model.siblings("compound_head") and "lru" in model.siblings("compound_info")
    assert {"compound_head", "compound_info"} <= model.siblings("lru")
    # Renamed in between 6.12 and 7.2: never in one kernel, so never sharing storage.
    assert "compound_info" not in model.siblings("compound_head")
    # Different arms of the same union, but different words: not shared.
    assert "mapping" not in model.siblings("pp")
    assert model.siblings("mapping") == {"_pp_mapping_pad"}
    assert {"lru", "compound_head"} <= model.siblings("pp_magic")
    assert model.siblings("flags") == set() and model.siblings("_refcount") == set()


def test_fields_at(model: HostModel) -> None:
    assert model.fields_at(48, "x86_64") == ["page_type", "_mapcount"]
    assert model.fields_at(24, "i386") == ["page_type", "_mapcount"]
    assert model.fields_at(52, "x86_64") == ["_refcount"]
    assert model.fields_at(0, "arm") == ["flags"]
    at8 = model.fields_at(8, "aarch64")
    assert {"pp_magic", "lru", "compound_head", "compound_info"} <= set(at8) and "pp" not in at8
    assert {"pp", "lru"} <= set(model.fields_at(8, "riscv32"))
    assert model.fields_at(12, "riscv32") == ["mapping", "_pp_mapping_pad"]


def test_each_kernel_sees_its_own_names(model: HostModel) -> None:
    old, new = model.for_kernel((6, 12)), model.for_kernel((7, 2))
    assert {"compound_head", "index", "mlock_count", "pgmap"} <= set(old.fields)
    assert not {"compound_info", "__folio_index", "pcp_llist"} & set(old.fields)
    assert {"compound_info", "__folio_index", "pcp_llist"} <= set(new.fields)
    assert not {"compound_head", "index", "mlock_count"} & set(new.fields)
    for abi in ("x86_64", "i386"):
        assert (
            old.offset("compound_head", abi) == new.offset("compound_info", abi) == model.offset("lru", abi)
        )
        for name in FACTS:
            assert old.offset(name, abi) == new.offset(name, abi) == model.offset(name, abi)


def test_unknown_field_raises_keyerror(model: HostModel) -> None:
    with pytest.raises(KeyError, match="no member 'flagz'"):
        model.offset("flagz", "x86_64")


# (name, the text to change, its replacement, the message expected at the changed line)
BROKEN = [
    (
        "unknown-key",
        "{name: flags, type: unsigned long}",
        "{name: flags, type: unsigned long, colour: red}",
        "unknown key 'colour'",
    ),
    (
        "one-arm-union",
        "      - {name: _mapcount, type: atomic_t}\n",
        "",
        "expected a list of at least 2 members",
    ),
    (
        "duplicate",
        "{name: private, type: unsigned long}",
        "{name: share, type: unsigned long}",
        "duplicate member 'share' (first at line",
    ),
    (
        "bad-type",
        "{name: pp, type: struct page_pool *}",
        "{name: pp, type: struct page_pool *;}",
        "invalid C type 'struct page_pool *;'",
    ),
    (
        "float-version",
        'struct llist_node, since: "7.2"}',
        "struct llist_node, since: 7.2}",
        "since must be a quoted kernel version",
    ),
    ("bad-config", "config: CONFIG_MEMCG", "config: MEMCG", "config must name a kernel option"),
    (
        "incomplete-type",
        "{name: lru, type: struct list_head}",
        "{name: lru, type: struct list_hed}",
        "unknown type struct list_hed: give --tree KDIR so it can be read from the kernel",
    ),
    (
        "clang-error",  # a type the table allows, which clang refuses: still at its YAML line
        "{name: lru, type: struct list_head}",
        "{name: lru, type: struct page}",
        "field has incomplete type 'struct page'",
    ),
    ("not-a-member", "{name: _refcount, type: atomic_t}", "{refcount: atomic_t}", "a member is {name: NAME"),
]


@pytest.mark.parametrize(("case", "old", "new", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_model_fails_at_its_line(
    tmp_path: Path, case: str, old: str, new: str, message: str
) -> None:
    text = MODEL.read_text(encoding="utf-8")
    assert text.count(old) == 1
    # A removed arm: the error is at the union's list, which now starts at the arm that is left.
    line = text[: text.index(old if new else "{name: page_type")].count("\n") + 1
    path = tmp_path / "page.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_model_file(path, "page.yaml")
    err = caught.value
    assert message in err.message
    assert (err.path, err.line) == ("page.yaml", line), str(err)

    # The CLI says the same as one `path:line:col: message` line, exit 2.
    spec = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(
        spec.replace("model: hosts/page.yaml", "model: page.yaml"), encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "verify", "spec.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"page.yaml:{line}:{err.col}: ") and message in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stdout == ""


def test_a_spec_without_a_model_or_with_the_wrong_one(tmp_path: Path) -> None:
    text = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")
    (tmp_path / "none.yaml").write_text(text.replace("  model: hosts/page.yaml\n", ""), encoding="utf-8")
    (tmp_path / "gone.yaml").write_text(text.replace("hosts/page.yaml", "hosts/folio.yaml"), encoding="utf-8")
    for name, message in (
        ("none", "has no layout model"),
        ("gone", "host model 'hosts/folio.yaml' not found"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "codegen", "verify", f"{name}.yaml"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"{name}.yaml:") and message in proc.stderr
