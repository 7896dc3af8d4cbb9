"""Loading a host model file (specs/hosts/*.yaml) into spec-side data, failing at its YAML line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from codegen.errors import InputError
from codegen.spec import ctypes
from codegen.spec.host import HostField, HostGroup, HostMember, HostStruct, Version, Versions, parse_version
from codegen.spec.model import Loc, Spec
from codegen.spec.yamlload import Document, PathKey, load
from codegen.specfiles import display_path

_CONFIG = re.compile(r"CONFIG_[A-Z0-9_]+\Z")
_HEADER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.h\Z")
_FIELD_KEYS = {"name", "type", "since", "until", "config"}
_GROUP_KEYS = {"since", "until"}


def load_host_struct(path: Path, display: str | None = None) -> HostStruct:
    """Load and validate the shape of one host model file (its layout is verify's to check)."""
    return _Builder(load(path, display or display_path(path))).model()


def model_file(spec: Spec) -> Path:
    """The file a spec's host.model names: a path relative to the spec, or a bare name."""
    from codegen.specfiles import host_model_path

    return host_model_path(spec.path, spec.host.model or "")


def spec_host_struct(spec: Spec, mirror_fields: bool = True) -> HostStruct:
    """The model a spec's `host.model` names, checked against the host fields the spec uses
    (with `mirror_fields` off, only its size limit: propose reports a missing field itself)."""
    if spec.host.model is None:
        raise _spec_error(
            spec,
            ("host",),
            f"host struct {spec.host.struct} has no layout model: "
            "add host.model (e.g. hosts/page.yaml, relative to the spec)",
        )
    path = model_file(spec)
    if not path.is_file():
        raise _spec_error(
            spec, ("host", "model"), f"host model '{spec.host.model}' not found (looked at {path})"
        )
    model = load_host_struct(path)
    if model.struct != spec.host.struct:
        raise _spec_error(
            spec,
            ("host", "model"),
            f"{model.path} models struct {model.struct}, not struct {spec.host.struct}",
        )
    known = ", ".join(model.fields)
    for field in spec.mirror.fields if mirror_fields else ():
        if field.host not in model.fields:
            raise InputError(
                field.loc.path,
                field.loc.line,
                field.loc.col,
                f"host field '{field.host}' is not in {model.path} (known: {known})",
            )
    limit = spec.mirror.size_limit
    if limit and limit.host_field not in model.fields:
        raise InputError(
            limit.loc.path,
            limit.loc.line,
            limit.loc.col,
            f"size limit '{limit.host_field}' is not in {model.path} (known: {known})",
        )
    return model


def _spec_error(spec: Spec, key: PathKey, message: str) -> InputError:
    # The spec model keeps no location for host.*; read it again (only on this error path).
    try:
        return load(Path(spec.path), spec.path).error(key, message)
    except InputError:
        return InputError(spec.path, 1, 1, message)




class _Builder:
    """YAML document -> HostStruct, failing at the offending node."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.names: dict[str, Loc] = {}

    def loc(self, key: PathKey) -> Loc:
        line, col = self.doc.where(key)
        return Loc(self.doc.path, line, col)

    def fail(self, key: PathKey, message: str, at_key: bool = False) -> InputError:
        return self.doc.error(key, message, at_key=at_key)

    def model(self) -> HostStruct:
        data = self.doc.data
        if not isinstance(data, dict):
            raise self.fail((), "a host model is a mapping with version, struct and members")
        self.only(data, (), {"version", "struct", "header", "members"})
        for key in ("version", "struct", "members"):
            if key not in data:
                raise self.fail((), f"missing required key '{key}'")
        if data["version"] != 1:
            raise self.fail(("version",), "version must be 1")
        struct = self.ident(("struct",), data["struct"], "struct")
        header = data.get("header")
        if header is not None and not (
            isinstance(header, str) and _HEADER.match(header) and ".." not in header
        ):
            raise self.fail(
                ("header",), f"header must be an include path like linux/mm_types.h, not {header!r}"
            )
        return HostStruct(
            self.doc.path, struct, self.members(("members",), data["members"], Versions(), 1), header
        )

    def only(self, raw: dict[str, Any], key: PathKey, allowed: set[str]) -> None:
        unknown = sorted(k for k in raw if k not in allowed)
        if unknown:
            raise self.fail(
                (*key, unknown[0]),
                f"unknown key '{unknown[0]}' (known: {', '.join(sorted(allowed))})",
                at_key=True,
            )

    def ident(self, key: PathKey, value: Any, what: str) -> str:
        if not isinstance(value, str) or not ctypes.is_identifier(value):
            raise self.fail(key, f"{what} must be a C identifier, not {value!r}")
        return value

    def members(self, key: PathKey, raw: Any, outer: Versions, least: int) -> tuple[HostMember, ...]:
        if not isinstance(raw, list) or len(raw) < least:
            raise self.fail(key, f"expected a list of at least {least} member{'s' if least > 1 else ''}")
        return tuple(self.member((*key, i), item, outer) for i, item in enumerate(raw))

    def member(self, key: PathKey, raw: Any, outer: Versions) -> HostMember:
        shapes = "a member is {name: NAME, type: TYPE}, {struct: [members]} or {union: [members]}"
        if not isinstance(raw, dict):
            raise self.fail(key, shapes)
        versions = self.versions(key, raw).within(outer)
        kinds = [k for k in ("struct", "union") if k in raw]
        if kinds and ("name" in raw or "type" in raw or len(kinds) > 1):
            raise self.fail(key, shapes)
        if kinds:
            kind: Literal["struct", "union"] = "struct" if kinds[0] == "struct" else "union"
            self.only(raw, key, {kind, *_GROUP_KEYS})
            # A union of one arm shares nothing: it is a mistake in the model.
            members = self.members((*key, kind), raw[kind], versions, 2 if kind == "union" else 1)
            return HostGroup(kind, members, self.loc(key), versions)
        if "name" not in raw or "type" not in raw:
            raise self.fail(key, shapes)
        self.only(raw, key, _FIELD_KEYS)
        name = self.ident((*key, "name"), raw["name"], "member name")
        if name in self.names:
            raise self.fail(
                (*key, "name"), f"duplicate member '{name}' (first at line {self.names[name].line})"
            )
        try:
            ctype = ctypes.normalize_type(str(raw["type"]))
        except ctypes.CTypeError as exc:
            raise self.fail((*key, "type"), f"invalid C type {raw['type']!r}: {exc}") from None
        config = raw.get("config")
        if config is not None and not (isinstance(config, str) and _CONFIG.match(config)):
            raise self.fail(
                (*key, "config"), f"config must name a kernel option like CONFIG_MEMCG, not {config!r}"
            )
        loc = self.loc((*key, "name"))
        self.names[name] = loc
        return HostField(name, ctype, loc, versions, config)

    def versions(self, key: PathKey, raw: dict[str, Any]) -> Versions:
        bounds: list[Version | None] = []
        for bound in ("since", "until"):
            value = raw.get(bound)
            version = parse_version(value) if isinstance(value, str) else None
            if value is not None and version is None:
                raise self.fail(
                    (*key, bound), f'{bound} must be a quoted kernel version like "6.12", not {value!r}'
                )
            bounds.append(version)
        versions = Versions(bounds[0], bounds[1])
        if versions.since and versions.until and versions.since > versions.until:
            raise self.fail((*key, "until"), "until is older than since")
        return versions
