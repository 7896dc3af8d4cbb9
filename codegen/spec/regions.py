"""The regions a spec owns in a header, by name, in the order a header places them.

R1 the mirror block, R2 the alias struct, R3 the alias's assert block. A spec
fact (which regions exist follows from the model alone), so render, place and
verify all take the names from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codegen.spec.model import Spec

MIRROR, ALIAS, ALIAS_ASSERTS = "mirror", "alias", "alias_asserts"


def region_names(spec: Spec) -> list[str]:
    """The regions a spec owns, in header order."""
    names = [MIRROR] if spec.mirror.define else []
    if spec.alias:
        names.append(ALIAS)
        if spec.alias.asserts:
            names.append(ALIAS_ASSERTS)
    return names
