"""The reader/validator harness (tests/support/readers.py) must be able to fail.

Books here are made by hand with zipfile, independent of ebookgen: one valid EPUB 3 and
copies broken on purpose, so a harness that always says "fine" is caught.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from support import readers

SENTENCE = "The quick brown fox jumps over the lazy dog."

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:12345678-1234-4234-8234-123456789abc</dc:identifier>
    <dc:title>Tiny Book</dc:title>
    {language}
    <meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="c1" href="{href}" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="c1"/></spine>
</package>
"""

NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
      xml:lang="en" lang="en">
<head><title>Contents</title></head>
<body>
  <nav epub:type="toc" id="toc"><h1>Contents</h1>
    <ol><li><a href="chapter1.xhtml">Chapter One</a></li></ol>
  </nav>
</body>
</html>
"""

CHAPTER = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head><title>Chapter One</title></head>
<body><h1>Chapter One</h1><p>{SENTENCE}</p></body>
</html>
"""


def make_tiny_epub(path: Path, *, language: bool = True, href: str = "chapter1.xhtml") -> Path:
    """A minimal EPUB 3: mimetype stored first, container, OPF, nav, one chapter."""
    opf = OPF.format(language="<dc:language>en</dc:language>" if language else "", href=href)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                   compress_type=zipfile.ZIP_STORED)
        for name, text in [("META-INF/container.xml", CONTAINER), ("EPUB/package.opf", opf),
                           ("EPUB/nav.xhtml", NAV), ("EPUB/chapter1.xhtml", CHAPTER)]:
            z.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_white_png(path: Path, width: int = 40, height: int = 30) -> Path:
    """An all-white 8-bit greyscale PNG, written by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("books")
    garbage = d / "garbage.epub"
    garbage.write_bytes(b"this is not a zip file\n")
    return {
        "ok": make_tiny_epub(d / "ok.epub"),
        "no_language": make_tiny_epub(d / "no_language.epub", language=False),
        "bad_href": make_tiny_epub(d / "bad_href.epub", href="missing.xhtml"),
        "garbage": garbage,
    }


def test_epubcheck_accepts_the_valid_book_and_rejects_each_broken_copy(books):
    result = readers.epubcheck(books.values())  # one JVM for all four
    assert set(result) == {p.resolve() for p in books.values()}
    by_name = {name: result[p.resolve()] for name, p in books.items()}
    assert by_name["ok"] == []
    assert any("RSC-005" in m and "dc:language" in m for m in by_name["no_language"]), by_name
    assert any(m.startswith("ERROR RSC-001") for m in by_name["bad_href"]), by_name
    assert any(m.split()[0] in ("FATAL", "ERROR") for m in by_name["garbage"]), by_name
    assert all(m.split()[0] in readers.EPUBCHECK_SEVERITIES for ms in by_name.values() for m in ms)


def test_epubcheck_one_jvm_per_book_fallback_agrees(books, monkeypatch):
    monkeypatch.setattr(readers, "_source_launch_ok", lambda: False)
    result = readers.epubcheck([books["no_language"]])  # one book: a JVM start is ~3 s
    assert any("RSC-005" in m for m in result[books["no_language"].resolve()])


def test_mutool_renders_a_page_with_ink_and_its_text(books, tmp_path):
    pngs = readers.mutool_render(books["ok"], tmp_path / "pages", pages=2)
    assert [p.name for p in pngs] == ["page1.png"]  # a one-page book gives one file
    assert pngs[0].read_bytes().startswith(b"\x89PNG")
    assert not readers.png_is_blank(pngs[0])
    assert SENTENCE in readers.squash(readers.mutool_text(books["ok"]))


def test_png_is_blank_on_a_white_image(tmp_path):
    assert readers.png_is_blank(write_white_png(tmp_path / "white.png"))


def test_pandoc_text_has_the_sentence(books):
    assert SENTENCE in readers.pandoc_text(books["ok"]).splitlines()


def test_readers_raise_with_the_tool_stderr_on_a_broken_file(books):
    with pytest.raises(readers.ToolError, match="cannot"):  # mutool: cannot recognize zip
        readers.mutool_text(books["garbage"])
    with pytest.raises(readers.ToolError, match="exit code"):
        readers.pandoc_text(books["garbage"])


def test_ace_reports_outcome_and_missing_accessibility_metadata(books, tmp_path):
    report = readers.ace(books["ok"], tmp_path / "ace")
    assert (tmp_path / "ace" / "report.json").is_file()
    assert report["outcome"] in ("pass", "fail")
    assert all(isinstance(v, tuple) and len(v) == 4 for v in report["violations"])
    rules = {(doc, rule) for doc, rule, _, _ in report["violations"]}
    assert ("EPUB/package.opf", "metadata-accessmode") in rules, report["violations"]
    assert report["outcome"] == "fail"


def test_require_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        readers.require("pandoc")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        readers.require("pandoc")
    with pytest.raises(ValueError):
        readers.require("calibre")
