"""The verify plan as JSON for the memo: encode, and decode (an unreadable entry is a miss)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from codegen.spec.model import Loc
from codegen.verify.plan import AssertSite, Limit, MirrorField, Plan, RegionFile


def encode(plan: Plan) -> str:
    return json.dumps(asdict(plan), ensure_ascii=True)


def decode(text: str) -> Plan | None:
    """A memoized plan, or None when the entry cannot be read (a miss, not an error)."""
    try:
        raw: dict[str, Any] = json.loads(text)

        def at(d: dict[str, Any]) -> Loc:
            return Loc(d["path"], d["line"], d["col"])

        limit = raw["limit"]
        return Plan(
            spec=raw["spec"],
            host=raw["host"],
            mirror=raw["mirror"],
            alias=raw["alias"],
            fields=tuple(MirrorField(f["name"], f["host"], at(f["at"])) for f in raw["fields"]),
            limit=Limit(limit["host_field"], at(limit["at"])) if limit else None,
            members=tuple((name, at(where)) for name, where in raw["members"]),
            at=at(raw["at"]),
            model=raw["model"],
            model_file=raw["model_file"],
            model_digest=raw["model_digest"],
            model_cols=tuple((line, col) for line, col in raw["model_cols"]),
            regions=tuple(RegionFile(r["name"], r["file"], r["text"]) for r in raw["regions"]),
            sites=tuple(
                AssertSite(s["file"], s["first"], s["last"], s["text"], at(s["at"]), s["field"])
                for s in raw["sites"]
            ),
            text=raw["text"],
        )
    except (ValueError, KeyError, TypeError):
        return None
