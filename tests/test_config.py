"""book.yaml: every key validated, every error one line naming book.yaml and its line."""

from __future__ import annotations

import pytest
from conftest import run_cli, write_book

from ebookgen.config import load_book, stable_identifier
from ebookgen.errors import BookError

GOOD = "title: The Jade Sect\nauthor: Mo Ren\nlanguage: en\n"


def test_minimal_book_yaml_gets_defaults(tmp_path):
    book = load_book(write_book(tmp_path, {"Chapter 1.txt": "Hello."}, GOOD))
    assert book.title == "The Jade Sect"
    assert book.authors == ("Mo Ren",)
    assert book.output == tmp_path.resolve() / "build" / "the-jade-sect.epub"
    assert book.chapters_dir == tmp_path.resolve() / "chapters"
    assert book.identifier.startswith("urn:uuid:")


def test_identifier_is_stable_and_depends_on_title_and_authors():
    a = stable_identifier("The Jade Sect", ("Mo Ren",))
    assert a == stable_identifier("The Jade Sect", ("Mo Ren",))
    assert a != stable_identifier("The Jade Sect", ("Someone Else",))
    assert a != stable_identifier("Another Book", ("Mo Ren",))


def test_every_documented_key_is_accepted(tmp_path):
    (tmp_path / "extra.css").write_text("p { margin: 0 }")
    yaml = """\
title: The Jade Sect
authors: [Mo Ren, Bai Lu]
language: zh-Hans
identifier: urn:isbn:9780000000000
description: A sect, a ledger, a long winter.
publisher: Nobody Press
date: 2024-05-01
subjects: [Xianxia, Cultivation]
series: Jade Chronicles
series_index: 2
rights: CC BY 4.0
contributors:
  - {name: Li Hua, role: translator}
  - Wang Wu
css: extra.css
chapters: chapters
output: build/jade.epub
smart_typography: true
split: 500
clean:
  rule_sets: [novelbuddy, generic]
  remove_lines: ['^Translator: .*$']
  remove_inline: ['\\(TL note: [^)]*\\)']
  replace: [{pattern: 'Meng Gu', with: 'Menggu'}]
  keep: ['www\\.example\\.org']
  detect_boilerplate: false
accessibility:
  summary: A plain text novel.
  hazards: [none]
"""
    book = load_book(write_book(tmp_path, {"a.txt": "x"}, yaml))
    assert book.authors == ("Mo Ren", "Bai Lu")
    assert book.language == "zh-Hans"
    assert book.series_index == 2.0
    assert [(c.name, c.role) for c in book.contributors] == [("Li Hua", "trl"), ("Wang Wu", "ctb")]
    assert book.clean.rule_sets == ("novelbuddy", "generic")
    assert book.clean.detect_boilerplate is False
    assert book.accessibility.summary == "A plain text novel."
    assert book.output.name == "jade.epub"


# (book.yaml text, expected line, a fragment of the message)
BAD_YAML = [
    ("title: [unclosed\nlanguage: en\n", 2, "YAML syntax error"),
    ("title: X\nlanguage: en\n  bad indent: 1\n", 3, "YAML syntax error"),
    ("language: en\n", 1, "missing required key 'title'"),
    ("title: X\n", 1, "missing required key 'language'"),
    ("title: X\nauthor: Y\nlanguage: english\n", 3, "did you mean 'en'?"),
    ("title: X\nlanguage: en\ntittle: Y\n", 3, "unknown key 'tittle' (did you mean 'title'?)"),
    ("title: X\nlanguage: en\ncover: missing.jpg\n", 3, "cover: file not found"),
    ("title: X\nlanguage: en\nchapters: nowhere\n", 3, "chapters: folder not found"),
    ("title: [a, b]\nlanguage: en\n", 1, "title: expected text"),
    ("title: X\nlanguage: en\nseries_index: two\n", 3, "series_index: expected a number"),
    ("title: X\nlanguage: en\nclean:\n  remove_lines: ['(unclosed']\n", 4, "invalid regular expression"),
    ("title: X\nlanguage: en\ncss: ../outside.css\n", 3, "outside the book folder"),
    ("title: X\nlanguage: en\noutput: /tmp/x.epub\n", 3, "absolute path"),
    ("a: &a [1, 2]\nb: *a\ntitle: X\nlanguage: en\n", 2, "aliases"),
    ("title: X\nlanguage: en\nclean:\n  rule_sets: [novelbudy]\n", 4, "did you mean 'novelbuddy'?"),
    ("- just\n- a list\n", 1, "must be a mapping"),
    ("title: X\nlanguage: en\nsplit: -3\n", 3, "split:"),
]


@pytest.mark.parametrize("yaml,line,fragment", BAD_YAML)
def test_bad_book_yaml_is_one_line_naming_file_and_line(tmp_path, yaml, line, fragment):
    book = write_book(tmp_path / "book", {"Chapter 1.txt": "Hello there."}, yaml)
    result = run_cli("build", str(book))
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert f"book.yaml:{line}: " in lines[0], lines[0]
    assert fragment in lines[0]
    assert "Traceback" not in result.err
    assert not (book / "build").exists(), "no EPUB may be written for bad input"


def test_language_error_matches_the_documented_form(tmp_path):
    book = write_book(tmp_path, {"a.txt": "x"}, "title: X\nauthor: Y\nlanguage: english\n")
    with pytest.raises(BookError) as err:
        load_book(book)
    assert str(err.value).endswith("book.yaml:3: language: 'english' is not a language tag (did you mean 'en'?)")


def test_missing_book_yaml(tmp_path):
    result = run_cli("build", str(tmp_path))
    assert result.code == 1
    assert "book.yaml: not found" in result.err


def test_bad_usage_exits_2():
    assert run_cli("build", "--no-such-flag").code == 2
    assert run_cli().code == 2
