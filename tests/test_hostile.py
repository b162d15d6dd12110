"""Hostile Markdown (tests/books/hostile): scripts, frames, handlers, javascript: links
(plain, odd-case, entity-encoded), data: and file: URLs, remote images and stylesheets,
forms, SVG and MathML, NULs and control characters, ']]>' and '&'. The EPUB must carry
none of it, must keep every story line around it, and must pass EPUBCheck 0/0."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from posixpath import dirname, join, normpath
from urllib.parse import urlsplit

import pytest
from conftest import BOOKS, NS, Epub, one_epub, run_cli
from lxml import etree
from support import readers
from test_errors import write_warnings_book

HOSTILE = BOOKS / "hostile"

# Elements that run code, fetch something, or take input: none may reach a reader.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "object", "embed", "style", "form", "input", "button", "textarea",
    "select", "option", "svg", "math", "video", "audio", "source", "track", "canvas", "base",
    "frame", "frameset", "applet", "param", "template", "noscript", "picture", "portal",
}
URL_ATTRIBUTES = {"href", "src", "srcset", "poster", "action", "formaction", "data", "ping",
                  "background", "cite", "longdesc", "xlink:href", "{http://www.w3.org/1999/xlink}href"}
# Markers the fixture puts only inside hostile markup: never in the EPUB (Markdown chapters).
HOSTILE_MARKERS = ("xss", "evil.example", "javascript", "vbscript", "alert(", "data:", "file:")
STORY = [f"Story-{n:02d}" for n in range(1, 39)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    book = root / "hostile"
    shutil.copytree(HOSTILE, book)
    source_bytes = {p: p.read_bytes() for p in book.rglob("*") if p.is_file()}
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    # Source files are never changed by a build.
    assert all(p.read_bytes() == data for p, data in source_bytes.items())
    warned = write_warnings_book(root / "warnings")
    assert run_cli("build", str(warned)).code == 0
    return {"hostile": one_epub(book), "warnings": one_epub(warned)}


def test_hostile_and_warning_books_pass_epubcheck(built):
    readers.require("epubcheck")
    report = readers.epubcheck(list(built.values()))
    assert report == {path: [] for path in built.values()}, report


def _documents(epub: Epub):
    for name in epub.zip.namelist():
        if name.endswith((".xhtml", ".html", ".htm", ".opf", ".ncx", ".xml", ".svg")):
            yield name, etree.fromstring(epub.read(name))  # every one parses as XML


def test_no_hostile_element_attribute_or_url_survives(built):
    epub = Epub(built["hostile"])
    names = set(epub.zip.namelist())
    checked = 0
    for name, root in _documents(epub):
        if not name.endswith(".xhtml"):
            continue
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue  # comments and processing instructions would fail below anyway
            local = etree.QName(el).localname
            assert local not in FORBIDDEN_ELEMENTS, f"{name}: <{local}>"
            if local == "link":
                assert el.get("rel") == "stylesheet" and not urlsplit(el.get("href")).scheme, name
            if local == "meta":
                assert el.get("http-equiv") is None, name
            for attr, value in el.attrib.items():
                attr_name = etree.QName(attr).localname if attr.startswith("{") else attr
                assert not attr_name.lower().startswith("on"), f"{name}: <{local} {attr_name}>"
                assert attr_name not in ("style", "srcset", "ping", "formaction", "action"), f"{name}: {attr_name}"
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not squashed.startswith(("javascript:", "vbscript:", "data:", "file:")), (name, value)
                if attr_name in URL_ATTRIBUTES or attr in URL_ATTRIBUTES:
                    parts = urlsplit(value)
                    if local == "a" and attr_name == "href":
                        assert parts.scheme in ("", "http", "https", "mailto"), (name, value)
                        assert not value.startswith("//"), (name, value)
                        if not parts.scheme and parts.path:
                            assert normpath(join(dirname(name), parts.path)) in names, (name, value)
                    else:
                        # Everything a reader would load is inside the EPUB: nothing fetched.
                        assert not parts.scheme and not parts.netloc, (name, value)
                        assert normpath(join(dirname(name), parts.path)) in names, (name, value)
            checked += 1
    assert checked > 100
    # Nothing remote in the package either.
    for item in epub.manifest.values():
        assert not urlsplit(item.get("href")).scheme
        assert "remote-resources" not in (item.get("properties") or "")
    for name in names:
        if name.endswith(".css"):
            css = epub.read(name).decode()
            assert "@import" not in css and "http" not in css, name


def test_markdown_chapters_carry_no_trace_of_the_attack(built):
    epub = Epub(built["hostile"])
    for ch in epub.chapters():
        if "plain" in ch.href:
            continue  # the .txt chapter shows its HTML as words (next test)
        raw = epub.read(ch.href).decode("utf-8").lower()
        for marker in HOSTILE_MARKERS:
            assert marker not in raw, f"{ch.href}: {marker!r} survived"


def test_story_text_around_the_attack_survives(built):
    epub = Epub(built["hostile"])
    text = "\n".join("".join(ch.root.itertext()) for ch in epub.chapters())
    for marker in STORY:
        assert marker in text, f"{marker} lost"
    for sentence in [
        "Story-02: The inn smelled of rain & old tea.",
        "Story-19: A scholar wrote <Level Up!> on the wall & grinned.",
        "Story-21: The CDATA end ]]> sat in the middle of the scroll.",
        "Story-22: Salt & pepper & more; AT&T; 5 < 6 and 7 > 3.",
        "Story-28: An unknown tag <blink>stays readable</blink> as text.",
        "Story-34: A mixed-case <ScRiPt>tag</ScRiPt> is shown as text, never run.",
        # a .txt chapter is never read as HTML: its markup is the story's words
        "Story-36: In a .txt chapter, <script>alert('txt-is-text')</script> is only words.",
        "Story-38: <Level Up!> Strength +1 & Agility +2 ]]> done.",
        "A NUL here: and a bell: and an escape:[31m and a delete: end.",
        "emoji \U0001F409 too.",
        "A grey pixel",  # the alt text of a local image, kept with the image
        "remote map",  # the alt text of a remote image, kept as text
    ]:
        assert sentence in text or any(sentence in el.get("alt", "") for ch in epub.chapters()
                                       for el in ch.root.iter(f"{{{NS['x']}}}img")), sentence
    # The local image is packed; the remote ones are not (a generated cover may be there too).
    images = [n for n in epub.zip.namelist() if "/images/" in n and "/images/cover" not in n]
    assert len(images) == 1 and images[0].endswith(".png"), images
    assert zipfile.ZipFile(built["hostile"]).testzip() is None
