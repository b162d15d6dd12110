"""ebookgen build: clean, render and assemble the EPUB."""

from __future__ import annotations

import sys
from pathlib import Path

from ebookgen.cli import shown
from ebookgen.errors import BookError


def add_parser(sub) -> None:
    b = sub.add_parser("build", help="clean, render and assemble the EPUB into build/")
    b.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR", help="the book folder (default: .)")
    b.add_argument("-o", "--output", metavar="FILE", help="write the EPUB here instead")
    b.add_argument("-v", "--verbose", action="store_true", help="one line per chapter")
    b.add_argument("--kepub", action="store_true", help="also write NAME.kepub.epub for Kobo e-readers")
    b.set_defaults(func=run)


def size_text(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def output_path(option: str | None) -> Path | None:
    """-o FILE: an .epub file name, never a folder."""
    if not option:
        return None
    output = Path(option).resolve()
    if output.is_dir():
        raise BookError(output, "is a folder: give a file name such as book.epub")
    if output.suffix.lower() != ".epub":
        raise BookError(output, "expected a .epub file name")
    return output


def run(args) -> int:
    from ebookgen.build import build, describe_progress

    output = output_path(args.output)
    result = build(Path(args.book_dir), output, progress=describe_progress())
    if args.kepub:
        from ebookgen.kepub import kepub_file, kepub_name

        for p in result.outputs:
            target = kepub_name(p)
            if not (result.up_to_date and target.exists() and target.stat().st_mtime_ns >= p.stat().st_mtime_ns):
                kepub_file(p, target)
            print(f"kobo: {shown(target)}")
    if result.up_to_date:
        names = ", ".join(shown(p) for p in result.outputs)
        print(f"up to date: {names} ({result.chapters} chapters, {result.seconds:.2f} s)")
        return 0
    for rel, enc in result.not_utf8:
        print(f"note: {rel} was not UTF-8: read as {enc}", file=sys.stderr)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.verbose:
        for c, ch in zip(result.cleaned, result.rendered, strict=True):
            print(f"  {ch.file_name:<40} {ch.label[:50]:<50} {ch.words:>7} words  {len(c.removals)} removed")
    names = ", ".join(shown(p) for p in result.outputs)
    print(
        f"{result.chapters} chapters, {result.words:,} words, {size_text(result.size)} -> "
        f"{names} ({result.seconds:.1f} s)"
    )
    if result.report:
        print(f"cleaning report: {shown(result.report)}")
    return 0
