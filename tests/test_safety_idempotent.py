"""`apply` is idempotent on every header it accepts, over a corpus of hostile headers.

The corpus: four real starting points (the 6.12 header pristine and after
`apply`, for two specs, and the 7.2 header) times hostile edits (attributes
after a struct's brace, typedef names, CRLF, a BOM, a missing final newline,
non-UTF-8 bytes, stray blanks and tabs, `#if 0` copies, deleted regions,
foreign text in and next to the regions, a 6 MB tail). For each variant:

- the first `apply` exits 0 or 2; exit 2 leaves the header byte-identical;
- after an accepted first `apply`, `check` exits 0 and a second `apply`
  writes nothing (same bytes, same inode and mtime);
- attributes and typedef names put after a struct's closing brace are still there.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT

HEADER = Path("include/net/netmem.h")
BUNDLED = ROOT / "specs" / "netmem.yaml"
SPEC_612 = ROOT / "tests" / "specs" / "netmem-linux-6.12.yaml"
SPEC_72 = ROOT / "tests" / "specs" / "netmem-linux-7.2.yaml"

Edit = Callable[[bytes], bytes]


def _after_struct(name: str, tail: bytes) -> Edit:
    def edit(text: bytes) -> bytes:
        start = text.find(b"\nstruct " + name.encode() + b" {\n")
        if start < 0:
            return text
        close = text.index(b"\n};", start)
        return text[: close + 2] + tail + text[close + 3 :]
    return edit


def _typedef(name: str, alias: bytes) -> Edit:
    def edit(text: bytes) -> bytes:
        start = text.find(b"\nstruct " + name.encode() + b" {\n")
        if start < 0:
            return text
        close = text.index(b"\n};", start)
        return text[: start + 1] + b"typedef " + text[start + 1 : close + 2] + b" " + alias + b";" \
            + text[close + 3 :]
    return edit


def _before(anchor: bytes, insert: bytes) -> Edit:
    def edit(text: bytes) -> bytes:
        at = text.find(anchor)
        return text if at < 0 else text[:at] + insert + text[at:]
    return edit


def _drop_lines(pattern: bytes) -> Edit:
    return lambda text: re.sub(pattern, b"", text, flags=re.M)


def _region_lines(edit_line: Callable[[bytes], bytes]) -> Edit:
    """Apply `edit_line` to the lines of struct net_iov's definition."""
    def edit(text: bytes) -> bytes:
        start = text.find(b"\nstruct net_iov {\n")
        if start < 0:
            return text
        close = text.index(b"\n};", start)
        body = b"\n".join(edit_line(line) for line in text[start:close].split(b"\n"))
        return text[:start] + body + text[close:]
    return edit


EDITS: dict[str, Edit] = {
    "as is": lambda t: t,
    "__randomize_layout on net_iov": _after_struct("net_iov", b"} __randomize_layout;"),
    "__aligned(64) on net_iov": _after_struct("net_iov", b"} __aligned(64);"),
    "__packed on netmem_desc": _after_struct("netmem_desc", b"} __packed;"),
    "__attribute__ on netmem_desc": _after_struct("netmem_desc", b"} __attribute__((aligned(8)));"),
    "typedef net_iov": _typedef("net_iov", b"net_iov_t"),
    "typedef netmem_desc": _typedef("netmem_desc", b"netmem_desc_t"),
    "CRLF": lambda t: t.replace(b"\n", b"\r\n"),
    "BOM": lambda t: b"\xef\xbb\xbf" + t,
    "no final newline": lambda t: t.rstrip(b"\n"),
    "non-UTF-8 comment": _before(b"/* net_iov */", b"/* \xff\xfe latin-1: \xe9 */\n"),
    "trailing blanks in net_iov": _region_lines(lambda line: line + b"  " if line.strip() else line),
    "spaces for tabs in net_iov": _region_lines(lambda line: line.replace(b"\t", b"        ")),
    "#if 0 copy of net_iov": _before(b"/* net_iov */", b"#if 0\nstruct net_iov {\n\tint x;\n};\n#endif\n"),
    "#include in R2": _region_lines(lambda line: line + b"\n#include <linux/types.h>"
                                    if line.startswith(b"struct net_iov {") else line),
    "R3 removed": _drop_lines(rb"^NET_IOV_ASSERT_OFFSET\(.*\n|^#(?:define|undef) NET_IOV_ASSERT_OFFSET.*\n"),
    "size assert removed": _drop_lines(rb"^static_assert\(sizeof\(struct netmem_desc\).*\n"),
    "foreign line before R1": _before(b"struct netmem_desc {", b"DECLARE_PER_CPU(int, x);\n"),
    "6 MB tail": lambda t: t + b"/*" + b" padding padding padding\n" * 250_000 + b"*/\n",
    "field type drift": _region_lines(lambda line: line.replace(b"atomic_long_t", b"atomic_t")),
}


def _bases(tmp: Path, tree_612: Path, tree_sid: Path) -> list[tuple[str, bytes, Path]]:
    """(name, header bytes, spec) starting points, read from the fetched trees."""
    pristine = (tree_612 / HEADER).read_bytes()
    out = [("6.12 pristine/bundled", pristine, BUNDLED),
           ("7.2/7.2 spec", (tree_sid / HEADER).read_bytes(), SPEC_72)]
    for spec in (BUNDLED, SPEC_612):
        tree = _tree(tmp / f"seed-{spec.stem}", pristine, tree_612)
        assert main(["apply", "--tree", str(tree), str(spec)]) == 0
        out.append((f"6.12 applied/{spec.stem}", (tree / HEADER).read_bytes(), spec))
    return out


def _tree(where: Path, header: bytes, source: Path) -> Path:
    (where / HEADER).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / ".clang-format", where / ".clang-format")
    (where / HEADER).write_bytes(header)
    return where


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRRORGEN_CACHE", str(tmp_path / "cache"))


def test_apply_twice_writes_nothing_the_second_time(
    tree_612: Path, tree_sid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failures: list[str] = []
    refused: list[str] = []
    variants = accepted = 0
    for base_name, base, spec in _bases(tmp_path, tree_612, tree_sid):
        for edit_name, edit in EDITS.items():
            variant = edit(base)
            if edit_name != "as is" and variant == base:
                continue  # the edit does not apply to this header (no such struct)
            variants += 1
            name = f"{base_name} + {edit_name}"
            tree = _tree(tmp_path / f"v{variants}", variant, tree_612)
            header = tree / HEADER
            first = main(["apply", "--tree", str(tree), str(spec)])
            once = header.read_bytes()
            if first == 2:
                refused.append(name)
                if once != variant:
                    failures.append(f"{name}: refused, but the header changed")
                continue
            if first != 0:
                failures.append(f"{name}: first apply exit {first}")
                continue
            accepted += 1
            stat = header.stat()
            second = main(["apply", "--tree", str(tree), str(spec)])
            again = header.stat()
            if second != 0 or header.read_bytes() != once \
                    or (again.st_ino, again.st_mtime_ns) != (stat.st_ino, stat.st_mtime_ns):
                failures.append(f"{name}: the second apply wrote (exit {second})")
            if main(["check", "--tree", str(tree), str(spec)]) != 0:
                failures.append(f"{name}: check not fresh after apply")
            for kept in (b"__randomize_layout;", b"__aligned(64);", b"__packed;", b"net_iov_t;",
                         b"netmem_desc_t;", b"__attribute__((aligned(8)));"):
                if variant.count(kept) != once.count(kept):
                    failures.append(f"{name}: {kept.decode()} not kept")
            capsys.readouterr()
    print(f"{variants} variants, {accepted} accepted and idempotent, refused: {refused}")
    assert variants >= 70
    # Attributes and typedef names are kept, never a reason to refuse.
    assert not [n for n in refused if "typedef" in n or " on net" in n], refused
    assert accepted >= 50
    assert not failures, f"{len(failures)} of {variants} variants:\n" + "\n".join(failures)
