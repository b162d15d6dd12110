"""Chapter headers: number and title out of every header form sites use, and story lines
that merely start with 'Chapter' left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Epub, one_epub, run_cli, write_book

from ebookgen import headers
from ebookgen.boilerplate import Boilerplate
from ebookgen.build import prepare
from ebookgen.clean import BookContext, Cleaner
from ebookgen.headers import header_from_filename, parse_header
from ebookgen.model import CleanOptions, Source
from ebookgen.rulesets import compile_rules

RULES = compile_rules(CleanOptions())
STORY = ["Shen Yao swept the courtyard.", "The elder said nothing.", "By noon the rumours had spread."]


def clean(text: str, title: str = "Test Book", name: str = "notes.txt", fmt: str = "txt"):
    source = Source(Path(name), name, text, "utf-8", fmt, (), "0")
    return Cleaner(RULES, BookContext(title, Boilerplate())).clean(source)


@pytest.mark.parametrize(
    "line, number, title",
    [
        ("MTL - Internet 2010-Chapter 332 rising witness", "332", "rising witness"),
        ("Chapter 12 - Title", "12", "Title"),
        ("Chapter 12: Title", "12", "Title"),
        ("Ch. 12 Title", "12", "Title"),
        ("Chapter 12.5", "12.5", None),
        ("Volume 2 Chapter 3: Title", "3", "Title"),
        ("第12章 标题", "12", "标题"),
        ("第十二章 标题", "12", "标题"),
        ("第21.5章 借来的力量", "21.5", "借来的力量"),
        # forms the generators do not write
        ("Chapter 12 (1/2)", "12", "(1/2)"),
        ("Chapter Twelve", "12", None),
        ("Chapter Twenty-One: Ash", "21", "Ash"),
        ("Chapter one hundred and five", "105", None),
        ("Episode 3", "3", None),
        ("Episode 3: Rain", "3", "Rain"),
        ("[Chapter 12] The Gate", "12", "The Gate"),
        ("【Chapter 12】 The Gate", "12", "The Gate"),
        ("CHAPTER XII", "12", None),
        ("CHAPTER XII: The Gate", "12", "The Gate"),
        ("Chapter IV - Dawn", "4", "Dawn"),
        ("Ch 12:Title", "12", "Title"),
        ("Ch.12 Title", "12", "Title"),
        ("Chapter 012: Gate", "12", "Gate"),
        ("Chapter 12 - Chapter 12: Gate", "12", "Gate"),
        ("Vol. 2 Ch. 3 - Title", "3", "Title"),
        ("Book 2, Chapter 3: Title", "3", "Title"),
        ("Chapter 12 — “Run!”", "12", "“Run!”"),
        ("## Chapter 7: Night Shift", "7", "Night Shift"),
        ("**Chapter 7: Night Shift**", "7", "Night Shift"),
        ("[Test Book] Chapter 12: The Gate", "12", "The Gate"),
        ("Test Book - Chapter 12 - The Gate", "12", "The Gate"),
        ("Chp 7: Night Shift", "7", "Night Shift"),
        ("Chapter #12: The Gate", "12", "The Gate"),
        ("Chapter No. 12 - The Gate", "12", "The Gate"),
        ("Chapt. 7 - Night Shift", "7", "Night Shift"),
        # chapter words of the languages novels are often translated into
        ("Chapitre 3 : Le début", "3", "Le début"),
        ("Capítulo 12 - El fin", "12", "El fin"),
        ("Kapitel 4: Der Turm", "4", "Der Turm"),
        ("Глава 5. Башня", "5", "Башня"),
        # separators some sites use, and numbered parts and ranges
        ("Chapter 12：The Gate", "12", "The Gate"),
        ("Chapter 12 ~ The Gate", "12", "The Gate"),
        ("Chapter 12 ~Interlude~", "12", "Interlude"),
        ("Chapter 12 » The Gate", "12", "The Gate"),
        ("Chapter 12 • The Gate", "12", "The Gate"),
        ("Chapter 12 =The Gate=", "12", "The Gate"),
        ("Chapter 12, The Gate", "12", "The Gate"),
        ("Chapter 12-2", "12-2", None),
        ("Chapter 12-2: The Gate", "12-2", "The Gate"),
        ("Chapter 012-02 - The Gate", "12-2", "The Gate"),
        ("Chapter 12-13: Two in One", "12-13", "Two in One"),
        # thousands separators, arcs, named extra chapters, Korean and Japanese counters
        ("Chapter 1,234: The Gate", "1234", "The Gate"),
        ("Chapter 1,234", "1234", None),
        ("Arc 2 Chapter 5: The Gate", "5", "The Gate"),
        ("Bonus Chapter: The Gate", None, "Bonus Chapter: The Gate"),
        ("Extra Chapter 3", None, "Extra Chapter 3"),
        ("Special Chapter - The Gate", None, "Special Chapter: The Gate"),
        ("Extra 3: The Gate", None, "Extra 3: The Gate"),
        ("Chapter-12: The Gate", "12", "The Gate"),
        ("S2 Chapter 3: The Gate", "3", "The Gate"),
        ("Season 2 Episode 3: The Gate", "3", "The Gate"),
        ("Book Two Chapter 3: The Gate", "3", "The Gate"),
        ("제5화 문", "5", "문"),
        ("第5話 門", "5", "門"),
    ],
)
def test_header_forms(line, number, title):
    h = parse_header(line, "Test Book")
    assert h is not None, line
    assert (h.number, h.title) == (number, title)


@pytest.mark.parametrize(
    "line",
    [
        "Chapter 3 of the contract stated that the loser would sweep the floors.",
        "Chapter Three of the sect rules was short.",
        "Chapter I went home, and nobody followed.",
        "Part II of the plan failed.",
        "Episode 3 of the drama was his favourite.",
        "Volume 2 of the manual was missing.",
        "“Chapter 7 of the sect rules forbids this,” Elder Qin said.",
        "He read chapter 12 twice before dawn.",
        "Chapitre 3 de la loi interdit cela.",
        "Chapter 3, the last one, was missing.",
        "Extra chapters were posted on the board.",
        "Chapter 12, 345 men in all, was the longest.",
    ],
)
def test_story_lines_that_start_like_headers_are_not_headers(line):
    assert parse_header(line, "Test Book") is None


def test_book_title_in_the_header_is_recognised_only_from_book_yaml():
    line = "Internet 2010 Chapter 5 rising witness"
    assert parse_header(line, "Internet 2010") is not None
    assert (parse_header(line, "Internet 2010").number, parse_header(line, "Internet 2010").title) == ("5", "rising witness")
    assert parse_header(line, "Some Other Book") is None  # no separator, not our title: story


def test_sample_header_in_a_real_build(tmp_path):
    """MTL - <book>-Chapter 332 ...: the TOC and the heading say 332 and the title; the
    repeated header under it and the watermark are gone; a 'Chapter 3 of...' line stays."""
    book = write_book(
        tmp_path / "b",
        {
            "000_e28bda1f78944acb.txt": "©NovelBuddy\nMTL - Internet 2010-Chapter 332 rising witness\n"
            "Chapter 332 rising witness\n"
            "Chapter 3 of the contract was clear about the fee.\n"
            "And then again~www.novelbuddy.com~ Meituan is hungry.\n:. :\n"
        },
        "title: Internet 2010\nauthor: A\nlanguage: en\n",
    )
    assert run_cli("build", str(book)).code == 0
    (ch,) = Epub(one_epub(book)).chapters()
    assert ch.title == "Chapter 332: rising witness"
    assert "332" in ch.heading and "rising witness" in ch.heading
    assert ch.paragraphs == ["Chapter 3 of the contract was clear about the fee.", "And then again Meituan is hungry."]


@pytest.mark.parametrize(
    "first_body_line",
    ["Chapter 12: The Gate", "Chapter 12 - The Gate", "The Gate", "**Chapter 12: The Gate**", "Chapter 12"],
)
def test_header_repeated_as_first_body_line_is_dropped(first_body_line):
    c = clean("Chapter 12: The Gate\n" + first_body_line + "\n" + "\n".join(STORY))
    assert (c.number, c.title) == ("12", "The Gate")
    assert list(c.blocks) == STORY
    assert [r.rule for r in c.removals] == ["header", "header-repeat"]


def test_header_after_a_credit_or_tag_line_is_still_found():
    c = clean("Translated by Nyoi | Edited by Bao\nChapter 12: The Gate\n" + "\n".join(STORY))
    assert (c.number, c.title) == ("12", "The Gate")
    assert list(c.blocks) == STORY


def test_header_is_not_taken_from_deep_inside_the_story():
    c = clean("\n".join(STORY) + "\nChapter 12: The Gate\n", name="Chapter 5.txt")
    assert c.number == "5"
    assert "Chapter 12: The Gate" in c.blocks


def test_number_falls_back_to_the_file_name():
    assert (header_from_filename("00012").number, header_from_filename("Chapter 7 - Dawn").title) == ("12", "Dawn")
    assert (header_from_filename("00012-2").number, header_from_filename("00012-2").title) == ("12-2", None)
    assert (header_from_filename("012 - Dawn").number, header_from_filename("012-Dawn").title) == ("12", "Dawn")
    c = clean("Prologue\n" + "\n".join(STORY), name="Chapter 0.txt")
    assert (c.number, c.title) == ("0", "Prologue")


def test_cjk_header_in_a_chinese_chapter():
    c = clean("第十二章 风起\n他一秒也没有犹豫。\n“记住，不要回头。”\n（本章完）\n")
    assert (c.number, c.title) == ("12", "风起")
    assert list(c.blocks) == ["他一秒也没有犹豫。", "“记住，不要回头。”"]


@pytest.mark.parametrize("line", ["12. The Gate", "[12] The Gate", "12 - The Gate", "(12) The Gate", "#12: The Gate", "【12】The Gate"])
def test_a_bare_number_and_title_is_the_header_when_the_file_name_agrees(line):
    c = clean(line + "\n" + "\n".join(STORY), name="Chapter 12.txt")
    assert (c.number, c.title) == ("12", "The Gate")
    assert list(c.blocks) == STORY


@pytest.mark.parametrize(
    "line, name", [("12. The Gate", "Chapter 13.txt"), ("12 apples fell from the cart.", "Chapter 12.txt")]
)
def test_a_bare_number_the_file_name_does_not_give_is_story(line, name):
    c = clean(line + "\n" + "\n".join(STORY), name=name)
    assert list(c.blocks)[0] == line
    assert c.number == name.removeprefix("Chapter ").removesuffix(".txt")  # from the file name


def _chapter_words() -> list[str]:
    """Every spelling _CHAPTER_WORD allows, expanded from its source (optional letters and
    character classes written out)."""
    import itertools
    import re

    words = []
    for alt in headers._CHAPTER_WORD[3:-1].split("|"):
        alt = alt.replace("\\.", ".")
        parts = re.findall(r"\[[^]]+\]|.\?|.", alt)
        choices = [list(p[1:-1]) if p.startswith("[") else ([p[0], ""] if p.endswith("?") else [p]) for p in parts]
        words += ["".join(c) for c in itertools.product(*choices)]
    return words


def test_header_hint_lets_every_chapter_word_and_number_word_through():
    """The hint's lookaheads list the first letters of the chapter words and number words:
    a word they miss would make its headers invisible."""
    numbers = list(headers._WORD_NUMBERS) + list(headers._TENS) + ["twenty-one", "one hundred and five"]
    assert len(_chapter_words()) > 20
    for word in _chapter_words():
        for number in ["12", "XII", "#3", *numbers]:
            for text in (f"{word} {number}", f"{word.upper()} {number.upper()}", f"{word.title()} {number.title()}"):
                assert headers._HEADER_HINT.search(text), text


def test_parts_and_ranges_of_chapters_are_neither_gaps_nor_duplicates(tmp_path):
    """'Chapter 12-1', 'Chapter 12-2' are parts of 12; 'Chapter 13-14' covers both: the
    build warns about none of them, and still about a real gap after them."""
    names = ["Chapter 11", "Chapter 12-1", "Chapter 12-2", "Chapter 13-14", "Chapter 15", "Chapter 17"]
    book = write_book(tmp_path / "b", {f"{n}.txt": f"{n}: Title\n\n{STORY} ({n})\n" for n in names})
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    assert "chapter 16 is missing" in result.err
    assert "appears" not in result.err and "chapters 1" not in result.err and "chapter 13" not in result.err
    listing = run_cli("list", str(book))
    assert "gap: chapter 16 missing" in listing.out
    assert listing.out.count("gap:") == 1 and "duplicate" not in listing.out
    epub = Epub(one_epub(book))
    assert "Chapter 12-2: Title" in [label for label, _ in epub.toc()]
    checked = run_cli("check", str(one_epub(book)))
    assert "chapter 16" in checked.out and "twice" not in checked.out


@pytest.mark.parametrize(
    "line, name, title",
    [
        ("Martial Peak Chapter 12: The Gate", "Chapter 12.txt", "The Gate"),
        ("The Legend of the Sword Chapter 12 - The Gate", "00012.txt", "The Gate"),
    ],
)
def test_a_header_behind_another_title_is_taken_when_the_file_name_agrees(line, name, title):
    c = clean(line + "\n" + "\n".join(STORY), name=name)
    assert (c.number, c.title) == ("12", title)
    assert list(c.blocks) == STORY


@pytest.mark.parametrize(
    "line, name",
    [
        ("Martial Peak Chapter 12: The Gate", "Chapter 13.txt"),  # the file name disagrees
        ("He opened Chapter 12: the forbidden arts", "Chapter 12.txt"),  # not a title before it
        ("“Martial Peak Chapter 12,” he read aloud.", "Chapter 12.txt"),
    ],
)
def test_words_before_a_chapter_word_that_are_not_a_title_are_story(line, name):
    c = clean(line + "\n" + "\n".join(STORY), name=name)
    assert list(c.blocks)[0] == line


@pytest.mark.parametrize(
    "line, tail",
    [
        ("Chapter 12: The Gate | Read Light Novels online for free", "Read Light Novels online for free"),
        ("Chapter 12: The Gate - NovelFull", "NovelFull"),
        ("Chapter 12: The Gate - novelzzz.com", "novelzzz.com"),
        ("Chapter 12: The Gate - novelbin.com", "novelbin.com"),  # a line rule takes the line first
    ],
)
def test_a_site_name_or_tagline_after_the_title_is_cut_and_shown(line, tail):
    c = clean(line + "\n" + "\n".join(STORY), name="Chapter 12.txt")
    assert (c.number, c.title) == ("12", "The Gate")
    assert list(c.blocks) == STORY
    assert ("header-site-tail", tail) in [(r.rule, r.text) for r in c.removals]


@pytest.mark.parametrize("line", ["Chapter 12: The Gate - Part Two", "Chapter 12: Rain | Thunder"])
def test_a_title_with_a_separator_of_its_own_is_whole(line):
    c = clean(line + "\n" + "\n".join(STORY), name="Chapter 12.txt")
    assert c.title == line.split(": ", 1)[1]


TITLES_FOLLOW = Boilerplate(titles_after_bare_headers=True)  # what detect() learns from a book


def clean_in(text: str, boiler: Boilerplate, name: str = "Chapter 12.txt"):
    source = Source(Path(name), name, text, "utf-8", "txt", (), "0")
    return Cleaner(RULES, BookContext("Test Book", boiler)).clean(source)


@pytest.mark.parametrize("title", ["The Gate", "Into the Fire!", "风起", "## The Gate", "Who Is He?"])
def test_a_title_on_the_line_after_a_bare_header_is_the_title_in_a_book_that_does_so(title):
    c = clean_in("Chapter 12\n" + title + "\n" + "\n".join(STORY), TITLES_FOLLOW)
    assert (c.number, c.title) == ("12", title.lstrip("# "))
    assert list(c.blocks) == STORY
    assert ("header-title", title) in [(r.rule, r.text) for r in c.removals]


@pytest.mark.parametrize(
    "line",
    ["He ran.", "“Run!”", "[Ding! Quest complete]", "Name: Shen Yao", "* * *", "Nobody moved, and nobody spoke, and the rain kept falling"],
)
def test_story_after_a_bare_header_is_not_taken_for_a_title(line):
    c = clean_in("Chapter 12\n" + line + "\n" + "\n".join(STORY), TITLES_FOLLOW)
    assert c.title is None
    assert line in c.blocks or line == "* * *"


def test_a_lone_line_after_a_bare_header_stays_story():
    c = clean_in("Chapter 12\nThe End\n", TITLES_FOLLOW)
    assert (c.title, list(c.blocks)) == (None, ["The End"])


def test_titles_after_bare_headers_are_learnt_from_the_book(tmp_path):
    names = ["The Gate", "Ash and Iron", "Market Day", "First Snow", "The Wager", "Night Rain"]
    titled = {f"Chapter {n}.txt": f"Chapter {n}\n{names[n - 1]}\n" + "\n".join(STORY) + "\n" for n in range(1, 7)}
    book = prepare(write_book(tmp_path / "titled", titled))
    assert [(c.number, c.title) for c in book.cleaned] == [(str(n), names[n - 1]) for n in range(1, 7)]
    assert all(list(c.blocks) == STORY for c in book.cleaned)
    # One chapter opening with a short story line is not a convention: the line stays story.
    story = {f"Chapter {n}.txt": f"Chapter {n}\n" + "\n".join(STORY) + "\n" for n in range(1, 7)}
    story["Chapter 3.txt"] = "Chapter 3\nThree days later\n" + "\n".join(STORY) + "\n"
    book = prepare(write_book(tmp_path / "story", story))
    assert book.cleaned[2].title is None and book.cleaned[2].blocks[0] == "Three days later"


def test_a_repeated_header_with_a_title_gives_the_title():
    c = clean("Chapter 12\n12. The Gate\n" + "\n".join(STORY), name="Chapter 12.txt")
    assert (c.number, c.title) == ("12", "The Gate")
    assert list(c.blocks) == STORY
