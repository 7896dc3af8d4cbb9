"""Foreign text inside an owned region is never deleted: `apply` keeps it in place or refuses.

Each kind of construct a human may put among mirrorgen's lines is inserted
before every line of every region of the 6.12 header (after `apply` of the
bundled spec) and of the 7.2 header (current upstream spec). For each variant:

- `apply` exits 0 or 2, never anything else;
- exit 2: the header is byte-identical, and `check` does not call it fresh;
- exit 0: every line of the variant is still there, in order (zero deletions),
  `check` agrees (fresh after it), and a second `apply` writes nothing.

The region lines come from plain text anchors here, not from mirrorgen's
region finder. Lines inside the comments a region owns count too: a spec's
comment has ' *' on every line after its first, so a construct put inside one
is still told apart from the comment's own text.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

HEADER = Path("include/net/netmem.h")
BUNDLED = ROOT / "specs" / "netmem.yaml"
SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"

# At least ten kinds of construct a human may write, each as the lines inserted.
CONSTRUCTS: dict[str, str] = {
    "include": "#include <linux/types.h>\n",
    "object-like define": "#define FOREIGN_FLAG 1\n",
    "function-like define": "#define FOREIGN_FN(x) ((x) + 1)\n",
    "extern declaration": "extern int foreign_counter;\n",
    "prototype": "int foreign_prototype(void);\n",
    "DECLARE_ line": "DECLARE_PER_CPU(int, foreign_percpu);\n",
    "block comment": "/* a human's note */\n",
    "line comment": "// a human's note\n",
    "static_assert": "static_assert(sizeof(int) == 4);\n",
    "#if/#endif pair": "#if defined(CONFIG_FOREIGN)\n#endif\n",
    "blank-line run": "\n\n",
    "inline function": "static inline int foreign_fn(void)\n{\n\treturn 0;\n}\n",
    "typedef": "typedef int foreign_t;\n",
    "#undef": "#undef FOREIGN_FLAG\n",
}


def region_lines(lines: list[str], regions: list[tuple[str, str]]) -> list[int]:
    """0-based lines from each (first line prefix, last line prefix) pair, inclusive."""
    out: list[int] = []
    for first, last in regions:
        start = next(i for i, line in enumerate(lines) if line.startswith(first))
        end = next(i for i in range(start, len(lines)) if lines[i].startswith(last))
        out += range(start, end + 1)
    return out


R1 = ("/* These fields in struct page", "static_assert(sizeof(struct netmem_desc)")
R2 = ("struct net_iov {", "};")
R3 = ("/* net_iov is union'ed", "#undef NET_IOV_ASSERT_OFFSET")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


def _tree(source: Path, tmp: Path) -> Path:
    tree = tmp / "tree"
    (tree / HEADER).parent.mkdir(parents=True)
    shutil.copy(source / HEADER, tree / HEADER)
    shutil.copy(source / ".clang-format", tree / ".clang-format")
    return tree


def _deleted(before: str, after: str) -> list[str]:
    """Lines of `before` missing from `after` (in order): the bytes apply destroyed."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    lost: list[str] = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            lost += a[i1:i2]
    return lost


def _run_all(tree: Path, spec: Path, regions: list[tuple[str, str]],
             capsys: pytest.CaptureFixture[str]) -> tuple[int, int, list[str]]:
    header = tree / HEADER
    base = header.read_text(encoding="utf-8")
    lines = base.splitlines(keepends=True)
    targets = region_lines(lines, regions)
    kept = refused = 0
    failures: list[str] = []
    for i in targets:
        for kind, construct in CONSTRUCTS.items():
            variant = "".join(lines[:i]) + construct + "".join(lines[i:])
            header.write_text(variant, encoding="utf-8")
            checked = main(["check", "--tree", str(tree), str(spec)])
            code = main(["apply", "--tree", str(tree), str(spec)])
            after = header.read_text(encoding="utf-8")
            where = f"{kind} before line {i + 1}"
            if code == 2:
                refused += 1
                if after != variant:
                    failures.append(f"{where}: refused but the header changed")
                if checked == 0:
                    failures.append(f"{where}: apply refused, yet check called it fresh")
            elif code == 0:
                kept += 1
                lost = _deleted(variant, after)
                if lost:
                    failures.append(f"{where}: apply deleted {lost[:3]}")
                if checked == 0 and after != variant:
                    failures.append(f"{where}: check said fresh, apply still rewrote it")
                if main(["check", "--tree", str(tree), str(spec)]) != 0:
                    failures.append(f"{where}: check not fresh after apply")
                again = main(["apply", "--tree", str(tree), str(spec)])
                if again != 0 or header.read_text(encoding="utf-8") != after:
                    failures.append(f"{where}: a second apply changed the header")
            else:
                failures.append(f"{where}: apply exit {code}")
            capsys.readouterr()
    header.write_text(base, encoding="utf-8")
    print(f"{spec.name}: {kept + refused} variants, {kept} kept in place, {refused} refused")
    return kept, refused, failures


@pytest.mark.slow
def test_foreign_constructs_in_the_612_regions(tree_612: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tree_612, tmp_path)
    assert main(["apply", "--tree", str(tree), str(BUNDLED)]) == 0
    kept, refused, failures = _run_all(tree, BUNDLED, [R1, R2, R3], capsys)
    assert kept + refused >= len(CONSTRUCTS) * 80
    assert refused > 0 and kept > 0  # both outcomes happen: text outside the span is kept
    assert not failures, f"{len(failures)} of {kept + refused}:\n" + "\n".join(failures[:40])


@pytest.mark.slow
def test_foreign_constructs_in_the_72_regions(tree_sid: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tree_sid, tmp_path)
    assert main(["apply", "--tree", str(tree), str(SPEC_72)]) == 0
    kept, refused, failures = _run_all(tree, SPEC_72, [R1, R2], capsys)
    assert kept + refused >= len(CONSTRUCTS) * 40
    assert refused > 0
    assert not failures, f"{len(failures)} of {kept + refused}:\n" + "\n".join(failures[:40])
