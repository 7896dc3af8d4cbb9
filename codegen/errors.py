"""Errors that end a command with exit code 2 and one `path:line:col: message` line."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a spec, a header, a tree or a command line that cannot be used."""

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.col = col
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class UsageError(Exception):
    """Exit 2 with no file location to blame; raise one of the two kinds below."""


class BadUsage(UsageError):
    """Bad input with no spec line to blame: an unknown ABI or arch, options that do not
    go together, a file that is not what the option needs."""


class ToolError(UsageError):
    """A tool mirrorgen runs is missing or failed: clang-format, libclang, tree-sitter,
    git, make. Not the user's input; the message says what to install or where the log is."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind like KeyboardInterrupt, so temp files are removed on the way out."""
