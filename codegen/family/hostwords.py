"""Which host words a family spec asserts that the tree's own host struct does not declare.

A spec imported from one kernel and checked against another names page words
by that kernel's names (7.2's `compound_info` is 6.12's `compound_head`).
Writing its asserts into the other tree would not compile, so `check` must not
offer `apply` as the fix, and `apply` refuses: the spec belongs to another
kernel. The host struct is read from the tree with the one C reader, members
under `#if` included, in the family's own files first and then in the header
the host model names (include/linux/mm_types.h for struct page).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.creader.shape import member_names
from codegen.spec.family_model import FamilySpec


@dataclass(frozen=True)
class Absent:
    file: str  # relative to the tree: where the host struct is declared
    line: int
    words: tuple[str, ...]  # in the order the spec asserts them


def absent_host_words(root: Path, spec: FamilySpec) -> Absent | None:
    """The spec's host words missing from the tree's host struct; None when all are there or
    when the tree's host struct cannot be found (then nothing is claimed)."""
    wanted = _spec_words(spec)
    for relative in _candidates(spec):
        try:
            text = (root / relative).read_bytes()
        except OSError:
            continue
        found = member_names(text, spec.host)
        if found is None:
            continue
        line, names = found
        missing = tuple(w for w in wanted if w not in names)
        return Absent(relative, line, missing) if missing else None
    return None


def absent_message(spec: FamilySpec, absent: Absent) -> str:
    words = ", ".join(f"'{w}'" for w in absent.words)
    return (f"struct {spec.host} here has no {'word' if len(absent.words) == 1 else 'words'} {words}, "
            f"which {spec.path} asserts {spec.mirror} fields against: the spec was made for another kernel")


def _spec_words(spec: FamilySpec) -> list[str]:
    words: list[str] = []
    for group in spec.groups:
        for use, _ in group.uses():
            if use.host not in words:
                words.append(use.host)
    return words


def _candidates(spec: FamilySpec) -> list[str]:
    files = [spec.file]
    if spec.struct is not None and spec.struct.file not in files:
        files.append(spec.struct.file)
    header = _model_header(spec.host)
    if header and f"include/{header}" not in files:
        files.append(f"include/{header}")
    return files


def _model_header(host: str) -> str | None:
    """The header the bundled host model says declares `struct host`."""
    from codegen.resources import bundled_specs_dir
    from codegen.spec.hostload import load_host_struct

    path = bundled_specs_dir() / "hosts" / f"{host}.yaml"
    if not path.is_file():
        return None
    model = load_host_struct(path)
    return model.header if model.struct == host else None
