"""`mirrorgen verify`: evaluate the generated asserts on every Linux ABI with libclang.

Stages: hostmodel (the host struct as data), tu (prelude + host model +
the real generated regions, from templates), clangtu (libclang per target),
evaluate (asserts -> findings), table (pahole-like layout tables).
"""
