"""Tree mode with no SPEC on pristine trees: the spec whose form the header is in is used
(7.2: the bundled upstream form passes), or, where no spec has the tree's form (6.12's
pre-patch header), exit 2 with a message naming the forms and how to choose. The
upstream spec, copied anywhere, still finds its host model by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

UPSTREAM = ROOT / "specs" / "netmem-upstream.yaml"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


def test_pristine_72_picks_the_upstream_form(
    tree_sid: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tree_sid)  # read only: check writes nothing into the tree
    assert main(["check", "--tree", "."]) == 0
    err = capsys.readouterr().err
    assert "using the bundled spec" in err and "netmem-upstream.yaml" in err
    assert main(["check", "--tree", "."]) == 0  # the memoized choice gives the same answer
    assert "netmem-upstream.yaml" in capsys.readouterr().err


def test_pristine_612_names_the_forms_and_how_to_choose(
    tree_612: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tree_612)
    assert main(["check", "--tree", "."]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("mirrorgen check: error: ./include/net/netmem.h is in the pre-patch form")
    assert "netmem-upstream.yaml: the upstream form" in err and "netmem.yaml: the seed form" in err
    assert "mirrorgen check --tree . SPEC" in err


def test_a_project_with_both_forms_checks_each_tree_with_its_own(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project's own specs/ (both forms, as in this checkout) rather than the bundled ones."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--tree", str(tree_sid)]) == 0
    assert "bundled" not in capsys.readouterr().err
    # Naming the seed-form spec still checks with it: every region is drift there.
    assert main(["check", "--tree", str(tree_sid), "specs/netmem.yaml"]) == 1


def test_the_upstream_spec_copied_anywhere_finds_its_host_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lone = tmp_path / "ci" / "netmem-upstream.yaml"
    lone.parent.mkdir()
    shutil.copy(UPSTREAM, lone)
    assert "  model: page\n" in lone.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["verify", str(lone)]) == 0


def test_the_upstream_spec_holds_no_comment_beyond_the_seed_forms() -> None:
    """Kernel text stays out of the repository: the upstream spec's comments are the seed
    spec's own (the mirror's and the size limit's), nothing more."""
    import yaml

    seed = yaml.safe_load((ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8"))
    upstream = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    assert upstream["mirror"] == seed["mirror"]
    assert "assert" not in upstream["alias"]
    assert all(isinstance(m, str) or "note" not in m for m in upstream["alias"]["members"])


def test_apply_without_spec_refuses_to_choose_between_forms(
    tree_sid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    kdir = tmp_path / "linux"
    (kdir / "include" / "net").mkdir(parents=True)
    header = kdir / "include" / "net" / "netmem.h"
    shutil.copyfile(tree_sid / "include" / "net" / "netmem.h", header)
    before = header.read_bytes()
    monkeypatch.chdir(tmp_path)
    assert main(["apply", "--tree", "linux"]) == 2
    err = capsys.readouterr().err
    assert "specs/netmem-upstream.yaml, specs/netmem.yaml all own include/net/netmem.h" in err
    assert "mirrorgen apply --tree linux SPEC" in err
    assert header.read_bytes() == before
