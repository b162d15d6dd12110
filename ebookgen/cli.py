"""Command line: parse arguments, call the pipeline, print. No book logic here.

Exit codes: 0 success, 1 bad input (one line on stderr naming file and line), 2 bad usage."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from ebookgen import __version__
from ebookgen.errors import BookError, one_line


def shown(path: Path) -> str:
    """A path as the user typed it: relative to the current folder when inside it."""
    absolute = Path(os.path.abspath(path))
    here = Path.cwd()
    if absolute == here or here in absolute.parents:
        return os.path.relpath(absolute, here)
    return str(absolute)


def error_line(err: BookError) -> str:
    """`file:line: message`, on one line."""
    where = ""
    if err.path is not None:
        where = shown(err.path) + (f":{err.line}" if err.line else "") + ": "
    return one_line(where + err.message)


COMMANDS = ("init", "build", "clean", "list", "check", "watch")


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, just that command's part of it (each command module
    imports what it needs, and `ebookgen build` need not load the checker's)."""
    p = argparse.ArgumentParser(
        prog="ebookgen",
        description="Turn a folder of chapters into a clean, valid EPUB 3.",
    )
    p.add_argument("--version", action="version", version=f"ebookgen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"ebookgen.commands.{name}")
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `ebookgen build ...`: only that command's module is loaded; anything else (--help, a
    # typo, options first) gets the whole parser and its messages.
    p = parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = p.parse_args(argv)
    if not getattr(args, "func", None):
        p.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except BookError as err:
        print(error_line(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        target = f"{shown(Path(err.filename))}: " if err.filename else ""
        print(f"{target}{err.strerror or err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
