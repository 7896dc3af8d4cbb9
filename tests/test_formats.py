"""`--format text|json|github`: real processes, output parsed back.

JSON is read back with json.loads and compared field by field with what text
mode says; GitHub workflow commands are decoded with GitHub's own escaping
rules; colour is looked for on a real pseudo-terminal.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.report import Finding, Outcome
from codegen.report_formats import annotation, emit_github, emit_json
from tests.conftest import ROOT

FIX = "mirrorgen generate specs/netmem.yaml"
RESERVED = ["version", "command", "exit_code", "findings", "diff", "fix"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    assert mirrorgen(tmp_path, "generate").returncode == 0
    return tmp_path


def mirrorgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIRRORGEN_CACHE": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "codegen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def hand_edit(project: Path) -> int:
    """Edit one field line of the generated header; returns its line number."""
    header = project / "generated" / "netmem.h"
    lines = header.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line == "\tstruct page_pool *pp;\n")
    lines[number - 1] = "\tstruct page_pool *pool;\n"
    header.write_text("".join(lines), encoding="utf-8")
    return number


def test_json_fresh(project: Path) -> None:
    proc = mirrorgen(project, "check", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "version": 1, "command": "check", "exit_code": 0, "findings": [], "diff": "", "fix": None,
    }
    assert proc.stderr == ""


def test_json_hand_edit_matches_text(project: Path) -> None:
    line = hand_edit(project)
    text = mirrorgen(project, "check")
    proc = mirrorgen(project, "check", "--format", "json")
    assert proc.returncode == text.returncode == 1
    assert proc.stderr == ""
    doc = json.loads(proc.stdout)
    assert list(doc)[:6] == RESERVED
    assert doc["exit_code"] == 1 and doc["command"] == "check" and doc["fix"] == FIX
    (finding,) = doc["findings"]
    assert set(finding) == {"file", "line", "col", "rule", "severity", "message"}
    assert (finding["file"], finding["line"], finding["rule"], finding["severity"]) == (
        "generated/netmem.h", line, "hand-edit", "error")
    # The same finding and the same diff as text mode, just structured.
    assert Finding(**finding).text() in text.stderr.splitlines()
    assert doc["diff"] == text.stdout
    assert "-\tstruct page_pool *pool;" in doc["diff"] and "+\tstruct page_pool *pp;" in doc["diff"]


def test_json_missing_output(project: Path) -> None:
    (project / "generated" / "netmem.h").unlink()
    doc = json.loads(mirrorgen(project, "check", "--format", "json").stdout)
    assert [f["rule"] for f in doc["findings"]] == ["missing-output"]
    assert doc["exit_code"] == 1 and doc["diff"].startswith("--- ")


def test_input_error_text_is_one_plain_line(project: Path) -> None:
    proc = mirrorgen(project, "check", "nope.yaml")
    assert proc.returncode == 2
    assert proc.stdout == "" and proc.stderr == "nope.yaml:1:1: spec file not found\n"


@pytest.mark.parametrize("spec_text", ["version: 1\ntarget: [unclosed\n", "version: 2\n"])
def test_input_error_json_has_the_location_text_has(project: Path, spec_text: str) -> None:
    (project / "specs" / "netmem.yaml").write_text(spec_text, encoding="utf-8")
    text = mirrorgen(project, "check")
    proc = mirrorgen(project, "check", "--format", "json")
    assert proc.returncode == text.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 2 and doc["diff"] == "" and doc["fix"] is None
    (finding,) = doc["findings"]
    assert finding["rule"] == "input-error" and finding["severity"] == "error"
    where = f"{finding['file']}:{finding['line']}:{finding['col']}: {finding['message']}"
    assert text.stderr == where + "\n"
    assert finding["file"] == "specs/netmem.yaml" and finding["line"] >= 1


def test_input_error_github(project: Path) -> None:
    proc = mirrorgen(project, "check", "--format", "github", "nope.yaml")
    assert proc.returncode == 2
    assert proc.stdout == "::error file=nope.yaml,line=1,col=1,title=input-error::spec file not found\n"


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


COMMAND = re.compile(r"^::(error|warning|notice) (.*?)::(.*)$")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split a workflow command the way the runner does: properties on ',' then '='."""
    found = COMMAND.match(line)
    assert found, line
    props = dict(p.split("=", 1) for p in found.group(2).split(","))
    return found.group(1), {k: unescape(v) for k, v in props.items()}, unescape(found.group(3))


def test_github_hand_edit(project: Path) -> None:
    line = hand_edit(project)
    proc = mirrorgen(project, "check", "--format", "github")
    assert proc.returncode == 1 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    level, props, message = parse_command(lines[0])
    assert level == "error"
    assert props == {"file": "generated/netmem.h", "line": str(line), "col": "1", "title": "hand-edit"}
    assert "edited by hand" in message
    start, end = lines.index("::group::diff"), lines.index("::endgroup::")
    diff = "\n".join(lines[start + 1 : end]) + "\n"
    assert diff == mirrorgen(project, "check").stdout
    assert lines[-1] == f"::notice title=to fix::run: {FIX}"


def test_github_escaping_round_trips() -> None:
    nasty = Finding("dir,with:odd%/a.h", 3, 7, "rule:x,y", "warning", "50% off\r\nnext: line, too")
    line = annotation(nasty)
    assert line == ("::warning file=dir%2Cwith%3Aodd%25/a.h,line=3,col=7,title=rule%3Ax%2Cy"
                    "::50%25 off%0D%0Anext: line, too")
    level, props, message = parse_command(line)
    assert (level, props["file"], props["title"], message) == (
        "warning", nasty.file, nasty.rule, nasty.message)
    assert annotation(Finding("", 0, 0, "usage-error", "note", "m")) == "::notice title=usage-error::m"


def test_outcome_data_joins_the_document() -> None:
    layout = {"x86_64": {"sizeof": 48}, "i386": {"sizeof": 24}}
    out = io.StringIO()
    emit_json(Outcome("verify", data={"abis": layout, "where": Path("a/b")}), out)
    doc = json.loads(out.getvalue())
    assert list(doc) == [*RESERVED, "abis", "where"]
    assert doc["abis"] == layout and doc["where"] == "a/b"
    with pytest.raises(ValueError, match="reserved"):
        emit_json(Outcome("verify", data={"findings": []}), io.StringIO())


def test_github_sections_are_grouped() -> None:
    out = io.StringIO()
    emit_github(Outcome("verify", sections=["x86_64: sizeof 48"]), out)
    assert out.getvalue() == "::group::mirrorgen verify\nx86_64: sizeof 48\n::endgroup::\n"


def run_on_terminal(cwd: Path, *args: str, no_color: bool) -> bytes:
    """Run mirrorgen with stdout and stderr on one pseudo-terminal; return what it printed."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["MIRRORGEN_CACHE"] = str(cwd / ".cache")
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "codegen", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait() == 1
    return b"".join(chunks)


def test_colour_only_on_a_terminal_and_never_with_no_color(project: Path) -> None:
    hand_edit(project)
    coloured = run_on_terminal(project, "check", no_color=False)
    assert b"\x1b[1;31merror\x1b[0m: generated/netmem.h was edited by hand" in coloured
    assert b"\x1b[31m-\tstruct page_pool *pool;\x1b[0m" in coloured
    assert b"\x1b[32m+\tstruct page_pool *pp;\x1b[0m" in coloured
    plain = run_on_terminal(project, "check", no_color=True)
    assert b"\x1b[" not in plain and b"error: generated/netmem.h was edited by hand" in plain
    piped = mirrorgen(project, "check")
    assert "\x1b[" not in piped.stdout + piped.stderr and "error: generated" in piped.stderr
