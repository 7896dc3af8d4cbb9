"""The architectures kbuild builds: make's ARCH, the compiler prefix, and the package that has it."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from codegen.errors import BadUsage


@dataclass(frozen=True)
class Arch:
    name: str  # as given to --arch
    make_arch: str  # ARCH=
    triplet: str  # GNU triplet of its gcc
    machine: str  # platform.machine() of a host that builds it natively
    defconfig: str  # the defconfig file make picks, relative to the tree
    abi: str  # the verify ABI with the same layout (for the host-model probe)

    @property
    def srcarch(self) -> str:
        """The directory under arch/ (x86_64 and i386 share arch/x86)."""
        return "x86" if self.make_arch in ("x86_64", "i386") else self.make_arch

    def cross_compile(self) -> str:
        """CROSS_COMPILE=, empty on a host of the same machine."""
        return "" if platform.machine() == self.machine else f"{self.triplet}-"

    def compiler(self) -> str:
        return f"{self.cross_compile()}gcc"

    def compiler_package(self) -> str:
        """The Debian package with this arch's gcc (Debian names cross gccs by triplet)."""
        cross = self.cross_compile()
        return f"gcc-{cross[:-1].replace('_', '-')}" if cross else "gcc"

    def make_vars(self) -> list[str]:
        cross = self.cross_compile()
        return [f"ARCH={self.make_arch}"] + ([f"CROSS_COMPILE={cross}"] if cross else [])


ARCHES: dict[str, Arch] = {
    a.name: a
    for a in (
        Arch("x86_64", "x86_64", "x86_64-linux-gnu", "x86_64", "arch/x86/configs/x86_64_defconfig", "x86_64"),
        # i386 builds with the x86_64 gcc (-m32); the kernel needs no 32-bit libc.
        Arch("i386", "i386", "x86_64-linux-gnu", "x86_64", "arch/x86/configs/i386_defconfig", "i386"),
        Arch("arm64", "arm64", "aarch64-linux-gnu", "aarch64", "arch/arm64/configs/defconfig", "aarch64"),
    )
}
DEFAULT = "x86_64,i386,arm64"


def parse_arches(text: str | None) -> list[Arch]:
    chosen: list[Arch] = []
    for raw in (text or DEFAULT).split(","):
        name = raw.strip()
        if name not in ARCHES:
            raise BadUsage(f"unknown arch '{name}' (known: {', '.join(ARCHES)})")
        if ARCHES[name] not in chosen:
            chosen.append(ARCHES[name])
    return chosen
