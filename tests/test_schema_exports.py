"""Editor validation: the exported schema is fresh and every shipped spec points at it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import fastjsonschema
import pytest
import yaml

from codegen.spec.schema_exports import render_exports
from codegen.specfiles import host_model_path
from tests.conftest import ROOT

EDITOR_SCHEMA = ROOT / "specs" / "schema.json"
SHIPPED_SPECS = sorted([*(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "specs").glob("*.yaml")])
MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")


@pytest.mark.parametrize("path", sorted(render_exports(ROOT)), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_export_is_fresh(path: Path) -> None:
    expected = render_exports(ROOT)[path]
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run scripts/regen-schema"
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} is stale: run scripts/regen-schema"
    )


def test_editor_schema_is_the_packaged_schema() -> None:
    packaged = json.loads((ROOT / "codegen" / "spec" / "schema.json").read_text(encoding="utf-8"))
    assert json.loads(EDITOR_SCHEMA.read_text(encoding="utf-8")) == packaged


def test_every_spec_in_the_repository_is_checked_here() -> None:
    """The checks below cover every spec: none in a subfolder or spelt .yml is skipped silently.

    Every YAML file under specs/ and tests/specs/ is either one of SHIPPED_SPECS or a host
    model that one of them names (host.model): nothing else may sit there unchecked."""
    found = {
        p.resolve()
        for folder in (ROOT / "specs", ROOT / "tests" / "specs")
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    }
    models = set()
    for spec in SHIPPED_SPECS:
        host = yaml.safe_load(spec.read_text(encoding="utf-8"))["host"]
        if "model" in host:
            models.add(host_model_path(spec, host["model"]).resolve())
    assert SHIPPED_SPECS and models <= found
    assert {p.resolve() for p in SHIPPED_SPECS} == found - models


@pytest.mark.parametrize("spec", SHIPPED_SPECS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_spec_names_the_schema_on_its_first_line(spec: Path) -> None:
    text = spec.read_text(encoding="utf-8")
    found = MODELINE.match(text)
    assert found, f"{spec.relative_to(ROOT)} must start with '# yaml-language-server: $schema=...'"
    target = (spec.parent / found.group(1)).resolve()
    assert target == EDITOR_SCHEMA.resolve(), f"$schema resolves to {target}"


@pytest.mark.parametrize("spec", SHIPPED_SPECS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_spec_is_valid_for_an_editor(spec: Path) -> None:
    """What a schema-aware editor does with the file: validate it against the exported schema."""
    validate = fastjsonschema.compile(json.loads(EDITOR_SCHEMA.read_text(encoding="utf-8")))
    validate(yaml.safe_load(spec.read_text(encoding="utf-8")))
