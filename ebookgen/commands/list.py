"""ebookgen list: the chapters as the book will have them (number, title, words, source
file) with what looks wrong about each: a gap before it, a number or text used twice, a
file that was not UTF-8, nothing left after cleaning. Nothing is written."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ebookgen.checks import chapter_span
from ebookgen.model import SCENE_BREAK, Cleaned

UTF8 = ("utf-8", "utf-8-sig", "ascii")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "list",
        help="show the chapters as the book will have them, with warnings",
        description="A table of the chapters in reading order: number, title, words, source "
        "file and warnings (gap, duplicate, not UTF-8, all junk). Writes nothing.",
    )
    p.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR", help="the book folder (default: .)")
    p.set_defaults(func=run)


@dataclass
class Row:
    position: int
    number: str | None
    title: str  # the TOC label the reader will see
    words: int
    source: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def chapter_rows(cleaned: list[Cleaned]) -> list[Row]:
    """One row per chapter, in reading order, each with its own warnings."""
    from ebookgen.render import chapter_label, words_in

    numbers = Counter((c.source.volume, c.number) for c in cleaned if c.number is not None)
    first_with_text: dict[str, str] = {}
    last: dict[tuple, int] = {}
    rows = []
    for i, c in enumerate(cleaned, 1):
        src = c.source
        text = "\n".join(b for b in c.blocks if b != SCENE_BREAK).strip()
        if src.fmt == "md":
            text = re.sub(r"<[^>]+>|[#*_>`]", " ", text)
        row = Row(
            position=i,
            number=c.number,
            title=chapter_label(c.number, c.title, src.path.stem),
            words=words_in(text),
            source=src.rel,
            encoding=src.encoding,
        )
        span = chapter_span(c.number)
        if span is not None:
            first, n = span
            previous = last.get(src.volume)
            if previous is not None and first > previous + 1:
                gap = f"{previous + 1}" if first == previous + 2 else f"{previous + 1}-{first - 1}"
                row.warnings.append(f"gap: chapter {gap} missing before it")
            if previous is not None and first < previous:
                row.warnings.append(f"out of order: comes after chapter {previous}")
            last[src.volume] = max(n, previous or n)
        if c.number is not None and numbers[(src.volume, c.number)] > 1:
            row.warnings.append(f"duplicate: chapter {c.number} appears {numbers[(src.volume, c.number)]} times")
        if text:
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest in first_with_text:
                row.warnings.append(f"duplicate: same text as {first_with_text[digest]}")
            else:
                first_with_text[digest] = src.rel
        elif src.text.strip():
            row.warnings.append("all junk: nothing left after cleaning")
        else:
            row.warnings.append("empty file")
        if c.number is None and not c.title:
            row.warnings.append("no title: the file name is used")
        if src.encoding not in UTF8:
            row.warnings.append(f"not UTF-8: read as {src.encoding}")
        row.warnings.extend(c.warnings)
        rows.append(row)
    return rows


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[Row]) -> str:
    title_w = min(48, max([len("title")] + [len(r.title) for r in rows]))
    source_w = min(32, max([len("source")] + [len(r.source) for r in rows]))
    head = f"{'#':>4}  {'no.':>6}  {'title':<{title_w}}  {'words':>7}  {'source':<{source_w}}  warnings"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.position:>4}  {r.number or '-':>6}  {_cut(r.title, title_w):<{title_w}}  {r.words:>7,}  "
            f"{_cut(r.source, source_w):<{source_w}}  {'; '.join(r.warnings)}".rstrip()
        )
    return "\n".join(lines)


def run(args) -> int:
    from ebookgen.build import prepare

    prep = prepare(Path(args.book_dir))
    rows = chapter_rows(prep.cleaned)
    print(table(rows))
    flagged = sum(1 for r in rows if r.warnings)
    print(
        f"\n{len(rows)} chapters, {sum(r.words for r in rows):,} words"
        + (f"; {flagged} with warnings" if flagged else "; no warnings")
    )
    return 0
