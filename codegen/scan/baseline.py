"""Known hazards, like other linters' baselines: a run fails only on hazards not in the file.

The file is JSON: a version and the sorted hazard keys (rule, family, mirror,
field, host words; no line numbers, so moved code stays known).
"""

from __future__ import annotations

import json
from pathlib import Path

from codegen.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from codegen.scan.hazards import Hazard

VERSION = 1


def load(path: Path) -> set[str] | None:
    """The known keys, or None when the file does not exist (the run then writes it)."""
    shown = path.as_posix()
    from codegen.place.reading import read_regular  # a FIFO or /dev/zero is refused, not read

    try:
        text = read_regular(path, shown).decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(shown, 1, 1, f"cannot read the baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(shown, exc.lineno, exc.colno, f"not a scan baseline: {exc.msg}") from None
    keys = data.get("hazards") if isinstance(data, dict) else None
    if data.get("version") != VERSION if isinstance(data, dict) else True:
        raise InputError(shown, 1, 1, f"not a scan baseline of version {VERSION}")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InputError(shown, 1, 1, "not a scan baseline: 'hazards' must be a list of strings")
    return set(keys)


def write(path: Path, hazards: list[Hazard]) -> None:
    """Atomically, never through a device or FIFO; a missing directory is exit 2."""
    if not path.parent.is_dir():
        raise InputError(path.as_posix(), 1, 1, f"cannot write the baseline: no directory {path.parent}")
    text = json.dumps({"version": VERSION, "hazards": sorted({h.key for h in hazards})}, indent=2) + "\n"
    from codegen.place.atomic import write_if_changed  # a regular file or a new path, atomically

    write_if_changed(path, text.encode(), shown=path.as_posix())
