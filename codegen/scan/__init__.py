"""`mirrorgen scan`: the families of a whole tree, their layouts, and the words nobody asserted."""
