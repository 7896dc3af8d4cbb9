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
    """A command line that names something unknown (exit 2, no location)."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind like KeyboardInterrupt, so temp files are removed on the way out."""
