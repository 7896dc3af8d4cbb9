"""A probe object that pins the host model's numbers against the kernel's real struct.

The model says where each member of `struct page` sits on each ABI; the
probe turns that into static_asserts, and the kernel's own build (an
external-module object, `make M=`) compiles them against the real header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from codegen.errors import InputError
from codegen.kbuild.arches import Arch
from codegen.render import render
from codegen.verify.hostmodel import HostModel, Version

OBJECT = "mirrorgen_probe.o"
SOURCE = "mirrorgen_probe.c"
_WHERE = re.compile(r'"([^"]+:\d+:\d+): ')


@dataclass(frozen=True)
class Pin:
    name: str
    offset: int
    size: int
    where: str  # model path:line:col
    config: str | None


def probe_source(model: HostModel, version: Version, arch: Arch) -> str:
    if model.header is None:
        raise InputError(model.path, 1, 1, "the host model names no header: add `header: linux/...h`")
    kernel = model.for_kernel(version)
    layout = kernel.layout(arch.abi)
    pins = []
    for field in kernel.fields.values():
        placed = layout.field(field.name)
        assert placed is not None
        pins.append(
            Pin(field.name, placed.offset, placed.size, str(field.loc).replace('"', "'"), field.config)
        )
    return render(
        "verify/probe.c.j2",
        model=model.path,
        version=f"{version[0]}.{version[1]}",
        arch=arch.name,
        header=model.header,
        struct=model.struct,
        pins=pins,
    )


def write_probe(directory: Path, source: str) -> None:
    """Write the probe and its Kbuild file, touching nothing unchanged (make stays incremental)."""
    from codegen.place.atomic import write_if_changed

    for name, text in ((SOURCE, source), ("Kbuild", f"obj-m := {OBJECT}\n")):
        write_if_changed(directory / name, text.encode())


def model_line(source: str, line: int) -> str | None:
    """The model location a probe line's assert names (it is on that line or the next)."""
    lines = source.split("\n")
    for text in lines[max(line - 1, 0) : line + 1]:
        m = _WHERE.search(text)
        if m:
            return m.group(1)
    return None
