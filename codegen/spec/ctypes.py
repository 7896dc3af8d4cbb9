"""A strict grammar for the C types and member declarations a spec may hold.

A spec's type string ends up verbatim in a kernel header, so it must not be
able to carry anything but a type: no `;`, braces, parentheses, second
declarator, macro call, comment or preprocessor text. Accepted:

    [const|volatile]... BASE ['*' [const|volatile]...]...

where BASE is a run of arithmetic keywords (`unsigned long`, `char`, ...),
`struct|union|enum TAG`, `void` before a `*`, or one typedef name (`atomic_long_t`, `u32`).
"""

from __future__ import annotations

import re

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\*)|(\S))")

QUALIFIERS = frozenset({"const", "volatile"})
ARITHMETIC = frozenset({"signed", "unsigned", "short", "long", "int", "char", "_Bool"})
TAGS = frozenset({"struct", "union", "enum"})
KEYWORDS = frozenset(
    {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
        "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
        "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
        "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
        "_Atomic", "_Alignas", "_Alignof", "_Static_assert", "static_assert", "typeof",
        "__typeof__", "__attribute__", "asm", "__asm__",
    }
)  # fmt: skip


# Names the kernel's headers define as macros or compiler attributes
# (include/linux/compiler_types.h, compiler_attributes.h, asm/current.h, build_bug.h,
# rwonce.h, stddef.h, kernel.h ...): as a field, member, struct or parameter name
# they expand into something else, and the header no longer compiles.
RESERVED = frozenset(
    {
        "current", "__user", "__kernel", "__iomem", "__percpu", "__rcu", "__force", "__bitwise",
        "__private", "__safe", "__nocast", "__must_hold", "__acquires", "__releases", "__cond_lock",
        "__packed", "__aligned", "__attribute", "__always_inline", "__inline", "__inline__",
        "__randomize_layout", "__no_randomize_layout", "randomized_struct_fields_start",
        "randomized_struct_fields_end", "__designated_init", "__counted_by", "__nonstring",
        "__must_check", "__pure", "__cold", "__hot", "__weak", "__used", "__maybe_unused",
        "__always_unused", "__unused", "__init", "__exit", "__initdata", "__section", "__noreturn",
        "__noinline", "noinline", "__deprecated", "__printf", "__scanf", "__malloc", "__mode",
        "__gnu_inline", "__naked", "__noclone", "__nostackprotector", "__visible", "__flatten",
        "__cacheline_aligned", "____cacheline_aligned", "__cacheline_aligned_in_smp",
        "____cacheline_aligned_in_smp", "__read_mostly", "__ro_after_init", "__latent_entropy",
        "__stringify", "__same_type", "__must_be_array", "__builtin_offsetof", "__counted_by_ptr",
        "likely", "unlikely", "READ_ONCE", "WRITE_ONCE", "BUILD_BUG_ON", "BUILD_BUG_ON_MSG",
        "BUILD_BUG_ON_ZERO", "BUG_ON", "BUG", "WARN_ON", "WARN_ON_ONCE", "WARN", "offsetof",
        "offsetofend", "sizeof_field", "container_of", "ARRAY_SIZE", "NULL", "true", "false",
        "bool", "min", "max", "min_t", "max_t", "clamp", "swap", "barrier", "smp_mb", "smp_rmb",
        "smp_wmb", "static_assert", "typeof_member", "DECLARE_BITMAP", "BITS_PER_LONG",
        "PAGE_SIZE", "PAGE_SHIFT", "EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL", "asmlinkage",
        "notrace", "fallthrough", "unreachable", "ACCESS_ONCE", "rcu_dereference",
    }
)  # fmt: skip


# Reserved as names, yet types: the kernel's own typedefs among RESERVED.
TYPEDEF_NAMES = frozenset({"bool"})


class CTypeError(ValueError):
    """The text is not a type (or declaration) this grammar accepts."""


def is_identifier(name: str) -> bool:
    return bool(IDENT.match(name)) and name not in KEYWORDS and name not in RESERVED


def not_identifier(name: str) -> str:
    """Why `name` cannot be a C identifier in a kernel header (for an error message)."""
    if not IDENT.match(name):
        return "is not a C identifier"
    if name in KEYWORDS:
        return "is a C keyword, not an identifier"
    return "is a macro or attribute the kernel defines, so it cannot name anything in the header"


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None
        if m.group(3) is not None:
            raise CTypeError(f"'{m.group(3)}' cannot appear in a C type")
        out.append(m.group(1) or m.group(2))
        pos = m.end()
    return out


def normalize_type(text: str) -> str:
    """Return the canonical spelling of a type (`struct page_pool *`) or raise CTypeError."""
    toks = _tokens(text)
    if not toks:
        raise CTypeError("empty C type")
    i = 0
    quals: list[str] = []
    while i < len(toks) and toks[i] in QUALIFIERS:
        quals.append(toks[i])
        i += 1
    base: list[str] = []
    if i < len(toks) and toks[i] in TAGS:
        if i + 1 >= len(toks) or not is_identifier(toks[i + 1]):
            raise CTypeError(f"'{toks[i]}' must be followed by a tag name")
        base = toks[i : i + 2]
        i += 2
    elif i < len(toks) and toks[i] in ARITHMETIC:
        while i < len(toks) and toks[i] in ARITHMETIC:
            base.append(toks[i])
            i += 1
        _check_arithmetic(base)
    elif i + 1 < len(toks) and toks[i] == "void" and toks[i + 1] == "*":
        base = ["void"]
        i += 1
    elif i < len(toks) and (is_identifier(toks[i]) or toks[i] in TYPEDEF_NAMES):
        base = [toks[i]]
        i += 1
    elif i < len(toks) and toks[i] in RESERVED:
        raise CTypeError(f"'{toks[i]}' is a macro or attribute the kernel defines, not a type")
    else:
        got = toks[i] if i < len(toks) else "nothing"
        raise CTypeError(f"expected a base type, got '{got}'")
    while i < len(toks) and toks[i] in QUALIFIERS:
        quals.append(toks[i])
        i += 1
    stars: list[str] = []
    while i < len(toks) and toks[i] == "*":
        stars.append("*")
        i += 1
        while i < len(toks) and toks[i] in QUALIFIERS:
            stars.append(toks[i])
            i += 1
    if i < len(toks):
        raise CTypeError(f"unexpected '{toks[i]}' after the type (one type, no declarator or macro)")
    head = " ".join([*quals, *base])
    if not stars:
        return head
    tail = ""
    for tok in stars:
        tail += tok if tok == "*" else f" {tok} "
    return f"{head} {tail.strip()}".replace("* ", "*")


def _check_arithmetic(words: list[str]) -> None:
    signs = sum(w in ("signed", "unsigned") for w in words)
    longs = words.count("long")
    if signs > 1 or longs > 2 or len(set(words) - {"long"}) != len(words) - longs:
        raise CTypeError(f"'{' '.join(words)}' is not a valid arithmetic type")
    if ("char" in words and ("short" in words or longs)) or ("_Bool" in words and len(words) > 1):
        raise CTypeError(f"'{' '.join(words)}' is not a valid arithmetic type")


def split_declaration(text: str) -> tuple[str, str]:
    """Split one plain member declaration (`struct net_iov_area *owner`) into (type, name)."""
    body = text.strip()
    if body.endswith(";"):
        body = body[:-1]
    toks = _tokens(body)
    if len(toks) >= 2 and toks[-1] in RESERVED:
        raise CTypeError(f"'{toks[-1]}' is a macro or attribute the kernel defines, not a member name")
    if len(toks) < 2 or not is_identifier(toks[-1]):
        raise CTypeError("expected one member declaration: a C type followed by a name")
    name = toks[-1]
    type_text = body[: body.rstrip().rfind(name)]
    return normalize_type(type_text), name
