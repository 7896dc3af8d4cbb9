"""`mirrorgen kbuild`: build the kernel objects that include the target header, per arch.

arches (what each arch needs), tools (missing programs -> Debian packages),
builddir (O= dirs under the cache, config freshness), make (running the
kernel's build), diagnose (gcc's errors -> spec and host-model lines), probe
(pins the host model's offsets against the real struct page).
"""
