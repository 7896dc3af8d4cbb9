"""`mirrorgen import --tree KDIR (--macro NAME | --struct NAME) [-o SPEC] [--prose inline|kept]`:
a family's assert block and its mirror struct as a spec.

The spec (version 2, `kind: family`) is proved before it is written: rendered
back, it gives the block's exact bytes, so `check --tree KDIR SPEC` is exit 0
at once. What the form cannot say is exit 2 naming the construct and its line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tree", metavar="KDIR", required=True, help="the kernel tree to read")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--macro",
        metavar="NAME",
        help="the family's assert macro (FOLIO_MATCH, SLAB_MATCH, ...; `mirrorgen scan` lists them)",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every family whose host is struct page, one spec each in the directory -o names "
        "(its macro in lower case, .yaml); all are proved before any is written",
    )
    which.add_argument(
        "--struct",
        metavar="NAME",
        help="the family's mirror struct (folio, ptdesc, slab, ...): the one assert macro that "
        "compares it with its host",
    )
    parser.add_argument(
        "-o", "--output", metavar="SPEC", help="write the spec here (default: standard output)"
    )
    parser.add_argument(
        "--prose",
        choices=("inline", "kept"),
        default="inline",
        help="comment text: copied into the spec (inline, the default: apply can restore it), or "
        "kept from the tree (the spec says only 'kept'; for specs committed to a repository)",
    )


def run(args: argparse.Namespace) -> int:
    from codegen.family.importer import import_family, macro_of_struct
    from codegen.place.tree_paths import tree_root

    root = tree_root(Path(args.tree))
    if args.all:
        return _import_all(root, args)
    macro = args.macro or macro_of_struct(root, args.struct, args.tree)
    name = Path(args.output).stem if args.output else macro.lower()
    text = import_family(root, macro, name, shown_tree=args.tree, prose=args.prose)
    if not args.output:
        sys.stdout.write(text)
        return 0
    from codegen.place.atomic import write_if_changed

    state = "wrote" if write_if_changed(Path(args.output), text.encode()) else "unchanged"
    print(f"{state} {args.output}", file=sys.stderr)
    return 0


def _import_all(root: Path, args: argparse.Namespace) -> int:
    """One listing of the tree for every family; every spec proved before the first is written."""
    from codegen.errors import BadUsage
    from codegen.family.importer import import_family, page_families
    from codegen.place.atomic import check_output, write_if_changed

    if not args.output:
        raise BadUsage("--all writes one spec per family: give -o DIR")
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise BadUsage(f"-o {args.output}: not a directory (--all writes one spec per family into it)")
    macros, families = page_families(root, args.tree)
    texts = {folder / f"{m.lower()}.yaml": import_family(root, m, m.lower(), shown_tree=args.tree,
                                                         prose=args.prose, families=families)
             for m in macros}  # fmt: skip
    for path in texts:
        check_output(path)
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in texts.items():
        state = "wrote" if write_if_changed(path, text.encode()) else "unchanged"
        print(f"{state} {path.as_posix()}", file=sys.stderr)
    return 0
