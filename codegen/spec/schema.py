"""The spec's JSON Schema as a validator, compiled by fastjsonschema.

Compiling takes ~25 ms, so the compiled code is kept in the cache. It is code:
it runs only when sealed to this exact schema, fastjsonschema and Python
(codegen.cachefiles); anything else is compiled afresh.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from codegen.cachefiles import cache_root, read_sealed, write_sealed

SCHEMA = Path(__file__).resolve().parent / "schema.json"
FAMILY_SCHEMA = SCHEMA.with_name("family_schema.json")  # spec version 2, `kind: family`


@cache
def validator(source: Path = SCHEMA) -> Callable[[Any], Any]:
    import fastjsonschema

    schema = source.read_bytes()
    tag = sys.implementation.cache_tag
    context = f"schema:{fastjsonschema.VERSION}:{tag}:" + schema.decode()
    stem = "spec" if source == SCHEMA else source.stem
    entry = cache_root() / "schema" / f"{stem}.{tag}"
    payload = read_sealed(entry, context)
    code = None
    if payload is not None:
        try:
            code = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            code = None
    if code is None:
        import json

        python = fastjsonschema.compile_to_code(json.loads(schema))
        code = compile(python, "<mirrorgen spec schema>", "exec")
        write_sealed(entry, context, marshal.dumps(code))
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the sealed or freshly compiled validator, never a stray entry
    entry_point: Callable[[Any], Any] = namespace[_entry_name(namespace)]
    return entry_point


def _entry_name(namespace: dict[str, Any]) -> str:
    """fastjsonschema names its top function after the schema's $id: the first `validate*`."""
    return next(name for name in namespace if name.startswith("validate"))
