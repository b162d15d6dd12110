"""The one error type the CLI knows how to print: bad input, with the file and line to fix.

The catalogue of messages, with what each means and what to do, is the README (Errors and warnings)."""

from __future__ import annotations

from pathlib import Path


class BookError(Exception):
    """Bad input from the user's book: printed as ``file:line: message``, exit code 1.

    The message is one line (newlines and control characters are flattened), so a hostile
    file name or YAML value cannot forge a second line of output."""

    def __init__(self, path: Path | str | None, message: str, line: int | None = None):
        message = one_line(message)
        super().__init__(path, message, line)  # all three: pickling (worker processes) keeps them
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = one_line(self.path.as_posix())
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return where + self.message


def one_line(text: str) -> str:
    """Newlines, tabs and other control characters as visible escapes: one output line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
