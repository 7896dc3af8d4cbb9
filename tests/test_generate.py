"""`mirrorgen generate`: writes only on change, atomically, deterministically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT


def test_writes_only_on_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    header = tmp_path / "generated" / "netmem.h"
    first = header.stat()
    assert main(["generate"]) == 0
    second = header.stat()
    assert (first.st_mtime_ns, first.st_ino) == (second.st_mtime_ns, second.st_ino)
    # no temp files left
    assert sorted(p.name for p in header.parent.iterdir()) == ["netmem-upstream.h", "netmem.h"]
    assert header.read_bytes() == (ROOT / "generated" / "netmem.h").read_bytes()


def test_same_bytes_for_any_locale_hash_seed_and_directory(tmp_path: Path) -> None:
    outputs = []
    for index, (lang, seed, cwd) in enumerate(
        [("C", "0", ROOT), ("tr_TR.UTF-8", "12345", tmp_path), ("de_DE.UTF-8", "random", Path("/"))]
    ):
        out = tmp_path / f"out{index}" / "generated"
        env = {
            **os.environ,
            "LANG": lang,
            "LC_ALL": lang,
            "PYTHONHASHSEED": seed,
            "MIRRORGEN_CACHE": str(tmp_path / f"cache{index}"),
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "codegen",
                "generate",
                str(ROOT / "specs" / "netmem.yaml"),
                "--out",
                str(out),
            ],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
        )
        outputs.append((out / "netmem.h").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_bundled_spec_when_there_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    assert main(["generate"]) == 0
    assert main(["check"]) == 0
    text = (tmp_path / "generated" / "netmem.h").read_text()
    assert "struct netmem_desc {" in text


def test_banner_names_spec_command_and_tools() -> None:
    text = (ROOT / "generated" / "netmem.h").read_text()
    banner = text[: text.index("\n */\n")]
    assert "DO NOT EDIT" in banner and "specs/netmem.yaml" in banner
    assert "\tmirrorgen generate specs/netmem.yaml\n" in banner
    from codegen.format import version

    assert f"clang-format {version()}" in banner
    assert "sha256:" in banner


def test_a_host_field_the_model_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "netmem.yaml"
    text = spec.read_text(encoding="utf-8")
    old = "{name: pp_magic, type: unsigned long}"
    spec.write_text(text.replace(old, "{name: pp_magic, type: unsigned long, host: nosuchfield}"),
                    encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "specs/netmem.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"specs/netmem.yaml:{line}:") and "host field 'nosuchfield' is not in" in err
    assert not (tmp_path / "generated").exists()  # nothing written
