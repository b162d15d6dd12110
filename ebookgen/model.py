"""The plain data every stage passes forward: Book -> Source -> Cleaned -> Chapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class Contributor:
    name: str
    role: str  # MARC relator code: trl, edt, ill, ctb ...


@dataclass(frozen=True)
class CleanOptions:
    """The `clean:` section of book.yaml: user rules on top of the built-in rule sets."""

    rule_sets: tuple[str, ...] | None = None  # None = every built-in set
    remove_lines: tuple[tuple[str, int], ...] = ()  # (regex, book.yaml line)
    remove_inline: tuple[tuple[str, int], ...] = ()
    replace: tuple[tuple[str, str, int], ...] = ()  # (regex, replacement, line)
    keep: tuple[tuple[str, int], ...] = ()
    detect_boilerplate: bool = True


@dataclass(frozen=True)
class Accessibility:
    """Overrides for the accessibility metadata ebookgen derives from the content."""

    summary: str | None = None
    hazards: tuple[str, ...] | None = None
    access_modes: tuple[str, ...] | None = None
    features: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Book:
    """book.yaml, validated; paths are absolute and known to be inside the book folder."""

    root: Path
    config_path: Path
    title: str
    language: str
    authors: tuple[str, ...]
    identifier: str
    output: Path
    chapters: tuple[str, ...] | None  # explicit list of files/globs, or None for a folder
    chapters_dir: Path
    description: str | None = None
    publisher: str | None = None
    date: str | None = None
    subjects: tuple[str, ...] = ()
    series: str | None = None
    series_index: float | None = None
    rights: str | None = None
    contributors: tuple[Contributor, ...] = ()
    cover: Path | None = None
    css: Path | None = None
    smart_typography: bool = False
    split: int | str | None = None
    clean: CleanOptions = field(default_factory=CleanOptions)
    accessibility: Accessibility = field(default_factory=Accessibility)


@dataclass(frozen=True)
class Source:
    """One chapter file, read and decoded."""

    path: Path
    rel: str  # path relative to the chapters folder, POSIX form: identity of the chapter
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1252", ...
    fmt: str  # "txt" or "md"
    volume: tuple[str, ...]  # sub-folder names, outermost first ("Volume 1",)
    digest: str  # sha256 of the raw bytes
    language: str | None = None  # a Markdown chapter's own `language:` (front matter)


class Removal(NamedTuple):
    """One thing the cleaner took out, so the user can see it. A named tuple: a
    3,000-chapter book has tens of thousands, rebuilt from the cache on every build."""

    line: int  # 1-based line in the source file
    text: str  # the removed line, or the removed span
    rule: str  # e.g. "novelbuddy.watermark", "header", "boilerplate"
    context: str | None = None  # for a span: the whole original line


@dataclass(frozen=True)
class Cleaned:
    source: Source
    number: str | None  # "12", "12.5"; None when no number was found
    title: str | None  # the chapter's own title, without "Chapter 12"
    blocks: tuple[str, ...]  # txt: paragraphs ("" never; scene breaks as SCENE_BREAK); md: text
    removals: tuple[Removal, ...] = ()
    candidates: tuple[Removal, ...] = ()  # kept, but looked like junk: for the report
    warnings: tuple[str, ...] = ()


SCENE_BREAK = "\x00scene-break"  # a block marker no real text can contain (NUL is stripped)


@dataclass(frozen=True)
class Image:
    file_name: str  # inside the EPUB, e.g. "images/map.png"
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Chapter:
    """A rendered chapter: what assembly needs, nothing more."""

    key: str  # stable id, also the file stem: "chapter-12"
    file_name: str  # "text/chapter-12.xhtml"
    label: str  # TOC label: "Chapter 12: Title"
    volume: tuple[str, ...]
    xhtml: bytes
    words: int
    images: tuple[Image, ...] = ()
    images_without_alt: int = 0
    has_footnotes: bool = False
    has_tables: bool = False
    # (line, message) for accessibility problems the build reports as warnings: content
    # images without alt text, raw-HTML tables without header cells. Any of them withdraws
    # the book's conformance claim (a11y.derive).
    accessibility_warnings: tuple[tuple[int | None, str], ...] = ()
    nav_label: str = ""  # the label as nav-page XHTML (a title in another language has its lang)
