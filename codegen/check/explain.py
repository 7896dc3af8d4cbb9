"""Say what differs between the text a spec produces and the text found, in kernel terms.

Both sides are read into shapes (creader.shape); each owned construct is
compared member by member, so a finding reads like
"struct net_iov: anonymous struct lacks field 'dma_addr' present in struct netmem_desc".
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.creader.shape import MacroShape, MemberShape, Shape, extract
from codegen.spec.model import AssertBlock, Comment, Loc, Spec


@dataclass(frozen=True)
class Reason:
    line: int  # line in the found text; 0 when the construct is absent altogether
    message: str
    spec: Loc | None


def explain(expected: str, found: str, spec: Spec) -> list[Reason]:
    want, have = extract(expected.encode()), extract(found.encode())
    reasons: list[Reason] = []
    if spec.mirror.define:
        reasons += _struct(want, have, spec.mirror.struct, spec, spec.mirror.loc)
        if spec.mirror.asserts:
            reasons += _macro(want, have, spec.mirror.asserts, spec)
        if spec.mirror.size_limit:
            reasons += _size(want, have, spec)
    if spec.alias:
        reasons += _struct(want, have, spec.alias.struct, spec, spec.alias.loc)
        if spec.alias.asserts:
            reasons += _macro(want, have, spec.alias.asserts, spec)
    return sorted(reasons, key=lambda r: r.line)  # in the order a reader meets them


def _comment_loc(comment: Comment | None, exp: str | None, got: str | None, default: Loc) -> Loc:
    """The spec line of the first comment line that differs (the `comment:` key if unknown)."""
    if comment is None:
        return default
    exp_lines, got_lines = (exp or "").splitlines(), (got or "").splitlines()
    index = next((i for i, (a, b) in enumerate(zip(exp_lines, got_lines, strict=False)) if a != b),
                 min(len(exp_lines), len(got_lines)))
    return comment.line_loc(index) or default


def _field_loc(spec: Spec, name: str, default: Loc) -> Loc:
    field = spec.field(name)
    if field is not None:
        return field.loc
    if spec.alias:
        for member in spec.alias.members:
            if member.name == name:
                return member.loc
    return default


def _struct(want: Shape, have: Shape, name: str, spec: Spec, loc: Loc) -> list[Reason]:
    exp = want.structs.get(name)
    got = have.structs.get(name)
    if exp is None:
        return (
            [Reason(got.line, f"struct {name} is defined but the spec no longer has it", loc)] if got else []
        )
    if got is None:
        return [Reason(0, f"struct {name} is missing", loc)]
    out: list[Reason] = []
    if exp.comment != got.comment:
        line = _comment_diff_line(exp.comment, got.comment, got.comment_line, got.line)
        comment = spec.mirror.comment if name == spec.mirror.struct else None
        out.append(Reason(line, f"the comment above struct {name} differs from the spec",
                          _comment_loc(comment, exp.comment, got.comment, loc)))
    out += _members(f"struct {name}", exp.members, got.members, got.end_line, spec, loc)
    return out


def _members(
    label: str, exp: list[MemberShape], got: list[MemberShape], end_line: int, spec: Spec, loc: Loc
) -> list[Reason]:
    return _named(label, exp, got, end_line, spec, loc) + _anonymous(label, exp, got, end_line, spec, loc)


def _named(
    label: str, exp: list[MemberShape], got: list[MemberShape], end_line: int, spec: Spec, loc: Loc
) -> list[Reason]:
    """Named members: renamed, missing, retyped, extra, doubled, or out of order."""
    out: list[Reason] = []
    exp_named = {m.name: m for m in exp if m.name}
    got_named = {m.name: m for m in got if m.name}
    in_mirror = f" present in struct {spec.mirror.struct}" if "anonymous" in label else ""
    renamed = _renames(exp, got)
    for old, new in renamed.items():
        g = got_named[new]
        out.append(Reason(g.line, f"{label}: field '{new}' is named '{old}' in the spec",
                          _field_loc(spec, old, loc)))
    for m in exp:
        if m.name in renamed:
            continue
        if m.name and m.name not in got_named:
            out.append(
                Reason(end_line, f"{label} lacks field '{m.name}'{in_mirror}", _field_loc(spec, m.name, loc))
            )
        elif m.name and got_named[m.name].type != m.type:
            g = got_named[m.name]
            out.append(
                Reason(
                    g.line,
                    f"{label}: field '{m.name}' has type '{g.type}', the spec says '{m.type}'",
                    _field_loc(spec, m.name, loc),
                )
            )
    for g in got:
        if g.name and g.name not in exp_named and g.name not in renamed.values():
            out.append(Reason(g.line, f"{label} has field '{g.name}', which the spec does not have", loc))
    seen: set[str] = set()
    for g in got:
        if g.name and g.name in seen:
            twice = f"{label}: field '{g.name}' is declared twice"
            out.append(Reason(g.line, twice, _field_loc(spec, g.name, loc)))
        seen.add(g.name)
    common_exp = [m.name for m in exp if m.name in got_named]
    common_got = list(dict.fromkeys(g.name for g in got if g.name in exp_named))
    if common_exp != common_got:
        first = next(i for i, (a, b) in enumerate(zip(common_exp, common_got, strict=False)) if a != b)
        line = got_named[common_got[first]].line
        out.append(
            Reason(
                line,
                f"{label}: fields out of order: '{common_got[first]}' where the spec "
                f"has '{common_exp[first]}'",
                _field_loc(spec, common_exp[first], loc),
            )
        )
    return out


def _anonymous(
    label: str, exp: list[MemberShape], got: list[MemberShape], end_line: int, spec: Spec, loc: Loc
) -> list[Reason]:
    """Anonymous structs and unions, compared in order, then their members."""
    out: list[Reason] = []
    exp_anon = [m for m in exp if not m.name]
    got_anon = [g for g in got if not g.name]
    for i, m in enumerate(exp_anon):
        inner = "anonymous struct" if m.type == "struct" else "union"
        if i >= len(got_anon) or got_anon[i].type != m.type:
            out.append(Reason(end_line, f"{label} lacks its {inner}", loc))
            continue
        g = got_anon[i]
        if m.comment != g.comment:
            out.append(Reason(g.line, f"{label}: the comment above the {inner} differs from the spec", loc))
        sub_label = (
            f"{label}: {inner}" if label.startswith("struct") and ":" not in label else f"{label} > {inner}"
        )
        if m.type == "struct":
            sub_label = f"{label.split(':')[0]}: anonymous struct"
        out += _members(sub_label, m.children or [], g.children or [], g.line, spec, loc)
    if len(got_anon) > len(exp_anon):
        extra = got_anon[len(exp_anon)]
        out.append(Reason(extra.line, f"{label} has an anonymous {extra.type} the spec does not have", loc))
    return out


def _renames(exp: list[MemberShape], got: list[MemberShape]) -> dict[str, str]:
    """Spec name -> found name, for a field the header names differently: one missing and one
    extra named field at the same position with the same type."""
    exp_names = {m.name for m in exp if m.name}
    got_names = {g.name for g in got if g.name}
    out: dict[str, str] = {}
    for i, m in enumerate(exp):
        if m.name and m.name not in got_names and i < len(got):
            g = got[i]
            if g.name and g.name not in exp_names and g.type == m.type and g.name not in out.values():
                out[m.name] = g.name
    return out


def _macro(want: Shape, have: Shape, block: AssertBlock, spec: Spec) -> list[Reason]:
    from codegen import asserts  # loads Jinja2, as the regeneration before this did

    exp: MacroShape | None = want.macros.get(block.macro)
    got = have.macros.get(block.macro)
    name = block.macro
    if exp is None:
        return []
    if got is None:
        return [Reason(0, f"#define {name} is missing", block.loc)]
    out: list[Reason] = []
    if exp.comment != got.comment:
        line = _comment_diff_line(exp.comment, got.comment, got.comment_line, got.line)
        out.append(Reason(line, f"the comment above #define {name} differs from the spec",
                          _comment_loc(block.comment, exp.comment, got.comment, block.loc)))
    if exp.params != got.params:
        out.append(Reason(got.line, f"{name} has parameters ({', '.join(got.params)}), "
                          f"the spec says ({', '.join(exp.params)})", block.loc))
    if exp.body != got.body:
        out.append(
            Reason(got.line, f"{name} is defined as '{got.body}', the spec says '{exp.body}'", block.loc)
        )
    exp_uses = [u for u, _ in exp.uses]
    got_uses: dict[tuple[str, ...], int] = {}
    for use, line in got.uses:
        if use in got_uses:
            mine = next((u for u in block.uses if (u.left, u.right) == use), None)
            out.append(Reason(line, f"{name}({', '.join(use)}) is used again; the spec has it once",
                              mine.field.loc if mine else block.loc))
        else:
            got_uses[use] = line
    anchor = got.undef_line or (got.uses[-1][1] if got.uses else got.line)
    for index, spec_use in enumerate(block.uses):
        if (spec_use.left, spec_use.right) not in got_uses:
            # Where it belongs: before the next use the spec has that the header still holds.
            later = [got_uses[u] for u in exp_uses[index + 1:] if u in got_uses]
            message = f"{name} has no use for field '{spec_use.right}' ({asserts.use(spec_use)})"
            out.append(Reason(later[0] if later else anchor, message, spec_use.field.loc))
    for use, line in got.uses:
        if use not in exp_uses:
            out.append(Reason(line, f"{name}({', '.join(use)}) is not in the spec", block.loc))
    order_got = [u for u in got_uses if u in exp_uses]
    order_exp = [u for u in exp_uses if u in got_uses]
    if order_got != order_exp:
        i = next(i for i, (a, b) in enumerate(zip(order_exp, order_got, strict=True)) if a != b)
        out.append(
            Reason(
                got_uses[order_got[i]],
                f"{name} uses out of order: ({', '.join(order_got[i])}) "
                f"where the spec has ({', '.join(order_exp[i])})",
                block.loc,
            )
        )
    if got.undef_line is None:
        out.append(Reason(anchor, f"#undef {name} is missing", block.loc))
    return out


def _size(want: Shape, have: Shape, spec: Spec) -> list[Reason]:
    limit = spec.mirror.size_limit
    assert limit is not None
    exp = next((s for s in want.size_asserts if spec.mirror.struct in s.text), None)
    got = next((s for s in have.size_asserts if f"struct {spec.mirror.struct})" in s.text), None)
    if exp is None:
        return []
    if got is None:
        return [Reason(0, f"the size assert for struct {spec.mirror.struct} is missing", limit.loc)]
    out: list[Reason] = []
    what = f"the size assert for struct {spec.mirror.struct}"
    if exp.text != got.text:
        out.append(Reason(got.line, f"{what} reads '{got.text}', the spec says '{exp.text}'", limit.loc))
    if exp.comment != got.comment:
        line = _comment_diff_line(exp.comment, got.comment, got.comment_line, got.line)
        out.append(Reason(line, f"the comment above {what} differs from the spec",
                          _comment_loc(limit.comment, exp.comment, got.comment, limit.loc)))
    return out


def _comment_diff_line(exp: str | None, got: str | None, got_line: int | None, construct_line: int) -> int:
    """The first line where two comments (as shape reads them) differ, in the found text."""
    if got is None or got_line is None:
        return construct_line
    exp_lines, got_lines = (exp or "").splitlines(), got.splitlines()
    for i, (a, b) in enumerate(zip(exp_lines, got_lines, strict=False)):
        if a != b:
            return got_line + i
    return got_line + min(len(exp_lines), len(got_lines))


def layout_reason(expected: str, found: str, spec: Spec) -> Reason | None:
    """When `explain` finds nothing but the texts differ: where, and in which construct.

    The constructs agree, so what differs is layout (blank lines, indentation,
    line breaks or spacing that clang-format would not produce).
    """
    exp_lines, got_lines = expected.splitlines(), found.splitlines()
    if exp_lines == got_lines:
        return None
    line = next((i for i, (a, b) in enumerate(zip(exp_lines, got_lines, strict=False), start=1) if a != b),
                min(len(exp_lines), len(got_lines)) + 1)
    name, loc = _construct_at(extract(found.encode()), line, spec)
    return Reason(line, f"{name}: layout differs from the spec's formatted text (blank lines, "
                  "indentation, line breaks or spacing)", loc)


def _construct_at(shape: Shape, line: int, spec: Spec) -> tuple[str, Loc | None]:
    """The construct covering `line` of the found text; else the next one; else the previous one."""
    spans: list[tuple[int, int, str, Loc | None]] = []
    for struct in shape.structs.values():
        alias_loc = spec.alias.loc if spec.alias else None
        loc = spec.mirror.loc if struct.name == spec.mirror.struct else alias_loc
        spans.append((struct.comment_line or struct.line, struct.end_line, f"struct {struct.name}", loc))
    blocks = {b.macro: b for b in (spec.mirror.asserts, spec.alias.asserts if spec.alias else None) if b}
    for macro in shape.macros.values():
        end = max([macro.define_end_line or macro.line, macro.undef_line or 0, *(n for _, n in macro.uses)])
        block = blocks.get(macro.name)
        spans.append((macro.comment_line or macro.line, end, macro.name, block.loc if block else None))
    limit = spec.mirror.size_limit
    for size in shape.size_asserts:
        spans.append((size.comment_line or size.line, size.line,
                      f"the size assert for struct {spec.mirror.struct}", limit.loc if limit else None))
    if not spans:
        return "the region", None
    spans.sort()
    covering = [s for s in spans if s[0] <= line <= s[1]]
    following = [s for s in spans if s[0] > line]
    chosen = covering[-1] if covering else following[0] if following else spans[-1]
    return chosen[2], chosen[3]
