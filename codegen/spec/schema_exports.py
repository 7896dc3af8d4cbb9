"""Files derived from the packaged JSON Schema (written by scripts/regen-schema)."""

from __future__ import annotations

import json
from pathlib import Path


def render_exports(root: Path) -> dict[Path, str]:
    """The editor's copy of the schema, at a stable path beside the shipped specs."""
    schema_file = root / "codegen" / "spec" / "schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return {root / "specs" / "schema.json": json.dumps(schema, indent=2) + "\n"}
