"""The stage layering is a contract (pyproject's [tool.importlinter]), run by lint-imports.

It holds on the real tree, and one upward import (the spec model importing the
CLI) breaks it: the contract can fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, unavailable


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "lint-imports"
    if not tool.is_file():
        unavailable("lint-imports (pip install -e '.[test]')")
    # The copy comes first on the path, ahead of the editable install.
    env = {"PATH": str(tool.parent), "PYTHONPATH": str(project), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([str(tool), "--no-cache", str(project / "pyproject.toml")],
                          cwd=project, env=env, capture_output=True, text=True, check=False)


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "codegen", project / "codegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def test_the_real_tree_keeps_the_layers(tmp_path: Path) -> None:
    proc = _lint_imports(_copy(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Stages import only downward KEPT" in proc.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    model = project / "codegen" / "spec" / "model.py"
    model.write_text(model.read_text() + "\nimport codegen.cli  # noqa: E402\n")
    proc = _lint_imports(project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Stages import only downward BROKEN" in proc.stdout
    assert "codegen.spec.model -> codegen.cli" in proc.stdout


def test_an_import_cycle_breaks_the_siblings_contract(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    tree = project / "codegen" / "place" / "regions.py"  # place.tree imports it: close the loop
    tree.write_text(tree.read_text() + "\nimport codegen.place.tree  # noqa: E402\n")
    proc = _lint_imports(project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "No import cycles between the modules of any package BROKEN" in proc.stdout
