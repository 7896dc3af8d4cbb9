"""The assert construct's C text for Python readers, from the same macros the templates use.

kbuild's diagnosis matches gcc's quoted expressions and verify finds each assert in
the formatted text; both ask here, so a change to `_macros.j2` reaches them too.
"""

from __future__ import annotations

from typing import Any

from codegen.render import environment
from codegen.spec.model import AssertUse, OffsetsEqual, SizeWithin


def _macros() -> Any:
    return environment().get_template("_macros.j2").module


def expression(check: OffsetsEqual | SizeWithin) -> str:
    """`offsetof(struct page, pp) == offsetof(struct netmem_desc, pp)`, or the size comparison."""
    macros = _macros()
    if isinstance(check, SizeWithin):
        return str(macros.size_within(check))
    return str(macros.offsets_equal(check))


def use(u: AssertUse) -> str:
    """`NETMEM_DESC_ASSERT_OFFSET(pp, pp)`, as the template writes it (without the `;`)."""
    return str(_macros().use(u))


def size_assert(check: SizeWithin) -> str:
    """`static_assert(sizeof(struct netmem_desc) <= offsetof(struct page, _refcount))`."""
    return str(_macros().static_assert(expression(check)))
