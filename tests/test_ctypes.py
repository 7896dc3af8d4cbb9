"""The C type grammar of codegen/spec/ctypes.py: what it accepts (and how it spells it), what it refuses.

A spec's type string lands verbatim in a kernel header, so every refusal
matters as much as every acceptance. The spec-level message for a refused
type is covered in test_spec_rules.py; this file covers the grammar itself.
"""

from __future__ import annotations

import pytest

from codegen.spec.ctypes import CTypeError, is_identifier, normalize_type, split_declaration

ACCEPTED = [
    # (as written, canonical spelling)
    ("unsigned long", "unsigned long"),
    ("const unsigned long", "const unsigned long"),
    ("unsigned long const", "const unsigned long"),
    ("volatile int", "volatile int"),
    ("const volatile int", "const volatile int"),
    ("const struct page *", "const struct page *"),
    ("struct page * const", "struct page *const"),
    ("const struct page *const", "const struct page *const"),
    ("const char * const *", "const char *const *"),
    ("char **", "char **"),
    ("int *volatile *const", "int *volatile *const"),
    ("unsigned long long", "unsigned long long"),
    ("long long unsigned int", "long long unsigned int"),
    ("signed char", "signed char"),
    ("unsigned char", "unsigned char"),
    ("short int", "short int"),
    ("signed short", "signed short"),
    ("long int", "long int"),
    ("_Bool", "_Bool"),
    ("struct page_pool *", "struct page_pool *"),
    ("union page_mem", "union page_mem"),
    ("enum net_iov_type", "enum net_iov_type"),
    ("const enum net_iov_type *", "const enum net_iov_type *"),
    ("void *", "void *"),
    ("const void *const", "const void *const"),
    ("atomic_long_t", "atomic_long_t"),
    ("u32 *", "u32 *"),
    # spacing is normalised: runs of blanks, tabs, newlines, no blank before '*'
    ("  struct   page_pool*", "struct page_pool *"),
    ("unsigned\tlong", "unsigned long"),
    ("unsigned\nlong", "unsigned long"),
    ("struct page*const*", "struct page *const *"),
]


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED, ids=[a for a, _ in ACCEPTED])
def test_accepted_type_and_its_spelling(text: str, canonical: str) -> None:
    assert normalize_type(text) == canonical
    assert normalize_type(canonical) == canonical  # the canonical spelling is a fixed point


REFUSED = [
    # (text, id, key phrase of the message)
    ("unsigned long;", "semicolon", "';' cannot appear in a C type"),
    ("struct { int a; }", "braces", "'{' cannot appear in a C type"),
    ("struct page }", "closing-brace", "'}' cannot appear in a C type"),
    ("int a, b", "second-declarator-comma", "',' cannot appear in a C type"),
    ("unsigned long pp", "declarator", "unexpected 'pp' after the type"),
    ("atomic_long_t atomic_long_t", "two-typedef-names", "unexpected 'atomic_long_t' after the type"),
    ("DECLARE_BITMAP(x, 3)", "macro-call", "'(' cannot appear in a C type"),
    ("int (*fn)(void)", "function-pointer", "'(' cannot appear in a C type"),
    ("int /* x */", "block-comment", "'/' cannot appear in a C type"),
    ("int // x", "line-comment", "'/' cannot appear in a C type"),
    ("#define x", "preprocessor", "'#' cannot appear in a C type"),
    ("int\n#include <x>", "preprocessor-line", "'#' cannot appear in a C type"),
    ("int[4]", "array", "'[' cannot appear in a C type"),
    ("char name[16]", "array-declarator", "'[' cannot appear in a C type"),
    ("int = 3", "initialiser", "'=' cannot appear in a C type"),
    ("int:3", "bitfield", "':' cannot appear in a C type"),
    ("\u00fcnsigned", "non-ascii", "'\u00fc' cannot appear in a C type"),
    ("", "empty", "empty C type"),
    ("   ", "blank", "empty C type"),
    ("const", "only-qualifier", "expected a base type, got 'nothing'"),
    ("*", "only-star", "expected a base type, got '*'"),
    ("void", "bare-void", "expected a base type, got 'void'"),
    ("static int", "storage-class", "expected a base type, got 'static'"),
    ("typeof(x)", "typeof", "'(' cannot appear in a C type"),
    ("struct", "tag-without-name", "'struct' must be followed by a tag name"),
    ("union *", "tag-then-star", "'union' must be followed by a tag name"),
    ("enum int", "tag-keyword", "'enum' must be followed by a tag name"),
    ("unsigned signed int", "two-signs", "'unsigned signed int' is not a valid arithmetic type"),
    ("long long long", "three-longs", "'long long long' is not a valid arithmetic type"),
    ("int int", "int-twice", "'int int' is not a valid arithmetic type"),
    ("short short", "short-twice", "'short short' is not a valid arithmetic type"),
    ("long char", "long-char", "'long char' is not a valid arithmetic type"),
    ("short char", "short-char", "'short char' is not a valid arithmetic type"),
    ("unsigned _Bool", "signed-bool", "'unsigned _Bool' is not a valid arithmetic type"),
    ("const * int", "star-before-base", "expected a base type, got '*'"),
    ("int * int", "base-after-star", "unexpected 'int' after the type"),
]


@pytest.mark.parametrize(("text", "phrase"), [(t, p) for t, _, p in REFUSED], ids=[i for _, i, _ in REFUSED])
def test_refused_type_says_why(text: str, phrase: str) -> None:
    with pytest.raises(CTypeError) as caught:
        normalize_type(text)
    assert phrase in str(caught.value)


DECLARATIONS = [
    ("struct net_iov_area *owner", ("struct net_iov_area *", "owner")),
    ("enum net_iov_type type", ("enum net_iov_type", "type")),
    ("unsigned long __unused_padding;", ("unsigned long", "__unused_padding")),
    ("  const  char*name ;", ("const char *", "name")),
    ("struct owner *owner", ("struct owner *", "owner")),
    ("struct page *const page", ("struct page *const", "page")),
]


@pytest.mark.parametrize(("text", "split"), DECLARATIONS, ids=[d for d, _ in DECLARATIONS])
def test_member_declaration_splits(text: str, split: tuple[str, str]) -> None:
    assert split_declaration(text) == split


BAD_DECLARATIONS = [
    ("owner", "expected one member declaration"),
    ("", "expected one member declaration"),
    ("struct page *", "expected one member declaration"),
    ("struct page *int", "expected one member declaration"),
    ("int a, b", "',' cannot appear in a C type"),
    ("int a; int b", "';' cannot appear in a C type"),
    ("int a b", "unexpected 'a' after the type"),
    ("int a[2]", "'[' cannot appear in a C type"),
    ("int a /* x */", "'/' cannot appear in a C type"),
    ("struct owner", "'struct' must be followed by a tag name"),
]


@pytest.mark.parametrize(("text", "phrase"), BAD_DECLARATIONS, ids=[t or "-" for t, _ in BAD_DECLARATIONS])
def test_refused_declaration_says_why(text: str, phrase: str) -> None:
    with pytest.raises(CTypeError) as caught:
        split_declaration(text)
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("name", "ok"),
    [("pp", True), ("_pp_mapping_pad", True), ("u32", True), ("x9", True), ("9x", False), ("pp-magic", False),
     ("", False), ("int", False), ("_Bool", False), ("typeof", False), ("__attribute__", False),
     ("static_assert", False), ("pp\n", False)],
)  # fmt: skip
def test_is_identifier(name: str, ok: bool) -> None:
    assert is_identifier(name) is ok
