"""The shape of C text, as `check` reads it: re-exported from the one C reader."""

from __future__ import annotations

from codegen.creader.shape import MacroShape, MemberShape, Shape, SizeAssertShape, StructShape, extract
from codegen.creader.syntax import parse

__all__ = ["MacroShape", "MemberShape", "Shape", "SizeAssertShape", "StructShape", "extract", "parse"]
