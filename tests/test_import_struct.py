"""`mirrorgen import --struct NAME`: the family is found by its mirror struct, and the spec is the
one `--macro` writes; a struct no family mirrors, or the host, is exit 2 in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.cli import main


@pytest.mark.parametrize(("struct", "macro"), [("folio", "FOLIO_MATCH"), ("ioptdesc", "IOPTDESC_MATCH")])
def test_struct_names_the_same_family_as_its_macro(tree_sid: Path, tmp_path: Path, struct: str, macro: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    by_struct, by_macro = tmp_path / "a" / "spec.yaml", tmp_path / "b" / "spec.yaml"
    by_struct.parent.mkdir()
    by_macro.parent.mkdir()
    assert main(["import", "--tree", str(tree_sid), "--struct", struct, "-o", str(by_struct)]) == 0
    assert main(["import", "--tree", str(tree_sid), "--macro", macro, "-o", str(by_macro)]) == 0
    capsys.readouterr()
    assert by_struct.read_bytes() == by_macro.read_bytes()
    assert f"macro: {macro}\n" in by_struct.read_text()


@pytest.mark.parametrize(("struct", "message"), [
    ("page", "struct page is the host of the families, not a mirror: name a mirror (struct folio"),
    ("no_such_thing", "no assert macro in"),
])
def test_a_struct_without_a_family_is_exit_2(tree_sid: Path, tmp_path: Path, struct: str, message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "spec.yaml"
    assert main(["import", "--tree", str(tree_sid), "--struct", struct, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


def test_macro_and_struct_together_is_a_usage_error(tree_sid: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import", "--tree", str(tree_sid), "--struct", "folio", "--macro", "FOLIO_MATCH"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
