"""Sizes: a 50 MB chapter, 20,000 tiny chapters, a 10,000-character line, deep Markdown
nesting. Each builds (story intact, EPUB valid) or stops with one clear line.

The two big books take minutes, so they run only with EBOOKGEN_SLOW_TESTS=1; the fast
cases here (and the 64 MB refusal) always run."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from conftest import Epub, one_epub, run_cli, write_book
from lxml import etree
from support import readers

slow = pytest.mark.skipif(
    os.environ.get("EBOOKGEN_SLOW_TESTS", "") in ("", "0"),
    reason="minutes long: set EBOOKGEN_SLOW_TESTS=1",
)
LINE_10K = ("Lin Feng counted the steps of the long stair. " * 250)[:9_999] + "."

FAST_BOOKS = {
    # name: (chapter file, text, sentences that must be in the book)
    "long-line": ("Chapter 1.txt", f"Chapter 1: One Line\n{LINE_10K}\nThe next line.\n",
                  [LINE_10K, "The next line."]),
    "deep-quote": ("Chapter 1.md", "# Chapter 1\n\n" + ">" * 10_000 + " Deep in the quotes.\n\nAfter the quote.\n",
                   ["Deep in the quotes.", "After the quote."]),
    "deep-divs": ("Chapter 1.md", "# Chapter 1\n\n" + "<div>" * 10_000 + "Deep in the divs."
                  + "</div>" * 10_000 + "\n\nAfter the divs.\n", ["Deep in the divs.", "After the divs."]),
    "deep-emphasis": ("Chapter 1.md", "# Chapter 1\n\n" + "*" * 10_000 + "Bold at the bottom."
                      + "*" * 10_000 + "\n\nAfter the stars.\n", ["Bold at the bottom.", "After the stars."]),
    "deep-inline-html": ("Chapter 1.md", "# Chapter 1\n\n<p>" + "<b><i>" * 2_000 + "Deep inline."
                         + "</i></b>" * 2_000 + "</p>\n\nAfter the inline.\n", ["Deep inline.", "After the inline."]),
}


def book_text(epub: Path) -> str:
    """All chapter text, every document parsed as XML (a parse error fails the test)."""
    book = Epub(epub)
    for name in book.zip.namelist():
        if name.endswith((".xhtml", ".opf", ".ncx")):
            etree.fromstring(book.read(name))
    return "\n".join("".join(ch.root.itertext()) for ch in book.chapters())


@pytest.fixture(scope="module")
def fast_books(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sizes")
    built = {}
    for name, (file_name, text, _) in FAST_BOOKS.items():
        book = write_book(root / name, {file_name: text})
        result = run_cli("build", str(book))
        assert result.code == 0, (name, result.err)
        assert "Traceback" not in result.err
        built[name] = one_epub(book)
    return built


@pytest.mark.parametrize("name", list(FAST_BOOKS))
def test_big_and_deep_inputs_build_with_the_story_intact(fast_books, name):
    text = book_text(fast_books[name])
    for sentence in FAST_BOOKS[name][2]:
        assert sentence in text, (name, sentence[:80])


def test_big_and_deep_books_pass_epubcheck(fast_books):
    readers.require("epubcheck")
    report = readers.epubcheck(list(fast_books.values()))
    assert report == {p: [] for p in fast_books.values()}, report


def test_a_10000_character_line_is_a_paragraph_and_a_longer_one_warns(tmp_path):
    assert len(LINE_10K) == 10_000
    quiet = write_book(tmp_path / "quiet", {"Chapter 1.txt": f"Chapter 1\n{LINE_10K}\n"})
    result = run_cli("build", str(quiet))
    assert result.code == 0 and "warning" not in result.err, result.err
    assert LINE_10K in Epub(one_epub(quiet)).chapters()[0].paragraphs
    loud = write_book(tmp_path / "loud", {"Chapter 1.txt": f"Chapter 1\n{LINE_10K} More.\n"})
    result = run_cli("build", str(loud))
    assert result.code == 0
    assert "warning: Chapter 1.txt: a paragraph of 10,006 characters" in result.err


def test_hundreds_of_nested_lists_stop_with_a_clear_line(tmp_path):
    book = write_book(tmp_path, {"Chapter 1.md": "# Chapter 1\n\n" + "- " * 10_000 + "deep item\n"})
    result = run_cli("build", str(book))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines == [f"{(book / 'chapters' / 'Chapter 1.md').resolve()}: "
                     "Markdown nested too deeply to render: flatten the nesting"], result.err
    assert not (book / "build").exists() or not list((book / "build").glob("*.epub"))


def test_a_chapter_over_64_mb_is_refused_before_it_is_read(tmp_path):
    book = write_book(tmp_path, {"Chapter 1.txt": "Chapter 1\nFine.\n"})
    with open(book / "chapters" / "Chapter 2.txt", "wb") as f:
        f.truncate(65 * 2**20)  # sparse: costs nothing to write
    result = run_cli("build", str(book))
    assert result.code == 1
    assert result.err.strip().endswith(
        "Chapter 2.txt: is 65 MB, over the 64 MB limit for one chapter: split it into chapters"
    ), result.err


@slow
def test_a_50_mb_chapter_builds(tmp_path):
    paragraph = "Lin Feng walked along the river and thought about the sect for a long while. " * 12
    count = 50 * 2**20 // (len(paragraph) + 1)
    lines = [f"{paragraph}{n}." for n in range(count)]
    book = write_book(tmp_path, {"Chapter 1.txt": "Chapter 1: Big\n" + "\n".join(lines) + "\n"})
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    paragraphs = Epub(one_epub(book)).chapters()[0].paragraphs
    assert paragraphs[0] == lines[0] and paragraphs[-1] == lines[-1] and len(paragraphs) == count


@slow
def test_20000_tiny_chapters_build(tmp_path):
    chapters = {f"Chapter {n}.txt": f"Chapter {n}\nShort text number {n}.\n" for n in range(1, 20_001)}
    book = write_book(tmp_path, chapters)
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    epub = one_epub(book)
    assert zipfile.ZipFile(epub).testzip() is None
    toc = Epub(epub).toc()
    assert len(toc) == 20_000 and toc[-1][0] == "Chapter 20000"
