"""Names the kernel cannot compile, control characters, and the messages for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from codegen.cli import main
from codegen.errors import InputError
from codegen.spec import load_spec
from tests.conftest import ROOT

BUNDLED = ROOT / "specs" / "netmem.yaml"
SPEC_612 = ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml"
HEADER = Path("include/net/netmem.h")


def _error(tmp_path: Path, text: str) -> InputError:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_spec(path, "spec.yaml")
    return raised.value


@pytest.mark.parametrize(("old", "new", "word"), [
    ("name: pp_magic", "name: current", "current"),
    ("name: pp_magic", "name: __user", "__user"),
    ("name: pp_magic", "name: __packed", "__packed"),
    ("macro: NETMEM_DESC_ASSERT_OFFSET", "macro: READ_ONCE", "READ_ONCE"),
    ("macro: NETMEM_DESC_ASSERT_OFFSET", "macro: BUILD_BUG_ON", "BUILD_BUG_ON"),
    ("type: unsigned long}", "type: __randomize_layout}", "__randomize_layout"),
    ("- struct net_iov_area *owner", "- struct net_iov_area *__rcu", "__rcu"),
])
def test_kernel_macros_and_attributes_are_not_names(tmp_path: Path, old: str, new: str, word: str) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    error = _error(tmp_path, text.replace(old, new, 1))
    assert word in error.message and "the kernel defines" in error.message
    line = text[: text.index(old)].count("\n") + 1
    assert error.line == line


def test_a_macro_of_the_target_header_is_refused_against_that_header(
    tree_612: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """NET_IOV is the header's own `#define NET_IOV 0x01UL`: the block's #undef would kill it."""
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_612 / HEADER, tree / HEADER)
    shutil.copy(tree_612 / ".clang-format", tree / ".clang-format")
    text = SPEC_612.read_text(encoding="utf-8")
    assert "macro: NET_IOV_ASSERT_OFFSET" in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace("macro: NET_IOV_ASSERT_OFFSET", "macro: NET_IOV"), encoding="utf-8")
    before = (tree / HEADER).read_bytes()
    for command in ("check", "apply"):
        assert main([command, "--tree", str(tree), str(spec)]) == 2
        err = capsys.readouterr().err
        assert "macro 'NET_IOV' is a macro that" in err and err.count("\n") == 1
    assert (tree / HEADER).read_bytes() == before


@pytest.mark.parametrize("char", ["\x00", "\v", "\x1b", "\x7f", "\u2028"])
def test_control_characters_in_a_comment_are_refused(tmp_path: Path, char: str) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["alias"]["members"][0]["note"] = f"/* a note{char}with a control character */\n"
    error = _error(tmp_path, yaml.safe_dump(data, allow_unicode=False, sort_keys=False))
    assert f"U+{ord(char):04X}" in error.message


def test_a_raw_control_character_is_located(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    at = text.index("struct: page")
    error = _error(tmp_path, text[:at] + "struct: pa\x07ge" + text[at + len("struct: page"):])
    line = text[:at].count("\n") + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1 + len("struct: pa")
    assert (error.line, error.col) == (line, col)
    assert "U+0007" in error.message


def test_a_spec_that_is_a_list(tmp_path: Path) -> None:
    error = _error(tmp_path, "- version: 1\n- target: x\n")
    assert error.message.startswith("the spec must be a mapping")


def test_an_integer_of_5000_digits(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    error = _error(tmp_path, text.replace("version: 1", "version: " + "7" * 5000))
    assert "cannot read this value" in error.message
