"""Every subcommand under the environment faults a clumsy user or a hostile setup brings.

Each case runs a real command (in-process through `codegen.cli.main`, or as a
subprocess where the fault needs one: a file size limit, a file root cannot
read) and asserts: exit 2, no `Traceback` on stderr, exactly one line on
stderr, and the target (the output, the header) byte-identical to before.
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT, unavailable

HEADER = Path("include/net/netmem.h")


@dataclass
class Case:
    name: str
    argv: list[str]
    target: Path  # what must be unchanged
    subprocess: bool = False
    limit_bytes: int | None = None  # RLIMIT_FSIZE for the child
    unprivileged: bool = False  # root without CAP_DAC_OVERRIDE, so mode 000 means unreadable
    full_stdout: bool = False  # stdout is /dev/full: every write to it fails with ENOSPC


def _snapshot(path: Path) -> object:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode):
        return ("file", path.read_bytes(), stat.S_IMODE(st.st_mode))
    if stat.S_ISDIR(st.st_mode):
        return ("dir", sorted((p.name, _snapshot(p)) for p in path.iterdir()))
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    return ("special", stat.S_IFMT(st.st_mode), st.st_rdev)


@pytest.fixture
def work(tmp_path: Path, tree_sid: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project (specs/, generated/) and a 7.2 tree copy under tmp_path, as the working directory."""
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    tree = tmp_path / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(tree_sid / HEADER, tree / HEADER)
    shutil.copy(tree_sid / ".clang-format", tree / ".clang-format")
    shutil.copy(ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml", tmp_path / "s72.yaml")
    assert main(["generate"]) == 0
    return tmp_path


def _bad_specs(work: Path) -> dict[str, Path]:
    good = (work / "specs" / "netmem.yaml").read_text(encoding="utf-8")
    out = {
        "integer of 5000 digits": good.replace("version: 1", "version: " + "9" * 5000),
        "a list, not a mapping": "- a\n- b\n",
        "a raw control character": good.replace("struct: page", "struct: pa\x07ge", 1),
        "a NUL byte in target.file": good.replace("file: include/net/netmem.h",
                                                  'file: "include/net/net\\0mem.h"'),
        "a kernel macro as field name": good.replace("name: pp_magic", "name: READ_ONCE", 1),
    }
    paths = {}
    for i, (name, text) in enumerate(out.items()):
        path = work / f"bad{i}.yaml"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        paths[name] = path
    # A bad spec whose path is not UTF-8: the message must still be one printable line.
    odd = work / os.fsdecode(b"bad-\xff.yaml")
    odd.write_text("- not a mapping\n", encoding="utf-8")
    paths["a non-UTF-8 spec path"] = odd
    return paths


def _cases(work: Path) -> list[Case]:
    tree, header = work / "tree", work / "tree" / HEADER
    spec = str(work / "specs" / "netmem.yaml")
    cases: list[Case] = []
    # Outputs of generate that are no regular file (or lie under one).
    (work / "afile").write_text("x\n")
    cases.append(Case("generate --out at a file", ["generate", "--out", "afile"], work / "afile"))
    for i, (kind, make) in enumerate(_specials().items()):
        out = work / f"out{i}"
        out.mkdir()
        make(out / "netmem.h")
        cases.append(Case(f"generate --out where netmem.h is {kind}", ["generate", "--out", str(out)], out))
        cases.append(Case(f"check --out where netmem.h is {kind}", ["check", "--out", str(out)], out))
    hard = work / "out-spec"
    hard.mkdir()
    os.link(work / "specs" / "netmem.yaml", hard / "netmem.h")
    cases.append(Case("generate into its own spec (a hard link)", ["generate", "--out", str(hard)], hard))
    # propose -o at devices, a FIFO, a directory and its own inputs.
    os.mkfifo(work / "fifo")
    (work / "adir").mkdir()
    for name, target in (("/dev/null", Path("/dev/null")), ("/dev/zero", Path("/dev/zero")),
                         ("/dev/full", Path("/dev/full")), ("a FIFO", work / "fifo"),
                         ("a directory", work / "adir"),
                         ("the spec", work / "specs" / "netmem.yaml"), ("the header", header),
                         ("the style", tree / ".clang-format")):
        cases.append(Case(f"propose -o {name}", ["propose", spec, "--tree", str(tree), "-o", str(target)],
                          target))
    # Tree faults: a symlink loop for the header, a bad style.
    loop = work / "loop"
    (loop / HEADER).parent.mkdir(parents=True)
    (loop / HEADER).symlink_to("netmem.h")
    for command in ("check", "apply"):
        cases.append(Case(f"{command} --tree: header symlink loop",
                          [command, "--tree", str(loop), str(work / "s72.yaml")], loop))
    styled = work / "styled"
    shutil.copytree(tree, styled)
    (styled / ".clang-format").write_text("BasedOnStyle: LLVM\nNoSuchKey: 3\n")
    for command in ("check", "apply"):
        cases.append(Case(f"{command} --tree: bad .clang-format",
                          [command, "--tree", str(styled), str(work / "s72.yaml")], styled / HEADER))
    # Bad specs, for every command that reads one.
    for name, bad in _bad_specs(work).items():
        for argv in (["generate", str(bad)], ["check", str(bad)], ["check", "--tree", str(tree), str(bad)],
                     ["apply", "--tree", str(tree), str(bad)], ["verify", str(bad)], ["propose", str(bad)],
                     ["kbuild", "--tree", str(tree), str(bad)]):
            target = header if "--tree" in argv else work / "generated"
            cases.append(Case(f"{argv[0]}{' --tree' if '--tree' in argv else ''}: {name}", argv, target))
    # A file size limit while writing (ulimit -f): generate into a new directory, apply on a tree.
    cases.append(Case("generate under ulimit -f", ["generate", "--out", str(work / "limited")],
                      work / "limited", subprocess=True, limit_bytes=512))
    pre = work / "pre"
    shutil.copytree(tree, pre)
    (pre / HEADER).write_bytes((pre / HEADER).read_bytes().replace(b"\tenum net_iov_type type;\n", b""))
    cases.append(Case("apply under ulimit -f", ["apply", "--tree", str(pre), str(work / "s72.yaml")],
                      pre / HEADER, subprocess=True, limit_bytes=512))
    # Files that cannot be read or written (as root: without CAP_DAC_OVERRIDE).
    locked = work / "locked"
    shutil.copytree(tree, locked)
    (locked / HEADER).write_bytes((pre / HEADER).read_bytes())
    os.chmod(locked / ".clang-format", 0)
    for command in ("check", "apply"):
        cases.append(Case(f"{command} --tree: unreadable .clang-format",
                          [command, "--tree", str(locked), str(work / "s72.yaml")], locked / HEADER,
                          subprocess=True, unprivileged=True))
    secret = work / "secret.yaml"
    shutil.copy(work / "s72.yaml", secret)
    os.chmod(secret, 0)
    for command in ("check", "apply"):
        cases.append(Case(f"{command} --tree: unreadable spec", [command, "--tree", str(tree), str(secret)],
                          header, subprocess=True, unprivileged=True))
    readonly = work / "readonly"
    readonly.mkdir()
    os.chmod(readonly, 0o555)
    cases.append(Case("generate into a read-only directory", ["generate", "--out", str(readonly)], readonly,
                      subprocess=True, unprivileged=True))
    ro_tree = work / "ro-tree"
    shutil.copytree(pre, ro_tree)
    os.chmod((ro_tree / HEADER).parent, 0o555)
    cases.append(Case("apply in a read-only directory",
                      ["apply", "--tree", str(ro_tree), str(work / "s72.yaml")],
                      ro_tree / HEADER, subprocess=True, unprivileged=True))
    # Nowhere to print: stdout on /dev/full.
    for argv in (["check", "--tree", str(pre), str(work / "s72.yaml")],
                 ["check", "--tree", str(pre), str(work / "s72.yaml"), "--format", "json"],
                 ["apply", "--tree", str(pre), str(work / "s72.yaml"), "--dry-run"], ["--version"],
                 ["doctor", "--format", "json"]):
        cases.append(Case(f"{' '.join(argv[:1] + argv[-2:])} > /dev/full", argv, pre / HEADER,
                          subprocess=True, full_stdout=True))
    return cases


def _specials() -> dict[str, Callable[[Path], None]]:
    return {
        "a directory": lambda p: p.mkdir(),
        "a FIFO": lambda p: os.mkfifo(p),
        "a symlink to /dev/null": lambda p: p.symlink_to("/dev/null"),
        "a symlink to /dev/zero": lambda p: p.symlink_to("/dev/zero"),
    }


def _run(case: Case, work: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    if not case.subprocess:
        capsys.readouterr()
        code = main(case.argv)
        return code, capsys.readouterr().err
    command = [sys.executable, "-m", "codegen", *case.argv]
    if case.unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            unavailable("setpriv (util-linux), to run as root without CAP_DAC_OVERRIDE")
        assert setpriv is not None
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    limit = case.limit_bytes

    def restrict() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full" if case.full_stdout else os.devnull, "w") as stdout:
        proc = subprocess.run(command, cwd=work, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env,
                              preexec_fn=restrict, check=False, errors="replace")
    return proc.returncode, proc.stderr


def test_every_fault_ends_in_one_line_exit_2_nothing_written(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _cases(work)
    failures: list[str] = []
    for case in cases:
        before = _snapshot(case.target)
        code, err = _run(case, work, capsys)
        lines = [line for line in err.splitlines() if line.strip()]
        if "Traceback" in err:
            failures.append(f"{case.name}: traceback:\n{err[-600:]}")
        elif code != 2 or len(lines) != 1:
            failures.append(f"{case.name}: exit {code}, {len(lines)} stderr lines: {err[-400:]!r}")
        if _snapshot(case.target) != before:
            failures.append(f"{case.name}: the target changed")
    print(f"{len(cases)} faults, {len(failures)} failures")
    assert len(cases) >= 60
    assert not failures, f"{len(failures)} of {len(cases)} faults:\n" + "\n".join(failures)


def test_refusals_name_the_path_and_the_reason(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = work / "out"
    out.mkdir()
    os.mkfifo(out / "netmem.h")
    assert main(["generate", "--out", str(out)]) == 2
    wanted = f"{out}/netmem.h:1:1: is a FIFO, not a regular file; refusing to write it\n"
    assert capsys.readouterr().err == wanted
    spec = work / "specs" / "netmem.yaml"
    assert main(["propose", str(spec), "--tree", str(work / "tree"), "-o", str(spec)]) == 2
    assert "is one of this command's inputs" in capsys.readouterr().err
