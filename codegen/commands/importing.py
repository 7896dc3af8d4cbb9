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
