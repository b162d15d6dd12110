"""ebookgen clean: a dry run that shows what cleaning would remove, and why."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    c = sub.add_parser("clean", help="dry run: show what cleaning would remove, and why")
    c.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR")
    c.set_defaults(func=run)


def run(args) -> int:
    from ebookgen.build import prepare
    from ebookgen.report import text_report

    prep = prepare(Path(args.book_dir))
    print(text_report(prep.cleaned, prep.boilerplate))
    for w in prep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0
