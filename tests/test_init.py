"""`ebookgen init`: from a folder of saved chapters to a book without reading a manual."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import Epub, one_epub, run_cli
from support.dirtybook import make_book
from test_cover import assert_page_one_is_generated_cover

from ebookgen.commands.init import guess_language, guess_title, header_prefix


def novelbuddy_folder(dest: Path, title: str = "Internet 2010") -> list[str]:
    """Five NovelBuddy-style chapters ('MTL - Internet 2010-Chapter 3 ...') loose in dest."""
    make_book(dest / "_src", 5, seed=4, families=["novelbuddy"], title=title)
    for f in (dest / "_src" / "chapters").iterdir():
        shutil.move(str(f), dest / f.name)
    shutil.rmtree(dest / "_src")
    return sorted(p.name for p in dest.iterdir())


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_novelbuddy_chapters_to_a_book_titled_after_the_novel(tmp_path):
    book = tmp_path / "novel"
    book.mkdir()
    novelbuddy_folder(book)
    before = files_under(book)
    result = run_cli("init", str(book))
    assert result.code == 0, result.err
    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    assert config["title"] == "Internet 2010"
    assert config["language"] == "en"
    assert config["chapters"] == "."
    after = files_under(book)
    assert {k: v for k, v in after.items() if k != "book.yaml"} == before, "init moved or changed a file"

    built = run_cli("build", str(book))
    assert built.code == 0, built.err
    epub = one_epub(book)
    assert Epub(epub).metadata("title") == ["Internet 2010"]
    assert len(Epub(epub).chapters()) == 5
    assert_page_one_is_generated_cover(epub, "Internet 2010", tmp_path / "render")


def test_the_yaml_is_commented(tmp_path):
    book = tmp_path / "novel"
    book.mkdir()
    novelbuddy_folder(book)
    run_cli("init", str(book))
    text = (book / "book.yaml").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comments) >= 10
    assert "# author:" in text and "# series:" in text and "# cover:" in text


def test_chapters_in_a_chapters_folder(tmp_path):
    book = tmp_path / "novel"
    make_book(book, 3, seed=2, families=["novelbuddy"], title="Rising Witness")
    (book / "book.yaml").unlink()
    result = run_cli("init", str(book))
    assert result.code == 0, result.err
    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    assert config["chapters"] == "chapters"
    assert config["title"] == "Rising Witness"
    assert run_cli("build", str(book)).code == 0


def test_never_overwrites_book_yaml_without_force(tmp_path):
    book = tmp_path / "novel"
    book.mkdir()
    novelbuddy_folder(book)
    (book / "book.yaml").write_text("title: Mine\nlanguage: en\n", encoding="utf-8")
    result = run_cli("init", str(book))
    assert result.code == 1
    assert "book.yaml" in result.err and "--force" in result.err
    assert "Traceback" not in result.err
    assert (book / "book.yaml").read_text(encoding="utf-8") == "title: Mine\nlanguage: en\n"
    forced = run_cli("init", "--force", str(book))
    assert forced.code == 0, forced.err
    assert yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))["title"] == "Internet 2010"


def test_empty_folder_gets_a_starter_book_that_builds(tmp_path):
    book = tmp_path / "my-new-novel"
    result = run_cli("init", str(book))
    assert result.code == 0, result.err
    assert (book / "chapters" / "Chapter 1.md").is_file()
    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    assert config["title"] == "My New Novel"
    built = run_cli("build", str(book))
    assert built.code == 0, built.err
    assert [c.heading for c in Epub(one_epub(book)).chapters()] == ["Chapter 1: The Beginning"]


def test_title_from_the_most_common_prefix():
    assert header_prefix("MTL - Internet 2010-Chapter 332 rising witness") == "Internet 2010"
    assert header_prefix("[Raw] The Jade Sect - Chapter 12: Dawn") == "The Jade Sect"
    assert header_prefix("Chapter 3: Dawn") is None
    assert header_prefix("MTL - Chapter 3 dawn") is None
    texts = [f"MTL - Internet 2010-Chapter {n} a title\nStory." for n in range(1, 5)]
    texts.append("Chapter 5 no prefix here\nStory.")
    assert guess_title(texts, []) == "Internet 2010"
    assert guess_title(["Chapter 1\nA story."] * 3, ["Internet 2010 - Chapter 1.txt"] * 3) == "Internet 2010"
    assert guess_title(["Chapter 1\nA story."], ["Chapter 1.txt"]) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The steward looked at the ledger and said nothing, but his hand was shaking.", "en"),
        ("他看着账本，什么也没说，但是他的手在发抖。师兄走了进来。", "zh"),
        ("彼は帳簿を見て何も言わなかったが、手が震えていた。", "ja"),
        ("그는 장부를 보고 아무 말도 하지 않았지만 손이 떨리고 있었다.", "ko"),
        ("El mayordomo miró el libro y no dijo nada, pero su mano temblaba por la noche.", "es"),
        ("Le régisseur regarda le registre et ne dit rien, mais sa main tremblait dans la nuit.", "fr"),
        ("Der Verwalter sah auf das Buch und sagte nichts, aber seine Hand zitterte nicht.", "de"),
        ("O mordomo olhou para o livro e não disse nada, mas a sua mão tremia com o frio.", "pt"),
        ("Управляющий посмотрел на книгу и ничего не сказал, но его рука дрожала.", "ru"),
    ],
)
def test_language_guess(text, language):
    assert guess_language(text * 3) == language
