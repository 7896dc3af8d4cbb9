"""A family spec's field that mirrors a host word on purpose without an assert (`unasserted:
REASON` in its `struct:` body), on the fetched 7.2 tree: SLAB_MATCH is imported at test time and
slab's `__page_type` (a word no SLAB_MATCH assert pins) is marked in the spec text. The mark is
metadata (the struct renders the same bytes, `check --tree` stays clean), `scan` lists the hazard
as acknowledged with the reason instead of counting it, and bad marks are exit 2 at their line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from codegen.render import render_family_struct
from codegen.spec import load_any
from codegen.spec.family_model import FamilySpec
from tests.conftest import ROOT, require_tool

PLAIN_FIELD = "{type: unsigned int, name: __page_type}"
REASON = "the page allocator's word; slab never reads it"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
PAGE_TYPE = "unasserted-word|SLAB_MATCH|struct slab|__page_type"


@pytest.fixture(scope="module")
def specs(tree_sid: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(plain, marked): SLAB_MATCH as import writes it, and the same with __page_type marked."""
    out = tmp_path_factory.mktemp("onpurpose")
    plain = out / "slab.yaml"
    assert main(["import", "--tree", str(tree_sid), "--macro", "SLAB_MATCH", "-o", str(plain)]) == 0
    text = plain.read_text(encoding="utf-8")
    assert "unasserted" not in text  # import never invents a reason
    assert text.count(PLAIN_FIELD) == 1
    marked = out / "slab-marked.yaml"
    marked.write_text(text.replace(PLAIN_FIELD, PLAIN_FIELD[:-1] + f', unasserted: "{REASON}"}}'),
                      encoding="utf-8")
    return plain, marked


def _family(path: Path) -> FamilySpec:
    spec = load_any(path)
    assert isinstance(spec, FamilySpec) and spec.struct is not None
    return spec


def test_the_mark_is_metadata_the_struct_and_the_check_are_unchanged(
    specs: tuple[Path, Path], tree_sid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, marked = specs
    spec = _family(marked)
    assert spec.struct is not None
    reasons = {f.name: f.unasserted for f in spec.struct.fields() if f.unasserted}
    assert reasons == {"__page_type": REASON}
    assert render_family_struct(spec) == render_family_struct(_family(plain))
    assert main(["check", "--tree", str(tree_sid), str(marked)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(("field", "value", "says"), [
    (PLAIN_FIELD, '""', "must not be empty"),
    (PLAIN_FIELD, '"   "', "must not be empty"),
    (PLAIN_FIELD, "3", "must be string"),
    ("{type: atomic_t, name: __page_refcount}", '"x"',
     "'__page_refcount' is asserted (SLAB_MATCH(_refcount, __page_refcount))"),
    ("{type: struct freelist_counters}", '"x"', "'unasserted' goes on a named field"),
])  # fmt: skip
def test_a_bad_mark_is_exit_2_at_its_line(
    field: str, value: str, says: str, specs: tuple[Path, Path], tree_sid: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = specs[0].read_text(encoding="utf-8")
    assert text.count(field) == 1
    line = text[: text.index(field)].count("\n") + 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(field, field[:-1] + f", unasserted: {value}}}"), encoding="utf-8")
    assert main(["check", "--tree", str(tree_sid), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{bad}:{line}:"), err
    assert says in err and "Traceback" not in err


def _scan(tree: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["scan", "--tree", str(tree), *args])
    return code, capsys.readouterr().out


@pytest.mark.slow
def test_scan_acknowledges_the_marked_word_with_its_reason(
    specs: tuple[Path, Path], tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("make")
    plain, marked = specs
    code, out = _scan(tree_sid, "--format", "json", str(plain), capsys=capsys)
    before: dict[str, Any] = json.loads(out)
    assert code == 1
    code, out = _scan(tree_sid, "--format", "json", str(marked), capsys=capsys)
    after: dict[str, Any] = json.loads(out)
    assert code == 1  # the other families' hazards remain

    # without the mark slab's __page_type is counted; with it, acknowledged with the reason
    slab = next(f for f in after["families"] if f["name"] == "SLAB_MATCH")
    assert Path(slab["owner"]["spec"]) == marked and slab["owner"]["fresh"] is True
    (was,) = [h for h in before["hazards"] if h["key"].startswith(PAGE_TYPE)]
    assert was["new"] and was["acknowledged"] is None
    assert any(f["rule"] == "unasserted-word" and f["line"] == was["line"] for f in before["findings"])
    (now,) = [h for h in after["hazards"] if h["key"].startswith(PAGE_TYPE)]
    assert now["acknowledged"] == {"spec": str(marked), "reason": REASON} and now["new"] is False
    assert not [f for f in after["findings"] if f["file"] == "mm/slab.h" and f["line"] == was["line"]]
    # every other hazard is unchanged
    others = [{**h, "acknowledged": None} for h in after["hazards"] if h is not now]
    assert others == [h for h in before["hazards"] if h is not was]
    assert len(after["findings"]) == len(before["findings"]) - 1

    # text: the reason shows, and the count leaves the word out
    code, out = _scan(tree_sid, str(marked), capsys=capsys)
    assert code == 1
    assert f"acknowledged: mm/slab.h:{was['line']}: SLAB_MATCH struct slab.__page_type [unasserted-word]: " \
           f"unasserted on purpose ({marked}): {REASON}" in out
    assert "1 acknowledged by specs" in out

    # SARIF: a result with an external, accepted suppression, and the log still validates
    from jsonschema import Draft4Validator

    code, out = _scan(tree_sid, "--format", "sarif", str(marked), capsys=capsys)
    log = json.loads(out)
    assert not list(Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).iter_errors(log))
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert [(r["partialFingerprints"]["mirrorgenHazard/v1"], r["suppressions"][0]["justification"],
             r["suppressions"][0]["kind"]) for r in suppressed] == [(now["key"], REASON, "external")]

    # a baseline of the other hazards: the marked spec is exit 0, the plain one exit 1 on this word only
    baseline = tmp_path / "baseline.json"
    assert main(["scan", "--tree", str(tree_sid), "--baseline", str(baseline), str(marked)]) == 0
    assert now["key"] not in json.loads(baseline.read_text(encoding="utf-8"))["hazards"]
    assert main(["scan", "--tree", str(tree_sid), "--baseline", str(baseline), str(marked)]) == 0
    capsys.readouterr()
    code, out = _scan(tree_sid, "--baseline", str(baseline), "--format", "json", str(plain), capsys=capsys)
    assert code == 1
    assert [h["key"] for h in json.loads(out)["hazards"] if h["new"]] == [was["key"]]
