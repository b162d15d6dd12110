"""Command line: parse arguments, call the pipeline, print. No book logic here.

Exit codes: 0 success, 1 bad input (one line on stderr naming file and line), 2 bad usage."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ebookgen import __version__
from ebookgen.errors import BookError


def _shown(path: Path) -> str:
    """A path as the user typed it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _error_line(err: BookError) -> str:
    where = ""
    if err.path is not None:
        where = _shown(err.path) + (f":{err.line}" if err.line else "") + ": "
    return where + err.message


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def cmd_build(args) -> int:
    from ebookgen.build import build

    output = Path(args.output).resolve() if args.output else None
    result = build(Path(args.book_dir), output)
    for rel, enc in result.not_utf8:
        print(f"note: {rel} was not UTF-8: read as {enc}", file=sys.stderr)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.verbose:
        for c, ch in zip(result.cleaned, result.rendered):
            print(f"  {ch.file_name:<40} {ch.label[:50]:<50} {ch.words:>7} words  {len(c.removals)} removed")
    print(
        f"{result.chapters} chapters, {result.words:,} words, {_size(result.size)} -> "
        f"{_shown(result.output)} ({result.seconds:.1f} s)"
    )
    if result.report:
        print(f"cleaning report: {_shown(result.report)}")
    return 0


def cmd_clean(args) -> int:
    from ebookgen.build import prepare
    from ebookgen.report import text_report

    prep = prepare(Path(args.book_dir))
    print(text_report(prep.cleaned, prep.boilerplate))
    for w in prep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ebookgen",
        description="Turn a folder of chapters into a clean, valid EPUB 3.",
    )
    p.add_argument("--version", action="version", version=f"ebookgen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="clean, render and assemble the EPUB into build/")
    b.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR", help="the book folder (default: .)")
    b.add_argument("-o", "--output", metavar="FILE", help="write the EPUB here instead")
    b.add_argument("-v", "--verbose", action="store_true", help="one line per chapter")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("clean", help="dry run: show what cleaning would remove, and why")
    c.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR")
    c.set_defaults(func=cmd_clean)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not getattr(args, "func", None):
        p.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except BookError as err:
        print(_error_line(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        target = f"{_shown(Path(err.filename))}: " if err.filename else ""
        print(f"{target}{err.strerror or err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
