"""`mirrorgen propose`: classify a spec change against git, verify it, and write a kernel patch.

Stages, one module each: history (the spec at a git revision), spec_edit
(the textual `--add` edit), layouts (libclang layouts of the old and new
spec on every ABI, through verify), classify (changes -> rule findings),
rules (the rule table and `--allow`), table (the per-ABI layout table),
patch (the `git format-patch` text), run (the whole proposal).
"""
