"""The one error type the CLI knows how to print: bad input, with the file and line to fix."""

from __future__ import annotations

from pathlib import Path


class BookError(Exception):
    """Bad input from the user's book: printed as ``file:line: message``, exit code 1."""

    def __init__(self, path: Path | str | None, message: str, line: int | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path.as_posix()
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return where + self.message
