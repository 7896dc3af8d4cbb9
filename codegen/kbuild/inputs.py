"""What make read to produce an O= directory's generated headers, so a stamp can tell when they are stale.

make records each output's inputs in its `.cmd` files (`source_X :=`,
`deps_X := \\ ...`) and the Kconfig files behind the config in
`include/config/auto.conf.cmd`. The stamp lists them; the headers are
current while the stamp is newer than every one (the .config is checked
by the caller). Config-option markers (`$(wildcard include/config/...)`)
are left out: the .config stands for them.
"""

from __future__ import annotations

import os
from pathlib import Path

from codegen.cachefiles import store_file


def record(out: Path, stamp: Path, tree: Path) -> None:
    """Write the stamp: every input file make recorded for the generated headers, one per line."""
    found: set[str] = set()
    for cmd in _cmd_files(out):
        for word in _dependencies(cmd):
            for base in (out, tree):
                path = base / word
                if path.is_file():
                    found.add(os.fspath(path))
                    break
    store_file(stamp, "".join(f"{p}\n" for p in sorted(found)).encode())  # by rename: whole or absent


def current(stamp: Path) -> bool:
    """The stamp exists, lists something, and no listed file is newer than it or gone."""
    try:
        made = stamp.stat().st_mtime_ns
        paths = stamp.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not paths:
        return False
    try:
        return all(os.stat(p).st_mtime_ns <= made for p in paths)
    except OSError:
        return False


def _cmd_files(out: Path) -> list[Path]:
    """The .cmd files of the headers' steps (the host tools under scripts/ are not headers' inputs)."""
    found = [out / "include" / "config" / "auto.conf.cmd"]
    for directory, subdirs, files in os.walk(out):
        if directory == os.fspath(out):
            subdirs[:] = [d for d in subdirs if d != "scripts"]
        found += [Path(directory, f) for f in files if f.startswith(".") and f.endswith(".cmd")]
    return found


def _dependencies(cmd: Path) -> list[str]:
    """The file names in a .cmd file's `source_`/`deps_`/`deps_config` assignments."""
    try:
        lines = cmd.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    words: list[str] = []
    inside = False
    for line in lines:
        head, sep, tail = line.partition(":=")
        if sep and head.strip().startswith(("source_", "deps_")):
            inside = True
            line = tail
        elif not inside:
            continue
        continued = line.rstrip().endswith("\\")
        text = line.rstrip().removesuffix("\\")
        words += [w for w in text.split() if not w.startswith("$(") and not w.endswith(")")]
        inside = continued
    return words
