"""Chapter discovery, natural order and decoding."""

from __future__ import annotations

import codecs

import pytest
from conftest import run_cli, write_book

from ebookgen.config import load_book
from ebookgen.errors import BookError
from ebookgen.sources import decode, discover, natural_key, read_sources


def test_natural_order_of_names():
    names = [
        "Chapter 10.txt", "Chapter 2.txt", "Chapter 12.5.txt", "Chapter 12.txt",
        "Chapter 13.txt", "Chapter 1.txt",
    ]
    assert sorted(names, key=natural_key) == [
        "Chapter 1.txt", "Chapter 2.txt", "Chapter 10.txt", "Chapter 12.txt",
        "Chapter 12.5.txt", "Chapter 13.txt",
    ]


def test_zero_padded_volumes_and_cjk_numerals():
    assert sorted(["0010.md", "0002.md", "0001.md"], key=natural_key) == ["0001.md", "0002.md", "0010.md"]
    assert sorted(
        ["Volume 2/Chapter 1.txt", "Volume 1/Chapter 10.txt", "Volume 1/Chapter 9.txt"], key=natural_key
    ) == ["Volume 1/Chapter 9.txt", "Volume 1/Chapter 10.txt", "Volume 2/Chapter 1.txt"]
    assert sorted(["第十章.txt", "第二章.txt", "第一百零一章.txt"], key=natural_key) == [
        "第二章.txt", "第十章.txt", "第一百零一章.txt"
    ]


def test_hidden_files_and_editor_leftovers_are_ignored(tmp_path):
    book = write_book(
        tmp_path,
        {
            "Chapter 1.txt": "One.",
            ".Chapter 2.txt": "hidden",
            "Chapter 3.txt~": "backup",
            "#Chapter 4.txt#": "emacs",
            ".git/x.txt": "vcs",
            "notes.docx": "not a chapter",
            "Chapter 5.md": "Five.",
        },
    )
    found = [p.name for p in discover(load_book(book))]
    assert found == ["Chapter 1.txt", "Chapter 5.md"]


def test_explicit_chapter_list_fixes_the_order(tmp_path):
    yaml = "title: X\nlanguage: en\nchapters:\n  - chapters/b.txt\n  - chapters/a*.txt\n"
    book = write_book(tmp_path, {"a2.txt": "A2.", "a1.txt": "A1.", "b.txt": "B."}, yaml)
    assert [p.name for p in discover(load_book(book))] == ["b.txt", "a1.txt", "a2.txt"]


def test_explicit_list_entry_matching_nothing_names_its_line(tmp_path):
    yaml = "title: X\nlanguage: en\nchapters:\n  - chapters/a.txt\n  - chapters/zzz*.txt\n"
    book = write_book(tmp_path, {"a.txt": "A."}, yaml)
    result = run_cli("build", str(book))
    assert result.code == 1
    assert "book.yaml:5: chapters: no file matches 'chapters/zzz*.txt'" in result.err


@pytest.mark.parametrize(
    "raw,encoding",
    [
        ("naïve café “quoted”".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "naïve café".encode(), "utf-8-sig"),
        ("naïve café".encode("utf-16"), "utf-16"),
        (("Ce naïve café, “déjà vu” — he said. " * 20).encode("cp1252"), "cp1252"),
    ],
)
def test_decoding(tmp_path, raw, encoding):
    text, used = decode(raw, tmp_path / "x.txt")
    assert "naïve" in text
    assert used == encoding


def test_cp1252_is_not_mistaken_for_another_code_page(tmp_path):
    raw = ("The naïve café owner said “déjà vu” and left. " * 10).encode("cp1252")
    text, used = decode(raw, tmp_path / "x.txt")
    assert used == "cp1252"
    assert "naïve café" in text and "“déjà vu”" in text


def test_utf16_without_bom(tmp_path):
    text, used = decode("Plain English text, long enough to tell.".encode("utf-16-le"), tmp_path / "x")
    assert text.startswith("Plain English")
    assert used == "utf-16-le"


def test_binary_file_is_an_error_naming_it(tmp_path):
    book = write_book(tmp_path, {"Chapter 1.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)})
    with pytest.raises(BookError) as err:
        read_sources(load_book(book))
    assert err.value.path.name == "Chapter 1.txt"
    assert "binary" in err.value.message


def test_empty_chapters_folder_is_an_error(tmp_path):
    book = write_book(tmp_path, {})
    (book / "chapters").mkdir()
    result = run_cli("build", str(book))
    assert result.code == 1
    assert "chapters: no chapter files" in result.err


def test_symlink_out_of_the_book_is_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    book = write_book(tmp_path / "book", {"Chapter 1.txt": "One."})
    (book / "chapters" / "Chapter 2.txt").symlink_to(outside)
    result = run_cli("build", str(book))
    assert result.code == 1
    assert "outside the book folder" in result.err
    assert "Chapter 2.txt" in result.err
