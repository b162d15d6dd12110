"""End to end: build real books, open them as a reader would, validate with EPUBCheck."""

from __future__ import annotations

import codecs
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import NS, REPO, Epub, one_epub, run_cli, run_cli_process, write_book
from support import readers

# --- the 41-chapter book of mixed encodings ------------------------------------------------


def story_lines(n: int) -> list[str]:
    """Distinct story lines for chapter n, with the characters that break naive tools."""
    return [
        f"Chapter {n} began with rain over the naïve café, and Lin Feng waited.",
        f"“Is it {n} taels or {n + 1}?” Mei Ling asked — nobody answered.",
        f"The ledger read **** where the name should be; a_b_c was scrawled beside it ({n}).",
        "<Level Up!> flashed in front of him & he laughed.",
        f"He counted to {n * 3} under his breath, then stopped.",
    ]


def encode(n: int, text: str) -> bytes:
    if n % 7 == 3:
        return text.encode("cp1252")
    if n % 7 == 5:
        return text.encode("utf-16")
    if n % 7 == 6:
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode("utf-8")


def write_mixed_book(root: Path) -> dict[str, list[str]]:
    """Chapter 1..40 and Chapter 12.5; some cp1252, UTF-16, UTF-8 with BOM; some CRLF; some
    with blank-line paragraphs. Returns the expected story lines per chapter number."""
    chapters, expected = {}, {}
    numbers = [str(n) for n in range(1, 41)]
    numbers.insert(12, "12.5")
    for i, number in enumerate(numbers):
        n = i + 1
        lines = story_lines(n)
        sep = "\n\n" if n % 3 == 0 else "\n"
        text = f"Chapter {number}: Title {number}\n" + sep.join(lines) + "\n"
        if n % 4 == 0:
            text = text.replace("\n", "\r\n")
        chapters[f"Chapter {number}.txt"] = encode(n, text)
        expected[number] = lines
    write_book(root, chapters)
    return expected


@pytest.fixture(scope="module")
def mixed_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    expected = write_mixed_book(root)
    result = run_cli("build", str(root))
    assert result.code == 0, result.err
    return root, expected, result


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory):
    """The sample book at the repo root, built in a copy (the repo stays untouched)."""
    root = tmp_path_factory.mktemp("sample") / "book"
    shutil.copytree(REPO / "chapters", root / "chapters")
    shutil.copy(REPO / "book.yaml", root / "book.yaml")
    result = run_cli_process("build", cwd=root)
    assert result.code == 0, result.err
    return root


@pytest.fixture(scope="module")
def epubcheck_results(mixed_book, sample_book):
    """One EPUBCheck run (one JVM) for the books of this module."""
    books = [one_epub(mixed_book[0]), one_epub(sample_book)]
    return readers.epubcheck(books)


def test_spine_is_in_natural_order_with_12_5_between_12_and_13(mixed_book):
    root, expected, _ = mixed_book
    book = Epub(one_epub(root))
    labels = [c.title for c in book.chapters()]
    want = [f"Chapter {n}: Title {n}" for n in [str(i) for i in range(1, 13)] + ["12.5"] + [str(i) for i in range(13, 41)]]
    assert labels == want


def test_every_story_line_arrives_intact(mixed_book):
    root, expected, _ = mixed_book
    book = Epub(one_epub(root))
    chapters = book.chapters()
    assert len(chapters) == 41
    for chapter in chapters:
        number = chapter.title.split(":")[0].removeprefix("Chapter ")
        assert chapter.paragraphs == expected[number], chapter.href


def test_build_output_names_files_that_were_not_utf8(mixed_book):
    _, _, result = mixed_book
    assert "Chapter 3.txt was not UTF-8: read as cp1252" in result.err
    assert "Chapter 5.txt was not UTF-8: read as utf-16" in result.err
    assert "Chapter 6.txt" not in result.err  # UTF-8 with a BOM is UTF-8
    assert "41 chapters" in result.out


def test_mixed_book_passes_epubcheck(mixed_book, epubcheck_results):
    assert epubcheck_results[one_epub(mixed_book[0]).resolve()] == []


def test_sample_book_passes_epubcheck(sample_book, epubcheck_results):
    assert epubcheck_results[one_epub(sample_book).resolve()] == []


def test_epub_structure_as_readers_expect(mixed_book):
    path = one_epub(mixed_book[0])
    z = zipfile.ZipFile(path)
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype") == b"application/epub+zip"
    book = Epub(path)
    assert book.metadata("title") == ["Test Book"]
    assert book.metadata("language") == ["en"]
    assert book.metadata("creator") == ["A. Writer"]
    assert book.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert book.manifest["ncx"] is not None  # an NCX for older readers
    ncx = z.read("EPUB/toc.ncx").decode()
    assert ncx.count("<navPoint") == 41
    for chapter in book.chapters():
        assert chapter.root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
        assert chapter.href.startswith("EPUB/text/chapter-")
        raw = z.read(chapter.href)
        assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_same_input_same_bytes_even_after_touching_and_moving(mixed_book, tmp_path):
    root = mixed_book[0]
    first = one_epub(root).read_bytes()
    for f in (root / "chapters").iterdir():
        os.utime(f, (1_500_000_000, 1_500_000_000))
    assert run_cli("build", str(root)).code == 0
    assert one_epub(root).read_bytes() == first
    copy = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(root / "chapters", copy / "chapters")
    shutil.copy(root / "book.yaml", copy / "book.yaml")
    assert run_cli("build", str(copy)).code == 0
    assert one_epub(copy).read_bytes() == first


def test_source_date_epoch_sets_modified(tmp_path, monkeypatch):
    book = write_book(tmp_path, {"Chapter 1.txt": "One line of story."})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run_cli("build", str(book)).code == 0
    assert Epub(one_epub(book)).meta_property("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    for info in zipfile.ZipFile(one_epub(book)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_chapter_file_names_follow_the_chapter_not_its_position(tmp_path):
    book = write_book(tmp_path, {"Chapter 1.txt": "One.", "Chapter 2.txt": "Two."})
    assert run_cli("build", str(book)).code == 0
    before = Epub(one_epub(book)).spine_ids
    (book / "chapters" / "Chapter 1.5.txt").write_text("One and a half.")
    assert run_cli("build", str(book)).code == 0
    after = Epub(one_epub(book)).spine_ids
    assert [i for i in after if i != "chapter-1-5"] == before


def test_output_flag_and_summary(tmp_path):
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Seven words are in this line here."})
    out = tmp_path / "custom.epub"
    result = run_cli("build", str(book), "-o", str(out))
    assert result.code == 0, result.err
    assert out.is_file()
    assert "1 chapters, 7 words" in result.out
    assert "custom.epub" in result.out


def test_failed_build_leaves_the_old_epub_and_sources_untouched(tmp_path):
    book = write_book(tmp_path, {"Chapter 1.txt": "One."})
    assert run_cli("build", str(book)).code == 0
    epub = one_epub(book)
    old = epub.read_bytes()
    sources = {p: p.read_bytes() for p in (book / "chapters").iterdir()}
    (book / "book.yaml").write_text("title: [broken\n")
    assert run_cli("build", str(book)).code == 1
    assert epub.read_bytes() == old
    assert {p: p.read_bytes() for p in (book / "chapters").iterdir()} == sources
    assert [p.name for p in (book / "build").iterdir() if p.suffix != ".html" and p.name != ".cache"] == [epub.name]


def test_scene_breaks_and_blank_line_paragraphs(tmp_path, open_epub):
    text = "Chapter 1: Start\n\nFirst paragraph.\n\n* * *\n\nSecond paragraph.\n\n◇◇◇\n\nThird.\n"
    book = write_book(tmp_path, {"Chapter 1.txt": text})
    assert run_cli("build", str(book)).code == 0
    chapter = open_epub(one_epub(book)).chapters()[0]
    assert chapter.paragraphs == ["First paragraph.", "Second paragraph.", "Third."]
    hrs = chapter.root.findall(".//x:hr", NS)
    assert len(hrs) == 2 and all(hr.get("class") == "scene-break" for hr in hrs)


def test_hard_wrapped_paragraphs_are_joined(tmp_path, open_epub):
    para = (
        "It was a bright cold day in April, and the clocks were striking thirteen\n"
        "as the old man walked slowly down the long street towards the market square\n"
        "where the traders had already set out their stalls for the morning crowd\n"
        "and the smell of bread drifted over the cobbles in the thin spring air.\n"
    )
    book = write_book(tmp_path, {"Chapter 1.txt": "Chapter 1\n\n" + "\n".join([para] * 4)})
    assert run_cli("build", str(book)).code == 0
    chapter = open_epub(one_epub(book)).chapters()[0]
    assert len(chapter.paragraphs) == 4
    assert chapter.paragraphs[0].startswith("It was a bright") and chapter.paragraphs[0].endswith("spring air.")


def test_version_flag():
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.startswith("ebookgen ")


def test_build_loads_only_its_own_command_and_a_typo_still_lists_them_all(tmp_path):
    """`ebookgen build` does not pay for the other commands' imports (the checker's); a
    mistyped command still gets the full list to choose from."""
    import subprocess
    import sys

    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nOnly words here.\n"})
    probe = (
        "import sys; from ebookgen.cli import main; code = main(['build', sys.argv[1]]); "
        "print(code, 'ebookgen.commands.check' in sys.modules, 'ebookgen.commands.init' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(book)], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-3:] == ["0", "False", "False"], out.stdout + out.stderr
    typo = run_cli("bild", str(book))
    assert typo.code == 2 and "'build', 'clean', 'list', 'check', 'watch'" in typo.err
