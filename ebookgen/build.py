"""The pipeline in one readable function: build(book_dir) -> BuildResult."""

from __future__ import annotations

import datetime
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ebookgen import a11y
from ebookgen.assemble import CoverImage, write_epub
from ebookgen.boilerplate import Boilerplate, detect, signature
from ebookgen.checks import duplicate_text_warnings, numbering_warnings
from ebookgen.clean import BookContext, Cleaner
from ebookgen.config import load_book
from ebookgen.errors import BookError
from ebookgen.model import Book, Chapter, Cleaned, Source
from ebookgen.render import RenderSettings, render, sniff_image
from ebookgen.rulesets import builtin_names, compile_rules
from ebookgen.sources import read_sources

DEFAULT_MODIFIED = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
LONG_LINE = 10_000


@dataclass
class BuildResult:
    output: Path
    chapters: int
    words: int
    size: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    not_utf8: list[tuple[str, str]] = field(default_factory=list)
    cleaned: list[Cleaned] = field(default_factory=list)
    rendered: list[Chapter] = field(default_factory=list)
    boilerplate: Boilerplate | None = None
    report: Path | None = None
    up_to_date: bool = False


@dataclass
class Prepared:
    """Everything up to rendering: what `clean`, `list` and `build` share."""

    book: Book
    sources: list[Source]
    cleaned: list[Cleaned]
    boilerplate: Boilerplate
    warnings: list[str]


def modified_time(book: Book) -> datetime.datetime:
    """dcterms:modified as a pure function of the input: SOURCE_DATE_EPOCH when set, else
    the book's `date`, else a fixed date. Never the clock or a file's time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    if book.date:
        parts = [int(p) for p in book.date.split("-")] + [1, 1]
        return datetime.datetime(parts[0], parts[1], parts[2], tzinfo=datetime.timezone.utc)
    return DEFAULT_MODIFIED


def prepare(book_dir: Path) -> Prepared:
    book = load_book(book_dir, builtin_names)
    rules = compile_rules(book.clean)
    sources = read_sources(book)
    boiler = Boilerplate()
    if book.clean.detect_boilerplate:
        boiler = detect([signature(s.text) for s in sources], [s.text for s in sources])
    cleaner = Cleaner(rules, BookContext(book.title, boiler))
    cleaned = [cleaner.clean(s) for s in sources]
    warnings = []
    for c in cleaned:
        for w in c.warnings:
            warnings.append(f"{c.source.rel}: {w}")
        longest = max((len(b) for b in c.blocks), default=0)
        if longest > LONG_LINE:
            warnings.append(f"{c.source.rel}: a paragraph of {longest:,} characters (is the file one long line?)")
    warnings += numbering_warnings(cleaned)
    warnings += duplicate_text_warnings(cleaned)
    return Prepared(book, sources, cleaned, boiler, warnings)


def _cover(book: Book) -> CoverImage | None:
    if book.cover is None:
        return None
    data = book.cover.read_bytes()
    kind = sniff_image(data)
    if kind is None or kind[0] not in ("image/png", "image/jpeg"):
        raise BookError(book.config_path, f"cover: {book.cover.name} is not a PNG or JPEG image")
    return CoverImage(data, kind[0], kind[1])


def unique_keys(chapters: list[Chapter]) -> list[Chapter]:
    """Two sources whose names slug the same ('Chapter 1.txt', 'chapter-1.md') get a
    suffix from their path, so ids and file names stay unique."""
    counts: dict[str, int] = {}
    for ch in chapters:
        counts[ch.key] = counts.get(ch.key, 0) + 1
    return chapters if all(v == 1 for v in counts.values()) else [
        ch if counts[ch.key] == 1 else _rekey(ch) for ch in chapters
    ]


def _rekey(ch: Chapter) -> Chapter:
    from dataclasses import replace

    suffix = hashlib.sha1(ch.xhtml).hexdigest()[:6]
    key = f"{ch.key}-{suffix}"
    xhtml = ch.xhtml.replace(f'id="{ch.key}"'.encode(), f'id="{key}"'.encode()).replace(
        f'"{ch.key}-title"'.encode(), f'"{key}-title"'.encode()
    )
    return replace(ch, key=key, file_name=f"text/{key}.xhtml", xhtml=xhtml)


def build(book_dir: Path, output: Path | None = None) -> BuildResult:
    started = time.perf_counter()
    prep = prepare(book_dir)
    book = prep.book
    cover = _cover(book)
    chapters = []
    for c in prep.cleaned:
        settings = RenderSettings(
            book.language,
            smart_typography=book.smart_typography,
            extra_css=book.css is not None,
            heading_level=2 if c.source.volume else 1,
        )
        chapters.append(render(c, settings, book.root))
    chapters = unique_keys(chapters)
    out = output or book.output
    write_epub(
        book,
        chapters,
        out,
        modified_time(book),
        a11y.derive(book, chapters),
        cover=cover,
    )
    not_utf8 = [(s.rel, s.encoding) for s in prep.sources if s.encoding not in ("utf-8", "utf-8-sig", "ascii")]
    from ebookgen.report import write_report

    report = write_report(book, prep.cleaned, prep.boilerplate, out.with_name(out.stem + "-report.html"))
    return BuildResult(
        output=out,
        chapters=len(chapters),
        words=sum(ch.words for ch in chapters),
        size=out.stat().st_size,
        seconds=time.perf_counter() - started,
        warnings=prep.warnings,
        not_utf8=not_utf8,
        cleaned=prep.cleaned,
        rendered=chapters,
        boilerplate=prep.boilerplate,
        report=report,
    )
