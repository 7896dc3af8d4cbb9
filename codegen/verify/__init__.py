"""`mirrorgen verify`: evaluate the generated asserts on every Linux ABI with libclang.

Stages: hostmodel (the spec-side host model laid out per ABI), ktypes (the
built-in kernel types), planner/planstore (the translation unit and its
line map, memoized), tu (prelude + host + the real generated regions, from
templates), clangtu (libclang per target), evaluate (asserts and sizes ->
findings), table (pahole-like layout tables). With --tree: treetypes and
treerun (layouts from a kernel tree's headers); with --btf: btf, elf and
compiled (a compiled kernel's own layouts).
"""
