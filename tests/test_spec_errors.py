"""Every kind of bad spec: one `path:line:col: message` line, exit 2, nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

SPEC = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")


def sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


# (kind, edit of the real spec, text on the line the error must point at, message fragment)
CASES: list[tuple[str, Callable[[str], str], str, str]] = [
    ("malformed-yaml", sub("params: [pg, desc]", "params: [pg, desc"), "size_limit:", "malformed YAML"),
    ("unknown-top-key", sub("version: 1\n", "version: 1\nhots: x\n"), "hots: x", "unknown key 'hots'"),
    (
        "unknown-field-key",
        sub("{name: pp_magic, type: unsigned long}", "{name: pp_magic, type: unsigned long, hots: pp}"),
        "hots: pp",
        "unknown key 'hots'",
    ),
    (
        "missing-required",
        sub("  struct: netmem_desc\n", "  strukt: netmem_desc\n"),
        "strukt:",
        "unknown key 'strukt'",
    ),
    ("missing-fields", sub("  fields:\n", "  fieldz:\n"), "fieldz:", "unknown key 'fieldz'"),
    ("bad-identifier", sub("name: pp_magic,", "name: pp-magic,"), "pp-magic", "not a valid C identifier"),
    ("keyword-identifier", sub("name: pp_magic,", "name: int,"), "name: int,", "C keyword"),
    (
        "type-semicolon",
        sub("type: atomic_long_t}", "type: 'atomic_long_t; int evil'}"),
        "int evil",
        "invalid C type",
    ),
    (
        "type-braces",
        sub("type: atomic_long_t}", "type: 'struct { int a'}"),
        "struct { int a",
        "invalid C type",
    ),
    (
        "type-second-declarator",
        sub("type: atomic_long_t}", "type: 'atomic_long_t a, b'}"),
        "atomic_long_t a, b",
        "invalid C type",
    ),
    (
        "type-macro-call",
        sub("type: atomic_long_t}", "type: 'DECLARE_BITMAP(x, 3)'}"),
        "DECLARE_BITMAP",
        "invalid C type",
    ),
    (
        "type-comment",
        sub("type: atomic_long_t}", "type: 'atomic_long_t /* x */'}"),
        "/* x */",
        "invalid C type",
    ),
    ("type-preprocessor", sub("type: atomic_long_t}", "type: '#define x'}"), "#define x", "invalid C type"),
    (
        "duplicate-field",
        sub("{name: dma_addr, type: unsigned long}", "{name: pp, type: unsigned long}"),
        "{name: pp, type: unsigned long}",
        "duplicate field 'pp'",
    ),
    (
        "duplicate-host",
        sub("{name: dma_addr, type: unsigned long}", "{name: dma_addr, type: unsigned long, host: pp}"),
        "host: pp}",
        "already overlaid",
    ),
    ("yaml-alias", sub("params: [pg, desc]", "params: &p [pg, desc]\n    x: *p"), "params: &p", "aliases"),
    (
        "duplicate-key",
        sub("  macro: NETMEM_DESC_ASSERT_OFFSET\n", "  macro: NETMEM_DESC_ASSERT_OFFSET\n    macro: X\n"),
        "macro: X",
        "duplicate key",
    ),
    (
        "python-tag",
        sub("version: 1", "version: !!python/object/apply:os.system [true]"),
        "version: !!python",
        "not allowed",
    ),
    ("wrong-version", sub("version: 1", "version: 2"), "version: 2", "version"),
    (
        "comment-not-c",
        sub("      /*\n       * Since", "      Since\n       * Since"),
        "comment: |\n      Since",
        "C block comment",
    ),
    ("comment-inner-close", sub("page or netmem_desc.", "page or */ netmem_desc."), "comment: |", "'*/'"),
    (
        "bad-member",
        sub("- struct net_iov_area *owner", "- struct net_iov_area *owner; int x"),
        "owner; int x",
        "invalid member",
    ),
    (
        "no-mirror-carrier",
        lambda t: re.sub(r"    - mirror: union\n.*?\*/\n", "", t, flags=re.DOTALL),
        "    - struct net_iov_area",
        "carries no mirror fields",
    ),
    ("target-escapes", sub("file: include/net/netmem.h", "file: ../netmem.h"), "../netmem.h", "stay inside"),
    ("same-params", sub("params: [pg, desc]", "params: [pg, pg]"), "params: [pg, pg]", "must differ"),
    ("fields-not-list", sub("  fields:\n", "  fields: 3\n  old_fields:\n"), "fields: 3", "must be array"),
    (
        "embedded-with-asserts",
        lambda t: re.sub(
            r"- mirror: union\n      name: desc\n      note: \|\n.*?\*/\n",
            "- mirror: embedded\n      name: desc\n",
            t,
            flags=re.DOTALL,
        ),
        "macro: NET_IOV_ASSERT_OFFSET",
        "embedded",
    ),
]


def _expected_line(text: str, marker: str) -> int:
    index = text.index(marker)
    return text.count("\n", 0, index) + 1


@pytest.mark.parametrize(("kind", "edit", "marker", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_spec_is_one_located_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    edit: Callable[[str], str],
    marker: str,
    fragment: str,
) -> None:
    text = edit(SPEC)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "netmem.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    for command in (["generate"], ["check"]):
        assert main(command) == 2, kind
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        match = re.match(r"^specs/netmem\.yaml:(\d+):(\d+): (.+)$", lines[0])
        assert match, lines[0]
        assert int(match.group(1)) == _expected_line(text, marker), lines[0]
        assert fragment in match.group(3), lines[0]
        assert "Traceback" not in err
    assert not (tmp_path / "generated").exists()


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(SPEC.encode().replace(b"page_pool *}", b"page_pool \xff*}"))
    assert main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert re.match(rf"^{re.escape(str(spec))}:\d+:1: spec is not valid UTF-8$", err.strip()), err


def test_empty_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text("# nothing\n", encoding="utf-8")
    assert main(["check", str(spec)]) == 2
    assert "spec is empty" in capsys.readouterr().err


def test_missing_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'nope.yaml'}:1:1: spec file not found"


def test_one_bad_spec_writes_nothing_for_the_good_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(SPEC, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("version: 1", "version: 7"), encoding="utf-8")
    assert main(["generate", str(good), str(bad), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
