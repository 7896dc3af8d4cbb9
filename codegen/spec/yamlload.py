"""Safe YAML loading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we turn them into plain Python
values and a map from value path to (line, column), so that schema and
semantic errors can point at the YAML text. Anchors, aliases, merge keys,
duplicate keys and non-core tags are refused: a spec is plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codegen.errors import InputError

MAX_SPEC_BYTES = 256 * 1024

PathKey = tuple[str | int, ...]

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_SCALARS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:float",
}
_COLLECTIONS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass
class Document:
    """A loaded spec: its data and where each value (and mapping key) starts."""

    path: str
    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    block_scalars: set[PathKey] = field(default_factory=set)  # `|` or `>`: the text starts a line below

    def where(self, key: PathKey) -> tuple[int, int]:
        """Line and column (1-based) of the value at `key`, or of its nearest parent."""
        while key not in self.marks and key:
            key = key[:-1]
        return self.marks.get(key, (1, 1))

    def where_key(self, key: PathKey) -> tuple[int, int]:
        """Line and column of a mapping key itself (for unknown keys)."""
        return self.key_marks.get(key) or self.where(key)

    def error(self, key: PathKey, message: str, *, at_key: bool = False) -> InputError:
        line, col = self.where_key(key) if at_key else self.where(key)
        return InputError(self.path, line, col, message)


def load(path: Path, display: str) -> Document:
    return loads(read_spec(path, display), display)


def read_spec(path: Path, display: str) -> bytes:
    try:
        with path.open("rb") as handle:  # bounded: a device or a huge file is not read to the end
            return handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise InputError(display, 1, 1, "spec file not found") from None
    except OSError as exc:
        raise InputError(display, 1, 1, f"cannot read spec: {exc.strerror}") from None


def loads(raw: bytes, display: str) -> Document:
    if len(raw) > MAX_SPEC_BYTES:
        raise InputError(display, 1, 1, f"spec is over {MAX_SPEC_BYTES} bytes, the limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(display, line, 1, "spec is not valid UTF-8") from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        raise _control_character(text, display, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(display, line, col, f"malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(display, 1, 1, f"malformed YAML: {exc}") from None
    doc = Document(display, None)
    if node is None:
        raise InputError(display, 1, 1, "spec is empty")
    if not isinstance(node, yaml.MappingNode):
        line, col = _mark(node)
        raise InputError(display, line, col, "the spec must be a mapping (key: value lines), "
                         f"not a {'list' if isinstance(node, yaml.SequenceNode) else 'single value'}")
    try:
        doc.data = _convert(node, (), doc, set())
    except _ScalarError as exc:
        raise InputError(display, exc.line, exc.col, exc.message) from None
    return doc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, key: PathKey, doc: Document, seen: set[int]) -> Any:
    if id(node) in seen:
        line, col = _mark(node)
        raise InputError(
            doc.path, line, col, "YAML anchors and aliases are not allowed in a spec (anchored here)"
        )
    seen.add(id(node))
    doc.marks[key] = _mark(node)
    if node.tag not in _SCALARS | _COLLECTIONS:
        line, col = _mark(node)
        raise InputError(doc.path, line, col, f"YAML tag '{node.tag}' is not allowed in a spec")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            if id(knode) in seen:  # an alias used as a key is an alias all the same
                line, col = _mark(knode)
                raise InputError(doc.path, line, col, "YAML anchors and aliases are not allowed in a spec")
            seen.add(id(knode))
            if knode.tag == "tag:yaml.org,2002:merge":
                line, col = _mark(knode)
                raise InputError(doc.path, line, col, "YAML merge keys ('<<') are not allowed")
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != "tag:yaml.org,2002:str":
                line, col = _mark(knode)
                raise InputError(doc.path, line, col, "mapping keys must be plain strings")
            name = knode.value
            if name in out:
                line, col = _mark(knode)
                raise InputError(doc.path, line, col, f"duplicate key '{name}'")
            doc.key_marks[(*key, name)] = _mark(knode)
            out[name] = _convert(vnode, (*key, name), doc, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*key, i), doc, seen) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.style in ("|", ">"):
        doc.block_scalars.add(key)
    return _scalar(node)


# Only scalar construction is borrowed from PyYAML; no loader is run twice.
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _scalar(node: yaml.ScalarNode) -> Any:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:  # e.g. an integer of 5000 digits
        line, col = _mark(node)
        problem = " ".join(str(exc).split())[:120]
        raise _ScalarError(line, col, f"cannot read this value: {problem}") from None


class _ScalarError(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


# What YAML forbids in a stream (PyYAML's reader rule); libyaml reports only an offset.
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _control_character(text: str, display: str, exc: yaml.reader.ReaderError) -> InputError:
    found = _NON_PRINTABLE.search(text)
    if found is None:
        return InputError(display, 1, 1, f"malformed YAML: {exc.reason}")
    line = text.count("\n", 0, found.start()) + 1
    col = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return InputError(display, line, col, f"control character U+{ord(found.group()):04X} is not allowed "
                      "in YAML; write it as an escape in a double-quoted string, or remove it")
