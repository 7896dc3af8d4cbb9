"""`mirrorgen import --struct NAME` and `--all`: the family found by its mirror struct, or every
family whose host is struct page, gives the spec `--macro` writes; a struct no family mirrors, or
the host, is exit 2 in one line; `--all` proves every spec before it writes one."""

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


def test_all_writes_every_page_family_as_one_import_would(tree_sid: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "specs"
    assert main(["import", "--tree", str(tree_sid), "--all", "-o", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["folio_match.yaml", "ioptdesc_match.yaml", "netmem_desc_assert_offset.yaml",
                       "slab_match.yaml", "table_match.yaml", "zpdesc_match.yaml"]
    one = tmp_path / "zpdesc_match.yaml"
    assert main(["import", "--tree", str(tree_sid), "--macro", "ZPDESC_MATCH", "-o", str(one)]) == 0
    assert one.read_bytes() == (out / "zpdesc_match.yaml").read_bytes()
    capsys.readouterr()
    assert main(["check", "--tree", str(tree_sid), *(str(p) for p in sorted(out.iterdir()))]) == 0


def test_all_writes_nothing_when_one_family_cannot_be_expressed(tree_sid: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "tree"
    for rel in ("include/linux/mm_types.h", "mm/zpdesc.h"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes((tree_sid / rel).read_bytes())
    zpdesc = tree / "mm/zpdesc.h"
    data = zpdesc.read_bytes()
    use = data.index(b"ZPDESC_MATCH(flags, flags);")
    zpdesc.write_bytes(data[:use] + b"int stray;\n" + data[use:])  # a foreign line inside the block
    out = tmp_path / "specs"
    assert main(["import", "--tree", str(tree), "--all", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mm/zpdesc.h:" in err and "import cannot express" in err, err
    assert not out.exists()


def test_all_needs_a_directory(tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "spec.yaml"
    file.write_text("mine\n")
    assert main(["import", "--tree", str(tree_sid), "--all", "-o", str(file)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert file.read_text() == "mine\n"
