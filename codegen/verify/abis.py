"""The Linux ABIs `verify` checks, by name, with the clang target triple of each."""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from codegen.errors import BadUsage

_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True)
class Abi:
    name: str
    triple: str


ABIS: tuple[Abi, ...] = (
    Abi("x86_64", "x86_64-linux-gnu"),
    Abi("i386", "i386-linux-gnu"),
    Abi("aarch64", "aarch64-linux-gnu"),
    Abi("arm", "arm-linux-gnueabi"),
    Abi("riscv64", "riscv64-linux-gnu"),
    Abi("riscv32", "riscv32-linux-gnu"),
    Abi("s390x", "s390x-linux-gnu"),
    Abi("powerpc64", "powerpc64-linux-gnu"),
    Abi("powerpc", "powerpc-linux-gnu"),
    Abi("mips", "mips-linux-gnu"),
    Abi("loongarch64", "loongarch64-linux-gnu"),
)
BY_NAME = {abi.name: abi for abi in ABIS}
# The kernel's ARCH names for the same ABIs, so `--abi arm64` works as in kbuild.
ALIASES = {"arm64": "aarch64"}


def parse_abis(text: str | None) -> list[Abi]:
    """`x86_64,i386` -> those ABIs in the order given; None or `all` -> every ABI."""
    if text is None or text.strip() == "all":
        return list(ABIS)
    chosen: list[Abi] = []
    for raw in text.split(","):
        name = ALIASES.get(raw.strip(), raw.strip())
        if name not in BY_NAME:
            known = ", ".join(abi.name for abi in ABIS)
            raise BadUsage(f"unknown ABI '{raw.strip()}' (known: {known})")
        if BY_NAME[name] not in chosen:
            chosen.append(BY_NAME[name])
    return chosen


def abi(name: str) -> Abi:
    return parse_abis(name)[0]


def parse_pool(abis: int) -> ThreadPoolExecutor:
    """Threads for one libclang parse per ABI: libclang releases the GIL while it parses, so a
    few threads (two nearly halve the wall time) share the ABIs; more only contend."""
    return ThreadPoolExecutor(max_workers=max(1, min(abis, os.cpu_count() or 1, 4)))


def alike(keyed: Iterable[tuple[_K, str]]) -> dict[_K, list[str]]:
    """ABI names grouped by an equal key (their layout), in first-seen order."""
    groups: dict[_K, list[str]] = {}
    for key, name in keyed:
        groups.setdefault(key, []).append(name)
    return groups
