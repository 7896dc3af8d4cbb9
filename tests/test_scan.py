"""`mirrorgen scan` over the fetched 6.12 and 7.2 trees: the families, their files, lines, structs
and use counts; the unasserted words on the tree's own layouts (x86_64, libclang over the tree's
headers in kbuild's prepared directory); ownership after `apply`; baselines; SARIF against the
SARIF 2.1.0 schema. Expected lines and counts are checked against the tree's text, not copied."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from tests.conftest import ROOT, require_tool

pytestmark = pytest.mark.slow
HEADER = "include/net/netmem.h"
SPEC = ROOT / "specs" / "netmem.yaml"  # the bundled seed form
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

# (name, file, host, mirror, uses) as families.md measures them
FAMILIES_72 = [
    ("FOLIO_MATCH", "include/linux/mm_types.h", "struct page", "struct folio", 19),
    ("TABLE_MATCH", "include/linux/mm_types.h", "struct page", "struct ptdesc", 9),
    ("SLAB_MATCH", "mm/slab.h", "struct page", "struct slab", 5),
    ("NETMEM_DESC_ASSERT_OFFSET", HEADER, "struct page", "struct netmem_desc", 6),
    ("ZPDESC_MATCH", "mm/zpdesc.h", "struct page", "struct zpdesc", 8),
    ("IOPTDESC_MATCH", "drivers/iommu/iommu-pages.c", "struct page", "struct ioptdesc", 7),
    ("BUILD_BUG_ON", "drivers/net/ethernet/sun/niu.c", "struct page", "union niu_page", 1),
    ("CHECK_OFFSET", "kernel/signal.c", "siginfo_t", "kernel_siginfo_t", 27),
    ("CID_OFFSET_MATCH", "kernel/sched/ext/ext.c", "struct sched_ext_ops", "struct sched_ext_ops_cid", 43),
    ("static_assert", "crypto/md5.c", "struct md5_ctx", "struct md5_state", 3),
    ("static_assert", "crypto/sha1.c", "struct sha1_ctx", "struct sha1_state", 3),
]
FAMILIES_612 = [
    ("FOLIO_MATCH", "include/linux/mm_types.h", "struct page", "struct folio", 17),
    ("TABLE_MATCH", "include/linux/mm_types.h", "struct page", "struct ptdesc", 9),
    ("SLAB_MATCH", "mm/slab.h", "struct page", "struct slab", 5),
    ("NET_IOV_ASSERT_OFFSET", HEADER, "struct page", "struct net_iov", 4),
    ("BUILD_BUG_ON", "drivers/net/ethernet/sun/niu.c", "struct page", "union niu_page", 1),
    ("CHECK_OFFSET", "kernel/signal.c", "siginfo_t", "kernel_siginfo_t", 27),
]
BOTH = [
    ("SANITY_CHECK_MEM_REGION_FIELD", "virt/kvm/kvm_main.c", "struct kvm_userspace_memory_region",
     "struct kvm_userspace_memory_region2"),
    ("static_assert", "include/linux/mnt_idmapping.h", "vfsuid_t", "kuid_t"),
    ("static_assert", "include/linux/mnt_idmapping.h", "vfsgid_t", "kgid_t"),
]  # fmt: skip
UNASSERTED_72 = [("SLAB_MATCH", "__page_type"), ("TABLE_MATCH", "ptl"), ("TABLE_MATCH", "_pt_pad_2"),
                 ("IOPTDESC_MATCH", "__index")]  # fmt: skip
UNASSERTED_612 = [("NET_IOV_ASSERT_OFFSET", "__unused_padding"), ("NET_IOV_ASSERT_OFFSET", "owner")]

_docs: dict[tuple[Path, str], dict[str, Any]] = {}


def scan_json(tree: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["scan", "--tree", str(tree), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def scanned(tree: Path, layouts: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    if (tree, layouts) not in _docs:
        if layouts != "none":
            require_tool("make")
        code, doc = scan_json(tree, "--layouts", layouts, str(SPEC), capsys=capsys)
        assert code == (1 if doc["hazards"] else 0)
        _docs[tree, layouts] = doc
    return _docs[tree, layouts]


def family(doc: dict[str, Any], name: str, file: str, host: str, mirror: str) -> dict[str, Any]:
    families: list[dict[str, Any]] = doc["families"]
    wanted = (name, file, host, mirror)
    (found,) = [f for f in families if (f["name"], f["file"], f["host"], f["mirror"]) == wanted]
    return found


def check_against_text(tree: Path, found: dict[str, Any]) -> None:
    """The family's line holds its define (or its assert), and its uses are the lines that call it."""
    lines = (tree / found["file"]).read_text(encoding="utf-8", errors="replace").splitlines()
    first = lines[found["line"] - 1]
    if found["kind"] == "macro":
        assert first.startswith(f"#define {found['name']}("), first
        calls = [i + 1 for i, text in enumerate(lines) if re.match(rf"\s*{found['name']}\(", text)]
        assert [p["line"] for p in found["pairs"]] == calls
    else:
        assert "offsetof" in first, first
    for pair in found["pairs"]:
        text = lines[pair["line"] - 1]
        assert pair["host"] in text or pair["mirror"] in text, (pair, text)


@pytest.mark.parametrize("which", ["sid", "6.12"])
def test_every_family_with_its_file_line_structs_and_uses(
    which: str, tree_sid: Path, tree_612: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, expected = (tree_sid, FAMILIES_72) if which == "sid" else (tree_612, FAMILIES_612)
    doc = scanned(tree, "none", capsys)
    assert doc["stats"]["files"] > 50_000 and doc["hazards"] == []
    for name, file, host, mirror, uses in expected:
        found = family(doc, name, file, host, mirror)
        assert found["uses"] == uses, (name, found["uses"])
        check_against_text(tree, found)
    for name, file, host, mirror in BOTH:
        check_against_text(tree, family(doc, name, file, host, mirror))
    if which == "sid":
        folio = family(doc, *FAMILIES_72[0][:4])
        conditions = [p["condition"] for p in folio["pairs"] if p["condition"]]
        assert len(conditions) == 3  # CONFIG_MEMCG, WANT_PAGE_VIRTUAL, LAST_CPUPID_NOT_IN_PAGE_FLAGS
        sizes = {
            f["name"]: [b["bound"] for b in f["size_bounds"]] for f in doc["families"] if f["kind"] == "macro"
        }
        assert sizes["NETMEM_DESC_ASSERT_OFFSET"] == ["offsetof(struct page, _refcount)"]
        assert sizes["ZPDESC_MATCH"] == sizes["TABLE_MATCH"] == ["sizeof(struct page)"]
        assert sizes["FOLIO_MATCH"] == []
    # a repeated scan reads again only files whose inode changed meanwhile (other test sessions
    # hard-link the cached trees, which moves the ctime of every file they link: none here alone)
    from codegen.family.treescan import RACY_NS

    start = time.time_ns() - RACY_NS
    scan_json(tree, "--layouts", "none", capsys=capsys)
    _, again = scan_json(tree, "--layouts", "none", capsys=capsys)
    assert again["stats"]["read"] <= changed_since(tree, start) and again["families"] == [
        {**f, "owner": again_f["owner"]}
        for f, again_f in zip(doc["families"], again["families"], strict=True)
    ]


def changed_since(tree: Path, stamp_ns: int) -> int:
    """.c/.h files whose ctime or mtime is at `stamp_ns` or later."""
    count = 0
    for where, _, names in os.walk(tree):
        for name in names:
            if name.endswith((".c", ".h")):
                st = os.lstat(os.path.join(where, name))
                count += max(st.st_ctime_ns, st.st_mtime_ns) >= stamp_ns
    return count


def unasserted(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(h["family"], h["field"]) for h in doc["hazards"] if h["rule"] == "unasserted-word"}


@pytest.mark.parametrize("which", ["sid", "6.12"])
def test_the_words_nobody_asserted(
    which: str, tree_sid: Path, tree_612: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, expected = (tree_sid, UNASSERTED_72) if which == "sid" else (tree_612, UNASSERTED_612)
    doc = scanned(tree, "x86_64", capsys)
    assert doc["layouts"] == ["x86_64"]
    found = unasserted(doc)
    assert set(expected) <= found, sorted(found)
    for hazard in doc["hazards"]:
        assert hazard["abis"] == ["x86_64"] and hazard["new"]
        if hazard["field"]:  # located at the field's declaration in the tree
            text = (tree / hazard["file"]).read_text(encoding="utf-8").splitlines()[hazard["line"] - 1]
            assert re.search(rf"\b{re.escape(hazard['field'])}\b", text), (hazard, text)
    # asserted words are never reported as unasserted
    for fam in doc["families"]:
        if fam["hazards_checked"]:
            named = {p["mirror"] for p in fam["pairs"]}
            assert not {(fam["name"], n) for n in named} & found
    siblings = {(h["family"], h["field"]) for h in doc["hazards"] if h["rule"] == "union-sibling"}
    by_family: dict[str, set[str]] = {}
    for name, field in found:
        by_family.setdefault(name, set()).add(field)
    # the words families.md lists, and no others: a host arm the family asserts nothing in (slab's
    # freelist words, folio's tail pages, net_iov's page-cache side) is the mirror's own storage
    assert by_family["SLAB_MATCH"] == {"__page_type"}
    assert by_family["TABLE_MATCH"] == {"pmd_huge_pte", "_pt_pad_2", "ptl"}
    assert {"mlock_count"} <= by_family["FOLIO_MATCH"] <= {"mlock_count", "_unused_slab_obj_exts"}
    if which == "sid":
        assert ("TABLE_MATCH", "__page_type") in siblings and ("FOLIO_MATCH", "_mapcount") in siblings
        assert by_family["IOPTDESC_MATCH"] == {"__index", "incoherent"}
        # union siblings of an asserted field at its offset, that no assert names
        assert {("FOLIO_MATCH", "share"), ("FOLIO_MATCH", "pgmap"), ("FOLIO_MATCH", "swap")} <= siblings
        assert ("FOLIO_MATCH", "__filler") not in siblings  # in a struct beside lru, not its sibling
    else:
        assert by_family["NET_IOV_ASSERT_OFFSET"] == {"__unused_padding", "owner"}
        assert ("FOLIO_MATCH", "swap") in siblings


@pytest.fixture(scope="module")
def applied_612(tree_612: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A hard-linked copy of 6.12 with the bundled spec applied (the header is a new inode)."""
    pristine = (tree_612 / HEADER).read_bytes()
    copy = tmp_path_factory.mktemp("scan") / "linux"
    subprocess.run(["cp", "-al", str(tree_612), str(copy)], check=True)
    assert main(["apply", "--tree", str(copy), str(SPEC)]) == 0
    assert (copy / HEADER).stat().st_ino != (tree_612 / HEADER).stat().st_ino
    yield copy
    assert (tree_612 / HEADER).read_bytes() == pristine, "the cached tree was modified"


def test_after_apply_the_netmem_family_is_owned_fresh_and_asserted(
    applied_612: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("make")
    code, doc = scan_json(applied_612, str(SPEC), capsys=capsys)
    assert not set(UNASSERTED_612) & unasserted(doc)
    owned = {f["name"]: (Path(f["owner"]["spec"]).resolve(), f["owner"]["fresh"]) for f in doc["families"]
             if f["file"] == HEADER}  # fmt: skip
    assert owned == {"NETMEM_DESC_ASSERT_OFFSET": (SPEC, True), "NET_IOV_ASSERT_OFFSET": (SPEC, True)}
    assert not [h for h in doc["hazards"] if h["file"] == HEADER]
    assert code == 1  # the mm families' hazards remain


def test_a_baseline_passes_known_hazards_and_fails_a_new_one(
    applied_612: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("make")
    from jsonschema import Draft4Validator

    baseline = tmp_path / "scan-baseline.json"
    assert main(["scan", "--tree", str(applied_612), "--baseline", str(baseline), str(SPEC)]) == 0
    assert "wrote" in capsys.readouterr().err
    known = json.loads(baseline.read_text(encoding="utf-8"))
    assert known["version"] == 1 and len(known["hazards"]) > 10
    assert main(["scan", "--tree", str(applied_612), "--baseline", str(baseline), str(SPEC)]) == 0
    capsys.readouterr()

    header = applied_612 / HEADER
    before = header.read_bytes()
    text = before.decode()
    end = text.index("\tatomic_long_t pp_ref_count;\n", text.index("struct netmem_desc {"))
    end += len("\tatomic_long_t pp_ref_count;\n")
    header.unlink()  # never write through a hard link
    header.write_bytes((text[:end] + "\tunsigned long added_word;\n" + text[end:]).encode())
    try:
        code, doc = scan_json(applied_612, "--baseline", str(baseline), str(SPEC), capsys=capsys)
        assert code == 1
        new = [h for h in doc["hazards"] if h["new"]]
        assert [(h["rule"], h["mirror"], h["field"]) for h in new] == [
            ("unasserted-word", "struct netmem_desc", "added_word")
        ]
        assert doc["findings"] == [
            {"file": HEADER, "line": new[0]["line"], "col": 1, "rule": "unasserted-word", "severity": "error",
             "message": new[0]["message"] + " (x86_64)"}
        ]  # fmt: skip
        owner = next(f["owner"] for f in doc["families"] if f["name"] == "NETMEM_DESC_ASSERT_OFFSET")
        assert Path(owner["spec"]).resolve() == SPEC and owner["fresh"] is False  # check --tree sees the edit

        assert main(["scan", "--tree", str(applied_612), "--baseline", str(baseline), "--format", "sarif",
                     str(SPEC)]) == 1  # fmt: skip
        log = json.loads(capsys.readouterr().out)
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
        assert not errors, errors[:3]
        results = log["runs"][0]["results"]
        assert [
            r["partialFingerprints"]["mirrorgenHazard/v1"] for r in results if r["baselineState"] == "new"
        ] == [new[0]["key"]]
        assert len(results) == len(doc["hazards"])
    finally:
        header.unlink()
        header.write_bytes(before)


def test_sarif_of_a_whole_tree_validates(tree_sid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("make")
    from jsonschema import Draft4Validator

    code = main(
        ["scan", "--tree", str(tree_sid), "--format", "sarif", str(ROOT / "specs" / "netmem-upstream.yaml")]
    )
    log = json.loads(capsys.readouterr().out)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(log))
    results = log["runs"][0]["results"]
    assert code == 1 and results and log["version"] == "2.1.0"
    rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    for result in results:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        where = result["locations"][0]["physicalLocation"]
        assert (tree_sid / where["artifactLocation"]["uri"]).is_file() and where["region"]["startLine"] > 0
    # bad input in SARIF form: a log that says the run failed, exit 2
    assert main(["scan", "--tree", str(tree_sid / "nope"), "--format", "sarif"]) == 2
    failed = json.loads(capsys.readouterr().out)
    assert not list(Draft4Validator(schema).iter_errors(failed))
    assert failed["runs"][0]["invocations"][0]["executionSuccessful"] is False


def pairs_of(doc: dict[str, Any], name: str) -> list[tuple[str, str]]:
    return [(p["host"], p["mirror"]) for f in doc["families"] if f["name"] == name for p in f["pairs"]]


def test_a_repeated_scan_of_a_copied_subtree_sees_each_change(
    tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The per-file cache: an edit that keeps size and mtime (only the ctime moves), a deleted file
    and a new one are each seen, and only they are read again."""
    from codegen.family.treescan import RACY_NS

    copy = tmp_path / "linux"
    copy.mkdir()
    subprocess.run(["cp", "-r", str(tree_sid / "mm"), str(copy / "mm")], check=True)
    time.sleep(RACY_NS / 1e9 + 0.2)  # older than any scan's racy window: the key alone decides
    _, first = scan_json(copy, "--layouts", "none", capsys=capsys)
    files = first["stats"]["files"]
    assert first["stats"]["read"] == files > 100
    zpdesc = pairs_of(first, "ZPDESC_MATCH")
    assert len(zpdesc) == 8 and ("lru", "lru") in zpdesc and pairs_of(first, "SLAB_MATCH")
    _, again = scan_json(copy, "--layouts", "none", capsys=capsys)
    assert again["stats"]["read"] == 0 and again["families"] == first["families"]

    header = copy / "mm" / "zpdesc.h"
    before = header.stat()
    header.write_bytes(header.read_bytes().replace(b"ZPDESC_MATCH(lru, lru);", b"ZPDESC_MATCH(lru, lrv);"))
    os.utime(header, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (header.stat().st_size, header.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    (copy / "mm" / "slab.h").unlink()
    (copy / "mm" / "new_mirror.c").write_bytes(
        b"static_assert(offsetof(struct one, a) == offsetof(struct two, b));\n"
    )
    time.sleep(RACY_NS / 1e9 + 0.2)
    _, changed = scan_json(copy, "--layouts", "none", capsys=capsys)
    assert changed["stats"] == {"files": files, "read": 2, "parsed": 2}  # zpdesc.h and new_mirror.c
    zpdesc = pairs_of(changed, "ZPDESC_MATCH")
    assert ("lru", "lrv") in zpdesc and ("lru", "lru") not in zpdesc and len(zpdesc) == 8
    assert not pairs_of(changed, "SLAB_MATCH")
    (added,) = [f for f in changed["families"] if f["file"] == "mm/new_mirror.c"]
    assert (added["host"], added["mirror"], added["uses"]) == ("struct one", "struct two", 1)
