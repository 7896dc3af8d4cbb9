"""What codegen/spec/yamlload.py refuses before any schema sees the data, each at its YAML node.

A spec is plain data: no merge keys, no keys but strings, no anchors or
aliases, no duplicate keys, no tags beyond YAML's core scalars and
collections, at most 256 KiB (README). Each case edits the bundled spec and
marks with `@` where the error must point; exit 2, one line, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT
from tests.specedit import Edit, both, position, sub

BUNDLED = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")
LIMIT = 256 * 1024  # README: "at most 256 KiB"

AFTER_MIRROR_STRUCT = "  struct: netmem_desc\n"


def in_mirror(line: str) -> Edit:
    """Add `line` to the mirror mapping, right after its struct key."""
    return sub(AFTER_MIRROR_STRUCT, AFTER_MIRROR_STRUCT + line + "\n")


MERGE = "merge keys ('<<') are not allowed"
NOT_STRING = "mapping keys must be plain strings"
ALIAS = "anchors and aliases are not allowed"
TAG = "is not allowed in a spec"

CASES: list[tuple[str, Edit, str, str]] = [
    # (id, edit, `@`-marked node, key phrase)
    ("merge-block", sub("    params: [pg, desc]\n", "    params: [pg, desc]\n    <<: {comment: '/* x */'}\n"),
     "    @<<: {comment", MERGE),
    ("merge-flow",
     sub("{name: pp_magic, type: unsigned long}", "{name: pp_magic, <<: {type: unsigned long}}"),
     "{name: pp_magic, @<<:", MERGE),
    ("merge-of-alias",
     both(sub("  assert:\n    macro: NETMEM", "  assert: &a\n    macro: NETMEM"),
          sub("    params: [desc, iov]\n", "    params: [desc, iov]\n    <<: *a\n")),
     "    @<<: *a", MERGE),
    ("key-int", in_mirror("  1: x"), "  @1: x", NOT_STRING),
    ("key-float", in_mirror("  1.5: x"), "  @1.5: x", NOT_STRING),
    ("key-null-tilde", in_mirror("  ~: x"), "  @~: x", NOT_STRING),
    ("key-null-word", in_mirror("  null: x"), "  @null: x", NOT_STRING),
    ("key-empty", in_mirror("  ?\n  : x"), "  ?@\n  : x", NOT_STRING),
    ("key-bool", in_mirror("  true: x"), "  @true: x", NOT_STRING),
    ("key-yaml11-bool", in_mirror("  off: x"), "  @off: x", NOT_STRING),
    ("key-flow-list", in_mirror("  [a, b]: x"), "  @[a, b]: x", NOT_STRING),
    ("key-explicit-list", in_mirror("  ? [a, b]\n  : x"), "  ? @[a, b]", NOT_STRING),
    ("key-explicit-map", in_mirror("  ? {a: 1}\n  : x"), "  ? @{a: 1}", NOT_STRING),
    ("key-in-flow-map", sub("{name: pp_magic, type: unsigned long}", "{name: pp_magic, 7: unsigned long}"),
     "pp_magic, @7: unsigned", NOT_STRING),
    ("key-tagged-int", in_mirror("  !!int 3: x"), "  @!!int 3: x", NOT_STRING),
    ("alias-of-scalar",
     both(sub("macro: NETMEM_DESC_ASSERT_OFFSET", "macro: &m NETMEM_DESC_ASSERT_OFFSET"),
          sub("macro: NET_IOV_ASSERT_OFFSET", "macro: *m")),
     "macro: @&m", ALIAS),
    ("alias-of-mapping",
     both(sub("  assert:\n    macro: NETMEM", "  assert: &a\n    macro: NETMEM"),
          sub("  # NET_IOV_ASSERT_OFFSET(mirror field", "  x: *a\n  # NET_IOV_ASSERT_OFFSET(mirror field")),
     "  assert: @&a", ALIAS),
    ("alias-of-sequence",
     both(sub("params: [pg, desc]", "params: &p [pg, desc]"), sub("params: [desc, iov]", "params: *p")),
     "params: @&p", ALIAS),
    ("duplicate-key-block", sub("  struct: page\n", "  struct: page\n  struct: folio\n"),
     "  @struct: folio", "duplicate key 'struct'"),
    ("duplicate-key-quoted", sub("  struct: page\n", "  struct: page\n  \"struct\": folio\n"),
     '  @"struct": folio', "duplicate key 'struct'"),
    ("duplicate-key-flow",
     sub("{name: pp_magic, type: unsigned long}", "{name: pp_magic, name: pp, type: u32}"),
     "pp_magic, @name: pp,", "duplicate key 'name'"),
    ("tag-python", sub("version: 1", "version: !!python/object/apply:os.system [true]"),
     "version: @!!python", "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' " + TAG),
    ("tag-binary", sub("type: atomic_long_t}", "type: !!binary YXRvbWlj}"),
     "type: @!!binary", "YAML tag 'tag:yaml.org,2002:binary' " + TAG),
    ("tag-timestamp-implicit", sub("type: atomic_long_t}", "type: 2001-12-14}"),
     "type: @2001-12-14", "YAML tag 'tag:yaml.org,2002:timestamp' " + TAG),
    ("tag-set", sub("params: [pg, desc]", "params: !!set {pg, desc}"),
     "params: @!!set", "YAML tag 'tag:yaml.org,2002:set' " + TAG),
    ("tag-omap", sub("params: [pg, desc]", "params: !!omap [pg: 1, desc: 2]"),
     "params: @!!omap", "YAML tag 'tag:yaml.org,2002:omap' " + TAG),
    ("tag-local", sub("struct: page\n", "struct: !page page\n"), "struct: @!page", "YAML tag '!page' " + TAG),
    ("tag-verbatim", sub("struct: page\n", "struct: !<tag:example.com,2026:x> page\n"),
     "struct: @!<tag", "YAML tag 'tag:example.com,2026:x' " + TAG),
]  # fmt: skip


def run_generate(tmp_path: Path, text: str) -> tuple[int, Path, Path]:
    spec = tmp_path / "netmem.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    return main(["generate", str(spec), "--out", str(out)]), spec, out


@pytest.mark.parametrize(("edit", "at", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_at_its_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit, at: str, phrase: str
) -> None:
    text = edit(BUNDLED)
    code, spec, out = run_generate(tmp_path, text)
    err = capsys.readouterr().err
    assert code == 2, err
    line, col = position(text, at)
    assert err.startswith(f"{spec}:{line}:{col}: "), err
    assert phrase in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_alias_as_a_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = both(
        sub("  struct: netmem_desc\n", "  &k struct: netmem_desc\n"),
        sub("  struct: net_iov\n", "  *k : net_iov\n"),
    )(BUNDLED)
    code, spec, out = run_generate(tmp_path, text)
    err = capsys.readouterr().err
    assert code == 2
    line, col = position(text, "  @&k struct")
    assert err.startswith(f"{spec}:{line}:{col}: ") and ALIAS in err
    assert not out.exists()


@pytest.mark.parametrize(
    "edit",
    [
        sub("version: 1", "version: !!int 1"),
        sub("type: atomic_long_t}", "type: !!str atomic_long_t}"),
        sub("params: [pg, desc]", "params: !!seq [pg, desc]"),
        sub("  struct: page\n", "  'struct': page\n"),
    ],
    ids=["int", "str", "seq", "quoted-key"],
)
def test_core_tags_and_quoted_keys_are_plain_data(tmp_path: Path, edit: Edit) -> None:
    """The refusals above are about kinds of node, not spelling: these load as the bundled spec does."""
    code, _, out = run_generate(tmp_path, edit(BUNDLED))
    assert code == 0
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "netmem.yaml").write_text(BUNDLED, encoding="utf-8")
    assert main(["generate", str(reference / "netmem.yaml"), "--out", str(reference / "out")]) == 0
    ours = (out / "netmem.h").read_text(encoding="utf-8")
    theirs = (reference / "out" / "netmem.h").read_text(encoding="utf-8")
    # The banner names the spec path and holds a checksum; the constructs below it must be equal.
    assert ours.split("#ifndef", 1)[1] == theirs.split("#ifndef", 1)[1]


def padded(size: int) -> str:
    """The bundled spec padded with a trailing comment to exactly `size` bytes."""
    base = BUNDLED.encode()
    filler = size - len(base) - 2
    assert filler > 0
    text = BUNDLED + "#" + "x" * filler + "\n"
    assert len(text.encode()) == size
    return text


def test_spec_at_the_size_limit_loads(tmp_path: Path) -> None:
    code, _, out = run_generate(tmp_path, padded(LIMIT))
    assert code == 0
    assert (out / "netmem.h").is_file()


def test_one_byte_over_the_size_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, spec, out = run_generate(tmp_path, padded(LIMIT + 1))
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"{spec}:1:1: spec is over {LIMIT} bytes, the limit\n"
    assert not out.exists()


def test_deep_nesting_is_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Well under the size limit, a deeply nested value must not exhaust the converter's recursion."""
    text = BUNDLED.replace("version: 1", "version: " + "[" * 5000 + "]" * 5000)
    code, spec, out = run_generate(tmp_path, text)
    err = capsys.readouterr().err
    assert code == 2
    line, _ = position(text, "@version: [[[")
    assert err.startswith(f"{spec}:{line}:") and "malformed YAML" in err and err.count("\n") == 1, err
    assert not out.exists()
