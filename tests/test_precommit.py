"""The pre-commit hooks, run by the real pre-commit in throwaway repositories: a
project with specs/ and generated/, and a kernel tree holding the sid header.

Each config points at this checkout by path, the way users point at
the published repository: `repo: <path>` plus `rev:`, so pre-commit installs
mirrorgen from `.pre-commit-hooks.yaml` into its own virtualenv (`language:
python`) and the tests cover the manifest, the install and the hooks together.
A `repo: local` hook with `language: system` would only prove that this
venv's `mirrorgen` runs. pre-commit clones a path at a commit, not the work
tree, so the checkout is first snapshotted into a commit (work in progress
included). The first run installs the hook environment (about half a minute).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_packaging import GIT_ENV, git, snapshot_checkout

pytestmark = [pytest.mark.slow, pytest.mark.network]  # pre-commit installs from the index

MANIFEST = ROOT / ".pre-commit-hooks.yaml"


@dataclass
class Project:
    path: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.path, env=self.env, capture_output=True,
                              text=True, check=False)

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "pre_commit", *args)


@dataclass
class Hooks:
    repo: Path  # this checkout, committed
    rev: str
    env: dict[str, str]  # one PRE_COMMIT_HOME: the hook environment is installed once


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Hooks:
    repo = tmp_path_factory.mktemp("mirrorgen-repo")
    rev = snapshot_checkout(repo)
    env = {**os.environ, **GIT_ENV,
           "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
           "MIRRORGEN_CACHE": str(tmp_path_factory.mktemp("mirrorgen-cache"))}
    env.pop("PRE_COMMIT", None)
    return Hooks(repo, rev, env)


def new_project(hooks: Hooks, path: Path, hook_list: list[dict[str, object]]) -> Project:
    """A git repository at path (files already in place) with the hooks installed."""
    config = {"repos": [{"repo": str(hooks.repo), "rev": hooks.rev, "hooks": hook_list}]}
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    project = Project(path, hooks.env)
    git(path, "init", "-q")
    git(path, "add", "-A")  # --all-files means the files git tracks
    install = project.pre_commit("install")
    assert install.returncode == 0, install.stdout + install.stderr
    return project


def commit_all(project: Project, message: str) -> None:
    git(project.path, "add", "-A")
    proc = project.run("git", "commit", "-q", "-m", message)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def shared_project(hooks: Hooks, tmp_path_factory: pytest.TempPathFactory) -> Project:
    path = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "specs", path / "specs")
    project = new_project(hooks, path, [
        {"id": "mirrorgen-check"},
        {"id": "mirrorgen-verify"},
        {"id": "mirrorgen-generate", "stages": ["manual"]},  # only when asked for
    ])
    # Generate with the hook's own environment, so the clang-format in the banner is its own.
    gen = project.pre_commit("run", "mirrorgen-generate", "--hook-stage", "manual", "--all-files")
    assert gen.returncode == 0, gen.stdout + gen.stderr
    assert (path / "generated" / "netmem.h").is_file(), gen.stdout + gen.stderr
    commit_all(project, "mirrorgen project")
    return project


@pytest.fixture
def project(shared_project: Project) -> Iterator[Project]:
    yield shared_project
    git(shared_project.path, "reset", "-q", "--hard", "HEAD")  # each test starts clean
    git(shared_project.path, "clean", "-q", "-fdx")


def head(project: Project) -> str:
    return git(project.path, "rev-parse", "HEAD").strip()


def test_manifest_defines_the_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    assert {"mirrorgen-check", "mirrorgen-check-tree", "mirrorgen-verify"} <= hooks.keys()
    assert hooks["mirrorgen-check-tree"]["entry"] == "mirrorgen check --tree ."
    assert hooks["mirrorgen-verify"]["entry"] == "mirrorgen verify"
    for hook in hooks.values():
        assert hook["pass_filenames"] is False and hook["files"], hook["id"]


@pytest.mark.parametrize("hook", ["mirrorgen-check", "mirrorgen-verify"])
def test_hook_passes_on_a_clean_tree(project: Project, hook: str) -> None:
    proc = project.pre_commit("run", hook, "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(rf"^{hook.replace('-', ' ')} .*Passed$", proc.stdout, re.MULTILINE), proc.stdout


def test_commit_of_a_hand_edited_header_is_refused(project: Project) -> None:
    header = project.path / "generated" / "netmem.h"
    text = header.read_text(encoding="utf-8")
    header.write_text(text.replace("\tstruct page_pool *pp;", "\tstruct page_pool *pool;", 1),
                      encoding="utf-8")
    git(project.path, "add", "generated/netmem.h")
    before = head(project)
    proc = project.run("git", "commit", "-m", "tweak the header by hand")
    assert proc.returncode != 0, proc.stdout
    assert head(project) == before
    out = proc.stdout + proc.stderr
    assert "Failed" in out and "generated/netmem.h" in out and "[hand-edit]" in out, out
    assert "to fix, run: mirrorgen generate specs/netmem.yaml" in out, out


def test_spec_change_without_regenerating_is_refused_until_regenerated(project: Project) -> None:
    spec = project.path / "specs" / "netmem.yaml"
    text = spec.read_text(encoding="utf-8")
    old, new = "{name: pp_ref_count,", "{name: pp_refs, host: pp_ref_count,"
    assert old in text
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")
    git(project.path, "add", "specs/netmem.yaml")
    refused = project.run("git", "commit", "-m", "rename a field, forget to regenerate")
    assert refused.returncode != 0, refused.stdout
    assert "[stale-output]" in refused.stdout + refused.stderr

    regen = project.pre_commit("run", "mirrorgen-generate", "--hook-stage", "manual", "--all-files")
    assert regen.returncode != 0, "a hook that rewrote a file fails, like a formatter"
    assert "pp_refs" in (project.path / "generated" / "netmem.h").read_text(encoding="utf-8")
    git(project.path, "add", "-A")
    accepted = project.run("git", "commit", "-m", "rename a field")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_unrelated_commit_skips_the_hook(project: Project) -> None:
    (project.path / "README.md").write_text("notes\n", encoding="utf-8")
    git(project.path, "add", "README.md")
    before = head(project)
    proc = project.run("git", "commit", "-m", "docs only")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert head(project) != before
    out = proc.stdout + proc.stderr  # git commit shows hook output on stderr
    assert "mirrorgen check" in out and "(no files to check)Skipped" in out, out


# --- inside a kernel tree ------------------------------------------------------------------

HEADER = "include/net/netmem.h"


def test_check_tree_hook_in_a_kernel_tree(hooks: Hooks, tree_sid: Path, tmp_path: Path) -> None:
    """mirrorgen-check-tree at the root of a tree holding the sid header (a copy)."""
    (tmp_path / HEADER).parent.mkdir(parents=True)
    shutil.copyfile(tree_sid / HEADER, tmp_path / HEADER)
    (tmp_path / "specs").mkdir()
    shutil.copyfile(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml", tmp_path / "specs" / "netmem.yaml")
    project = new_project(hooks, tmp_path, [
        {"id": "mirrorgen-check-tree", "args": ["specs/netmem.yaml"]},
    ])
    commit_all(project, "pristine upstream header")  # the hook ran on it and passed

    header = tmp_path / HEADER
    text = header.read_text(encoding="utf-8")
    dropped = "NETMEM_DESC_ASSERT_OFFSET(pp_ref_count, pp_ref_count);\n"
    line = text[: text.index(dropped)].count("\n") + 1
    header.write_text(text.replace(dropped, "", 1), encoding="utf-8")
    git(tmp_path, "add", HEADER)
    refused = project.run("git", "commit", "-m", "drop an assert")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"{HEADER}:{line}:1: error:" in out and "pp_ref_count" in out, out
    assert "to fix, run: mirrorgen apply --tree . specs/netmem.yaml" in out, out
