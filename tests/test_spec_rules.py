"""Every semantic rule of codegen/spec/build.py: one located line, exit 2, nothing written.

Each case edits a real spec (the bundled one, or the repository's pre-patch
form for `define: false`) and names, with `@`, the exact YAML node the error
must point at: line and column are computed from the edited text, never typed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.cli import main
from tests.conftest import ROOT
from tests.specedit import Edit, both, drop_block, position, sub

BUNDLED = (ROOT / "specs" / "netmem.yaml").read_text(encoding="utf-8")
PREPATCH = (ROOT / "tests" / "specs" / "netmem-linux-6.12-prepatch.yaml").read_text(encoding="utf-8")

@dataclass(frozen=True)
class Case:
    id: str
    base: str
    edit: Edit
    at: str  # the edited text with `@` where the offending node starts
    phrase: str  # a key phrase of the message


UNION_TO_EMBEDDED = drop_block("      note: |", "         */")

CASES = [
    # ident(): a C keyword where an identifier belongs, at every kind of name
    Case("keyword-host-struct", BUNDLED, sub("  struct: page\n", "  struct: int\n"),
         "struct: @int", "host struct 'int' is a C keyword"),
    Case("keyword-insert-after", BUNDLED, sub("after: net_iov_area", "after: union"),
         "insert_asserts_after: @union", "struct 'union' is a C keyword"),
    Case("keyword-field-name", BUNDLED, sub("name: pp_magic,", "name: while,"),
         "{name: @while,", "field name 'while' is a C keyword"),
    Case("keyword-host-field", BUNDLED,
         sub("{name: pp_magic, type: unsigned long}", "{name: pp_magic, type: unsigned long, host: long}"),
         "host: @long}", "host field 'long' is a C keyword"),
    Case("keyword-mirror-struct", BUNDLED, sub("  struct: netmem_desc\n", "  struct: struct\n"),
         "struct: @struct", "mirror struct 'struct' is a C keyword"),
    Case("keyword-macro", BUNDLED, sub("macro: NETMEM_DESC_ASSERT_OFFSET", "macro: sizeof"),
         "macro: @sizeof", "macro 'sizeof' is a C keyword"),
    Case("keyword-param", BUNDLED, sub("params: [pg, desc]", "params: [pg, static]"),
         "[pg, @static]", "macro parameter 'static' is a C keyword"),
    Case("keyword-size-host-field", BUNDLED, sub("host_field: _refcount", "host_field: return"),
         "host_field: @return", "host field 'return' is a C keyword"),
    Case("keyword-alias-struct", BUNDLED, sub("  struct: net_iov\n", "  struct: enum\n"),
         "struct: @enum\n  members", "alias struct 'enum' is a C keyword"),
    Case("keyword-member-name", BUNDLED, sub("      name: desc\n", "      name: void\n"),
         "name: @void", "member name 'void' is a C keyword"),
    # ctype(): the field type grammar (its every rejection is in test_ctypes.py)
    Case("field-type", BUNDLED, sub("type: atomic_long_t}", "type: 'atomic_long_t;'}"),
         "type: @'atomic_long_t;'", "invalid C type"),
    # comment(): kernel block comments only
    Case("comment-inner-close", BUNDLED, sub("belong to a\n", "belong to a */\n"),
         "comment: @|\n    /* These fields", "no other '*/'"),
    Case("comment-unclosed", BUNDLED,
         sub("members within struct page.\n       */\n", "members within struct page.\n       *\n"),
         "comment: @|\n      /*\n       * Since", "must end with '*/'"),
    Case("comment-line-without-star", BUNDLED, sub("         * the references", "         - the references"),
         "note: @|", "line 2"),
    Case("comment-tab", BUNDLED, sub(" * the page_pool can access", " *\tthe page_pool can access"),
         "comment: @|\n      /* net_iov is", "tabs or carriage returns"),
    # target(): the header path stays inside the tree
    Case("target-absolute", BUNDLED, sub("file: include/net/netmem.h", "file: /include/net/netmem.h"),
         "file: @/include", "stay inside"),
    Case("target-dotdot", BUNDLED, sub("file: include/net/netmem.h", "file: include/../../netmem.h"),
         "file: @include/../", "stay inside"),
    Case("target-backslash", BUNDLED, sub("file: include/net/netmem.h", "file: include\\net\\netmem.h"),
         "file: @include\\net", "stay inside"),
    # fields(): names and host fields are unique
    Case("duplicate-field", BUNDLED,
         sub("{name: dma_addr, type: unsigned long}", "{name: pp, type: unsigned long, host: dma_addr}"),
         "{name: @pp, type: unsigned long", "duplicate field 'pp' (first at line "),
    Case("duplicate-host-explicit", BUNDLED,
         sub("{name: dma_addr, type: unsigned long}", "{name: dma_addr, type: unsigned long, host: pp}"),
         "host: @pp}", "already overlaid"),
    Case("duplicate-host-implicit", BUNDLED, sub("host: flags}", "host: pp_magic}"),
         "{name: @pp_magic, type", "already overlaid by '_flags'"),
    # assert_block(): two distinct parameters
    Case("same-params", BUNDLED, sub("params: [desc, iov]", "params: [iov, iov]"),
         "[iov, @iov]", "must differ"),
    # spec(): two assert blocks, two macros
    Case("same-macro", BUNDLED, sub("macro: NET_IOV_ASSERT_OFFSET", "macro: NETMEM_DESC_ASSERT_OFFSET"),
         "macro: @NETMEM_DESC_ASSERT_OFFSET\n    params: [desc", "already the mirror's"),
    # mirror(): what an undefined mirror cannot have, and where 'against' belongs
    Case("undefined-mirror-assert", BUNDLED,
         sub("  struct: netmem_desc\n", "  struct: netmem_desc\n  define: false\n"),
         "    @macro: NETMEM_DESC_ASSERT_OFFSET", "mirror.assert"),
    Case("undefined-mirror-size-limit", PREPATCH,
         sub("  define: false\n", "  define: false\n  size_limit:\n    host_field: _refcount\n"),
         "    @host_field: _refcount", "mirror.size_limit"),
    Case("undefined-mirror-comment", PREPATCH,
         sub("  define: false\n", "  define: false\n  comment: /* x */\n"),
         "comment: @/* x */", "mirror.comment"),
    Case("mirror-against", BUNDLED, sub("params: [pg, desc]\n", "params: [pg, desc]\n    against: host\n"),
         "against: @host", "'against' belongs to alias.assert"),
    # alias(): its struct, its members, how it carries the mirror fields
    Case("alias-is-mirror", BUNDLED, sub("  struct: net_iov\n", "  struct: netmem_desc\n"),
         "@netmem_desc\n  members:", "must differ"),
    Case("alias-is-host", BUNDLED, sub("  struct: net_iov\n", "  struct: page\n"),
         "@page\n  members:", "must differ"),
    Case("member-clashes-with-union-field", BUNDLED,
         sub("- struct net_iov_area *owner", "- struct net_iov_area *pp"),
         "- @struct net_iov_area *pp", "struct net_iov already has a member 'pp' (line "),
    Case("member-clashes-with-member", BUNDLED, sub("- enum net_iov_type type", "- enum net_iov_type owner"),
         "- @enum net_iov_type owner", "struct net_iov already has a member 'owner' (line "),
    Case("member-no-name", BUNDLED, sub("- enum net_iov_type type", "- enum net_iov_type"),
         "- @enum net_iov_type", "invalid member 'enum net_iov_type'"),
    Case("second-carrier", BUNDLED,
         sub("    - enum net_iov_type type\n",
             "    - enum net_iov_type type\n    - {mirror: embedded, name: d2}\n"),
         "- @{mirror: embedded", "struct net_iov can carry the mirror only once"),
    Case("carrier-of-undefined-mirror", PREPATCH,
         sub("    - field: pp_ref_count\n",
             "    - field: pp_ref_count\n    - {mirror: embedded, name: desc}\n"),
         "{mirror: @embedded", "'embedded'"),
    Case("note-on-embedded", BUNDLED, sub("- mirror: union", "- mirror: embedded"),
         "note: @|", "'embedded' has none"),
    Case("field-not-in-mirror", PREPATCH, sub("- field: pp_magic", "- field: pp_magik"),
         "field: @pp_magik", "'pp_magik' is not a field of struct netmem_desc"),
    Case("carrier-and-inline-fields", BUNDLED,
         both(UNION_TO_EMBEDDED, sub("- mirror: union", "- mirror: embedded"),
              sub("    - enum net_iov_type type\n", "    - enum net_iov_type type\n    - field: pp\n")),
         "    @- mirror: embedded", "{field: ...}"),
    Case("inline-field-missing", PREPATCH, sub("    - field: dma_addr\n", ""),
         "    @- unsigned long __unused_padding", "struct net_iov lacks mirror field 'dma_addr'"),
    Case("no-carrier", BUNDLED, drop_block("    - mirror: union", "         */"),
         "    @- struct net_iov_area *owner", "struct net_iov carries no mirror fields"),
    # alias_asserts(): what the alias asserts can compare
    Case("embedded-with-asserts", BUNDLED,
         both(UNION_TO_EMBEDDED, sub("- mirror: union", "- mirror: embedded")),
         "    @macro: NET_IOV_ASSERT_OFFSET", "embedded"),
    Case("against-undefined-mirror", PREPATCH, sub("    against: host\n", "    against: mirror\n"),
         "against: @mirror", "not defined"),
]

_SIZE_COMMENT = drop_block("    comment: |\n      /*\n       * Since", "       */")
_MIRROR_COMMENT = drop_block("  comment: |\n    /* These fields", "    */\n  fields:")
CASES += [
    Case("comment-slash-star-slash", BUNDLED,
         both(_SIZE_COMMENT,
              sub("    host_field: _refcount\n", "    host_field: _refcount\n    comment: '/*/'\n")),
         "comment: @'/*/'", "must end with '*/'"),
    Case("comment-carriage-return", BUNDLED,
         both(_MIRROR_COMMENT,
              sub("  struct: netmem_desc\n", '  struct: netmem_desc\n  comment: "/* a\\r b */"\n')),
         'comment: @"/* a', "tabs or carriage returns"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_is_one_located_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    text = case.edit(case.base)
    assert text != case.base
    spec = tmp_path / "netmem.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["generate", str(spec), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    line, col = position(text, case.at)
    prefix = f"{spec}:{line}:{col}: "
    assert captured.err.startswith(prefix), (prefix, captured.err)
    assert case.phrase in captured.err, captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""
    assert not out.exists()


def test_duplicate_field_names_the_first_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c.id == "duplicate-field")
    text = case.edit(case.base)
    spec = tmp_path / "netmem.yaml"
    spec.write_text(text, encoding="utf-8")
    assert main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    first, _ = position(text, "{name: @pp, type: struct page_pool *}")
    assert f"(first at line {first})" in capsys.readouterr().err


def test_member_clash_names_the_union_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c.id == "member-clashes-with-union-field")
    text = case.edit(case.base)
    spec = tmp_path / "netmem.yaml"
    spec.write_text(text, encoding="utf-8")
    assert main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    union, _ = position(text, "- mirror: @union")
    assert re.search(rf"already has a member 'pp' \(line {union}\)", capsys.readouterr().err)
