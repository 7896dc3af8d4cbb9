"""`mirrorgen scan --tree KDIR`: every mirror family in a kernel tree, and the words nobody asserted."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from codegen.commands.common import add_specs
from codegen.errors import InputError, UsageError

if TYPE_CHECKING:

    from codegen.report import Outcome
    from codegen.scan.hazards import Hazard
    from codegen.scan.run import ScanResult

FORMATS = ("text", "json", "github", "sarif")


def configure(parser: argparse.ArgumentParser) -> None:
    add_specs(parser)
    parser.add_argument("--tree", metavar="KDIR", required=True, help="the kernel source tree to scan")
    parser.add_argument(
        "--format", choices=FORMATS, default="text",
        help="text for people, json for tools, github for workflow annotations, sarif for code scanning",
    )  # fmt: skip
    parser.add_argument(
        "--baseline", metavar="FILE",
        help="known hazards: where FILE does not exist, write the current hazards to it and exit 0; "
        "where it exists, only hazards not in it count",
    )  # fmt: skip
    parser.add_argument(
        "--layouts", metavar="LIST", default="x86_64",
        help="the arches whose layouts the hazards use, laid out by libclang from the tree's own "
        "headers in kbuild's cached build directories (default: x86_64; the first run on a tree "
        "prepares them, which takes minutes); 'none' lists the families without hazards",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, metavar="N", help="find and grep processes at a time (default: one per core)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (InputError, UsageError) as exc:
        if args.format != "sarif":
            raise
        from codegen.scan.sarif import sarif_log

        where = (exc.path, exc.line, exc.message) if isinstance(exc, InputError) else ("", 0, str(exc))
        _print_json(sarif_log([], None, [where]))
        return 2


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from codegen.scan import baseline
    from codegen.scan.run import scan

    tree = Path(args.tree)
    if not tree.is_dir():
        raise InputError(tree.as_posix(), 1, 1, "not a directory: give a kernel source tree")
    arches = _arches(args.layouts)
    known: set[str] | None = None
    path = Path(args.baseline) if args.baseline else None
    if path is not None:
        known = baseline.load(path)  # before the scan: a bad baseline is exit 2 at once
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    result = scan(tree, arches, list(args.specs or []), args.jobs)
    counted = [h for h in result.hazards if not h.acknowledged]  # a spec's reason acknowledges the rest
    new = counted if known is None else [h for h in counted if h.key not in known]
    if path is not None and known is None:
        baseline.write(path, counted)
        print(f"scan: wrote {len(counted)} hazards to the baseline {path}", file=sys.stderr)
        new = []
    code = 1 if new else 0
    if args.format == "sarif":
        from codegen.scan.sarif import sarif_log

        log = sarif_log(result.hazards, tree)
        if known is not None or path is not None:
            fresh = {h.key for h in new}
            for result_entry, hazard in zip(log["runs"][0]["results"], result.hazards, strict=True):
                if not hazard.acknowledged:  # a suppressed result is outside the baseline
                    result_entry["baselineState"] = "new" if hazard.key in fresh else "unchanged"
        _print_json(log)
        return code
    from codegen.commands.common import emit

    return emit(_outcome(result, new, code), args.format)


def _arches(text: str) -> list[str]:
    from codegen.kbuild.arches import ARCHES

    if text.strip() == "none":
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ARCHES]
    if unknown or not names:
        raise UsageError(f"--layouts takes 'none' or arches among {', '.join(ARCHES)}, not {text!r}")
    return list(dict.fromkeys(names))


def _print_json(document: object) -> None:
    import json

    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _outcome(result: ScanResult, new: list[Hazard], code: int) -> Outcome:
    from codegen.report import Finding, Outcome

    fresh = {h.key for h in new}
    outcome = Outcome("scan", exit_code=code)
    outcome.findings = [Finding(h.file, h.line, 1, h.rule, h.severity, h.text()) for h in new]
    outcome.sections.append(_table(result, len(new)))
    outcome.data = {
        "tree": result.tree,
        "layouts": result.abis,
        "stats": {"files": result.stats.files, "read": result.stats.read, "parsed": result.stats.parsed},
        "families": [_family_data(result, i) for i in range(len(result.families))],
        "hazards": [{**h.as_dict(), "new": h.key in fresh} for h in result.hazards],
    }
    return outcome


def _family_data(result: ScanResult, i: int) -> dict[str, object]:
    data = result.families[i].as_dict()
    owner = result.owner.get(i)
    data["owner"] = {"spec": owner.spec, "fresh": owner.fresh} if owner else None
    data["hazards_checked"] = i in result.laid_out
    return data


def _table(result: ScanResult, new: int) -> str:
    rows = [("where", "family", "host -> mirror", "uses", "size bound", "owner")]
    for i, family in enumerate(result.families):
        owner = result.owner.get(i)
        owned = f"{owner.spec} ({'fresh' if owner.fresh else 'stale'})" if owner else "-"
        bound = "yes" if family.size_bounds else "-"
        rows.append((f"{family.file}:{family.line}", family.name, f"{family.host} -> {family.mirror}",
                     str(family.uses), bound, owned))  # fmt: skip
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    stats = result.stats
    where = ", ".join(result.abis) if result.abis else "no layouts (--layouts none)"
    acknowledged = [h for h in result.hazards if h.acknowledged]
    for h in acknowledged:
        lines.append(f"acknowledged: {h.file}:{h.line}: {h.family} {h.mirror}.{h.field} [{h.rule}]: "
                     f"unasserted on purpose ({h.by}): {h.reason}")
    lines.append(
        f"{len(result.families)} families in {stats.files} files ({stats.read} read, {stats.parsed} parsed); "
        f"hazards on {where}: {len(result.hazards) - len(acknowledged)} ({new} new)"
        + (f", {len(acknowledged)} acknowledged by specs" if acknowledged else "")
    )
    return "\n".join(lines)


