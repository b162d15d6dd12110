"""Two independent reading engines open every fixture book: MuPDF lays it out and renders
the first pages (not blank; the first chapter's first sentence is in its text), pandoc's
EPUB reader reads it back (every chapter title there, in order). A book that validates can
still open blank in a reader; these catch that.

Books: the sample book at the repo root (built in a copy), every tests/books/*/book.yaml
(picked up by glob, so new fixture books join by themselves), and a small dirty book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import BOOKS, REPO, Epub, one_epub, run_cli
from support import readers
from support.dirtybook import make_book

FIXTURE_BOOKS = sorted(p.parent for p in BOOKS.glob("**/book.yaml"))
BOOK_IDS = ["sample", "dirty"] + [p.relative_to(BOOKS).as_posix() for p in FIXTURE_BOOKS]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path | str]:
    """Each book built once (in a copy): id -> EPUB path, or the error text when it does
    not build."""
    root = tmp_path_factory.mktemp("engines")
    dirs = {}
    sample = root / "sample"
    shutil.copytree(REPO / "chapters", sample / "chapters")
    shutil.copy(REPO / "book.yaml", sample / "book.yaml")
    dirs["sample"] = sample
    make_book(root / "dirty", 6, seed=11, families=["novelbuddy", "novelfull", "webnovel"])
    dirs["dirty"] = root / "dirty"
    for book, book_id in zip(FIXTURE_BOOKS, BOOK_IDS[2:], strict=True):
        dest = root / book_id.replace("/", "-")
        shutil.copytree(book, dest, ignore=shutil.ignore_patterns("build"))
        dirs[book_id] = dest
    out: dict[str, Path | str] = {}
    for book_id, folder in dirs.items():
        result = run_cli("build", str(folder))
        out[book_id] = one_epub(folder) if result.code == 0 else result.err.strip()
    return out


def _epub(built, book_id: str) -> Path:
    epub = built[book_id]
    if isinstance(epub, str):
        pytest.skip(f"{book_id} does not build (an error fixture?): {epub}")
    return epub


def first_sentence(epub: Path) -> str:
    """The first sentence of the first chapter's first paragraph with text, as stored."""
    for chapter in Epub(epub).chapters():
        for para in chapter.paragraphs:
            text = readers.squash(para)
            if len(text) >= 3:
                m = re.match(r".+?[.!?。！？](?=\s|$|[”\"’])", text)
                return m.group(0) if m else text
    raise AssertionError(f"{epub}: no chapter has a paragraph")


@pytest.mark.parametrize("book_id", BOOK_IDS)
def test_mupdf_renders_pages_and_text(built, book_id, tmp_path):
    epub = _epub(built, book_id)
    pages = readers.mutool_render(epub, tmp_path, pages=2)
    assert pages, f"MuPDF rendered no page of {book_id}"
    for page in pages:
        assert not readers.png_is_blank(page), f"{book_id}: {page.name} is blank"
    sentence = first_sentence(epub)
    # Cover, contents and the first chapter's opening fit in the first pages.
    text = readers.squash(readers.mutool_text(epub, "1-8"))
    # MuPDF may break a word at a hyphen at the end of a line: compare without those.
    assert readers.squash(sentence).replace("- ", "-") in text.replace("- ", "-"), (
        f"{book_id}: first sentence {sentence!r} not in MuPDF's text"
    )


@pytest.mark.parametrize("book_id", BOOK_IDS)
def test_pandoc_reads_every_chapter_title_in_order(built, book_id):
    epub = _epub(built, book_id)
    text = readers.squash(readers.pandoc_text(epub))
    titles = [label for label, _ in Epub(epub).toc()]
    assert titles, f"{book_id}: empty TOC"
    at = 0
    for title in titles:
        found = text.find(readers.squash(title), at)
        assert found >= 0, f"{book_id}: chapter title {title!r} missing (or out of order) in pandoc's text"
        at = found + len(title)


# --- KEPUB (Kobo) ------------------------------------------------------------------------


def test_kepubify_wraps_sentences_and_keeps_every_character():
    from lxml import etree

    from ebookgen.kepub import kepubify

    doc = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head><body>\n'
        b'<section><h1>Chapter 1: Dawn</h1>\n<p>He ran. &lt;Level Up!&gt; She said: \xe2\x80\x9cNo!\xe2\x80\x9d <em>Fine</em> then</p>\n'
        b'<p><img src="a.png" alt="a map"/></p><pre>keep. as is.</pre></section>\n</body></html>'
    )
    out = kepubify(doc)
    root = etree.fromstring(out)
    x = "{http://www.w3.org/1999/xhtml}"
    body = root.find(f"{x}body")
    assert [d.get("id") for d in body.iter(f"{x}div")] == ["book-columns", "book-inner"]
    spans = [s for s in body.iter(f"{x}span") if s.get("class") == "koboSpan"]
    ids = [s.get("id") for s in spans]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids)
    first_p = body.find(f".//{x}p")
    # kepubify's (and Kobo's) rule: cut after . ! ? : and an optional closing quote.
    assert ["".join(s.itertext()) for s in first_p.iter(f"{x}span")][:4] == [
        "He ran. ", "<Level Up!", "> She said: ", "“No!” ",
    ]
    assert body.find(f".//{x}pre").text == "keep. as is."
    assert body.find(f".//{x}img").getparent().get("class") == "koboSpan"
    before = "".join(etree.fromstring(doc).find(f"{x}body").itertext())
    assert "".join(body.itertext()) == before
    assert out.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert kepubify(out) == out  # already done: unchanged


def test_kepub_of_the_sample_book_validates_and_reads(built, tmp_path):
    from ebookgen.kepub import kepub_file, kepub_name

    epub = _epub(built, "sample")
    kepub = kepub_file(epub, kepub_name(epub))
    assert kepub.name.endswith(".kepub.epub")
    assert kepub_file(epub, tmp_path / "again.kepub.epub").read_bytes() == kepub.read_bytes()
    assert readers.epubcheck([kepub]) == {kepub.resolve(): []}
    pages = readers.mutool_render(kepub, tmp_path, pages=2)
    assert pages and not any(readers.png_is_blank(p) for p in pages)
    assert readers.squash(first_sentence(epub)) in readers.squash(readers.mutool_text(kepub, "1-8"))
    text = readers.squash(readers.pandoc_text(kepub))
    at = 0
    for title, _ in Epub(kepub).toc():
        at = text.find(title, at)
        assert at >= 0, title
    chapter = Epub(kepub).chapters()[0].root
    assert chapter.find(".//{http://www.w3.org/1999/xhtml}span[@class='koboSpan']") is not None
