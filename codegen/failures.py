"""UsageError split by whose fault it is (issue 12), until codegen/errors.py takes these in.

Both stay UsageErrors, so every command and cli.py handle them as before (one line,
exit 2); what differs is what the user should do: fix the command line or the file
named (BadUsage), or install or repair a tool (ToolError).
"""

from __future__ import annotations

from codegen.errors import UsageError


class BadUsage(UsageError):
    """Bad input with no spec line to blame: an unknown ABI or arch, options that do not
    go together, a file that is not what the option needs."""


class ToolError(UsageError):
    """A tool mirrorgen runs is missing or failed: clang-format, libclang, tree-sitter,
    git, make. Not the user's input; the message says what to install or where the log is."""
