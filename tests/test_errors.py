"""The error catalogue (the README (Errors and warnings)), end to end: a good book is built, then broken in
one way; `ebookgen build` must answer with exit code 1 and ONE stderr line naming the file
(and line, where there is one) and what to do, and must leave the EPUB built before
byte-for-byte as it was, with nothing new in build/.

tests/test_config.py checks more book.yaml shapes (one line, file:line, fragment); the
cases here are the catalogue a user can look up, each a distinct kind of bad input.
Warnings (a book can live with them) are at the end: they never stop a build."""

from __future__ import annotations

import os
import pathlib
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Epub, one_epub, run_cli, run_cli_process, write_book
from lxml import etree

GOOD_YAML = "title: Catalogue\nauthor: A. Writer\nlanguage: en\n"
GOOD_CHAPTERS = {
    "Chapter 1.txt": "Chapter 1: The Gate\nLin Feng walked up to the gate of the sect.\n",
    "Chapter 2.md": "# Chapter 2: The Hall\n\nMei Ling laughed at the elder's joke.\n",
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154"
    "78da63646060f80f00010401005f5d8d2f0000000049454e44ae426082"
)


# --- ways to break a book ----------------------------------------------------------------


def yaml(text: str) -> Callable[[Path], None]:
    return lambda book: (book / "book.yaml").write_text(text, encoding="utf-8")


def extra_yaml(text: str) -> Callable[[Path], None]:
    return yaml(GOOD_YAML + text)


def chapter(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(book: Path) -> None:
        path = book / "chapters" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return write


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(book: Path) -> None:
        for step in steps:
            step(book)

    return run


def file(rel: str, content: bytes | None = None, folder: bool = False) -> Callable[[Path], None]:
    def write(book: Path) -> None:
        path = book / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if folder:
            path.mkdir()
        else:
            path.write_bytes(content or b"")

    return write


def remove(rel: str) -> Callable[[Path], None]:
    def run(book: Path) -> None:
        path = book / rel
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()

    return run


def symlink(rel: str, target: Callable[[Path], Path]) -> Callable[[Path], None]:
    return lambda book: os.symlink(target(book), book / rel)


def outside(name: str, content: bytes) -> Callable[[Path], Path]:
    """A file beside the book folder (outside it), for escape attempts."""

    def make(book: Path) -> Path:
        path = book.parent / name
        path.write_bytes(content)
        return path

    return make


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
) + "title: Bomb\nlanguage: en\n"


@dataclass(frozen=True)
class Case:
    id: str
    breaks: Callable[[Path], None]
    where: str  # the file the message names, relative to the book folder
    line: int | None  # the line it names, or None when the message has no line
    fragment: str  # what is wrong
    hint: str  # what to do (also a fragment of the message)


CASES = [
    # book.yaml: syntax
    Case("yaml-unclosed-bracket", yaml("title: [unclosed\nlanguage: en\n"), "book.yaml", 2,
         "YAML syntax error", "check the quotes, brackets"),
    Case("yaml-unclosed-quote", yaml("title: 'unclosed\nlanguage: en\n"), "book.yaml", 3,
         "YAML syntax error", "check the quotes"),
    Case("yaml-tab-indent", extra_yaml("clean:\n\tkeep: [x]\n"), "book.yaml", 5,
         "YAML syntax error", "indent with spaces, not tabs"),
    Case("yaml-colon-in-value", yaml("title: Volume 1: The Start\nlanguage: en\n"), "book.yaml", 1,
         "YAML syntax error", "put quotes around a value"),
    Case("yaml-two-documents", extra_yaml("---\ntitle: Again\n"), "book.yaml", 4,
         "YAML syntax error", "remove the extra '---' line"),
    Case("yaml-python-tag", extra_yaml("series: !!python/object/apply:os.system ['echo pwned']\n"),
         "book.yaml", 4, "YAML syntax error", "YAML tags (!!name) are not supported"),
    Case("yaml-alias-bomb", yaml(BILLION_LAUGHS), "book.yaml", 2,
         "YAML aliases (*name) are not supported", "write the value out"),
    Case("yaml-duplicate-key", extra_yaml("title: Again\n"), "book.yaml", 4,
         "duplicate key 'title' (first on line 1)", "keep only one"),
    Case("yaml-not-utf8", lambda b: (b / "book.yaml").write_bytes(
        "title: Café\nlanguage: fr\n".encode("latin-1")), "book.yaml", 1, "is not UTF-8 text", "save it as UTF-8"),
    Case("yaml-huge", extra_yaml("description: " + "x" * 1_100_000 + "\n"), "book.yaml", None,
         "over the 1 MB limit", "a few lines of settings"),
    Case("yaml-empty", yaml(""), "book.yaml", 1, "is empty", "write them"),
    Case("yaml-a-list", yaml("- title: X\n- language: en\n"), "book.yaml", 1, "must be a mapping",
         "one 'key: value' per line"),
    Case("yaml-missing", remove("book.yaml"), "book.yaml", None, "not found", "create it"),
    Case("yaml-is-folder", both(remove("book.yaml"), file("book.yaml", folder=True)), "book.yaml", None,
         "is a folder", "write the file"),
    # book.yaml: keys and types
    Case("missing-title", yaml("author: A\nlanguage: en\n"), "book.yaml", 1,
         "missing required key 'title'", "add a line such as 'title:"),
    Case("missing-language", yaml("title: X\n"), "book.yaml", 1,
         "missing required key 'language'", "add a line such as 'language: en'"),
    Case("unknown-key", extra_yaml("autor: B\n"), "book.yaml", 4, "unknown key 'autor'",
         "(did you mean 'author'?)"),
    Case("unknown-clean-key", extra_yaml("clean:\n  remove_line: [x]\n"), "book.yaml", 5,
         "clean: unknown key 'remove_line'", "(did you mean 'remove_lines'?)"),
    Case("non-text-key", extra_yaml("1: one\n"), "book.yaml", 4, "keys must be text, got 1",
         "remove it"),
    Case("title-a-list", yaml("title: [a, b]\nlanguage: en\n"), "book.yaml", 1,
         "title: expected text, got a list", "put the value in quotes"),
    Case("title-empty", yaml("title:\nlanguage: en\n"), "book.yaml", 1, "title: expected text, got empty",
         "write a value after the colon"),
    Case("author-yes", yaml("title: X\nauthor: yes\nlanguage: en\n"), "book.yaml", 2,
         "author: expected text, got bool", "put the value in quotes"),
    Case("bool-as-text", extra_yaml("smart_typography: sure\n"), "book.yaml", 4,
         "smart_typography: expected true or false", "true or false"),
    Case("authors-a-mapping", yaml("title: X\nlanguage: en\nauthors: {a: 1}\n"), "book.yaml", 3,
         "authors: expected a list of text", "such as [First, Second]"),
    Case("series-index-text", extra_yaml("series: S\nseries_index: two\n"), "book.yaml", 5,
         "series_index: expected a number", "expected a number"),
    Case("date-words", extra_yaml("date: tomorrow\n"), "book.yaml", 4, "date: expected YYYY",
         "YYYY-MM-DD"),
    Case("title-control-chars", yaml('title: "Bad\\x07Bell"\nlanguage: en\n'), "book.yaml", 1,
         "title: contains control characters", "remove them"),
    # language
    Case("language-a-name", yaml("title: X\nlanguage: English\n"), "book.yaml", 2,
         "language: 'English' is not a language tag", "(did you mean 'en'?)"),
    Case("language-private-use", yaml("title: X\nlanguage: x-klingon\n"), "book.yaml", 2,
         "language: 'x-klingon' is not a language tag", "put a real one first"),
    Case("language-unknown-code", yaml("title: X\nlanguage: qq\n"), "book.yaml", 2,
         "language: 'qq' is not a language tag", "expected a BCP 47 tag"),
    Case("front-matter-language", chapter("Chapter 3.md", "---\nlanguage: elvish\n---\n# Three\n\nText.\n"),
         "chapters/Chapter 3.md", 2, "language: 'elvish' is not a language tag", "expected a BCP 47 tag"),
    # clean: rules
    Case("regex-remove-lines", extra_yaml("clean:\n  remove_lines: ['(unclosed']\n"), "book.yaml", 5,
         "clean.remove_lines: invalid regular expression", "escape special characters"),
    Case("regex-remove-inline", extra_yaml("clean:\n  remove_inline: ['[a-']\n"), "book.yaml", 5,
         "clean.remove_inline: invalid regular expression", "escape special characters"),
    Case("regex-keep", extra_yaml("clean:\n  keep: ['*star']\n"), "book.yaml", 5,
         "clean.keep: invalid regular expression", "escape special characters"),
    Case("regex-replace-pattern", extra_yaml("clean:\n  replace:\n    - {pattern: '(?P<x', with: y}\n"),
         "book.yaml", 6, "clean.replace: invalid regular expression", "escape special characters"),
    Case("replace-bad-group", extra_yaml("clean:\n  replace:\n    - {pattern: 'a', with: '\\9'}\n"),
         "book.yaml", 6, "clean.replace: bad replacement", "refer only to groups the pattern has"),
    Case("replace-no-pattern", extra_yaml("clean:\n  replace:\n    - {with: x}\n"), "book.yaml", 6,
         "clean.replace: each entry needs 'pattern'", "'pattern' and 'with'"),
    Case("unknown-rule-set", extra_yaml("clean:\n  rule_sets: [novelbudy]\n"), "book.yaml", 5,
         "no built-in rule set 'novelbudy'", "(did you mean 'novelbuddy'?)"),
    # the chapters folder and list
    Case("chapters-missing", remove("chapters"), "chapters", None, "folder not found",
         "put the chapter files in a 'chapters' folder"),
    Case("chapters-empty", both(remove("chapters"), file("chapters", folder=True)), "chapters", None,
         "no chapter files (.txt, .md, .markdown) found", "put the chapters in this folder"),
    Case("chapters-a-file", both(remove("chapters"), file("chapters", b"not a folder")), "chapters", None,
         "is a file, not a folder", "put the chapter files in a 'chapters' folder"),
    Case("chapters-key-missing-folder", extra_yaml("chapters: text\n"), "book.yaml", 4,
         "chapters: folder not found: text", "relative to the book folder"),
    Case("chapter-list-no-match", extra_yaml("chapters:\n  - chapters/*.txt\n  - extra/*.txt\n"), "book.yaml", 6,
         "chapters: no file matches 'extra/*.txt'", "check the name"),
    Case("chapter-list-escapes", extra_yaml("chapters:\n  - ../*.txt\n"), "book.yaml", 5,
         "chapters: '../*.txt' points outside the book folder", "copy the file into the book folder"),
    Case("chapter-list-absolute", extra_yaml("chapters:\n  - /etc/*.conf\n"), "book.yaml", 5,
         "is an absolute path", "give a path inside the book folder"),
    Case("chapter-symlink-out", symlink("chapters/Chapter 3.txt", outside("secret.txt", b"Chapter 3\nSecret.\n")),
         "chapters/Chapter 3.txt", None, "leads outside the book folder", "copy the file into the book"),
    Case("chapter-binary", chapter("Chapter 3.txt", PNG), "chapters/Chapter 3.txt", 1,
         "is binary (a PNG image)", "remove it from the chapters"),
    Case("chapter-binary-nuls", chapter("Chapter 3.txt", b"Chapter 3\n" + bytes(range(256)) * 8),
         "chapters/Chapter 3.txt", 2, "is binary, not text", "remove it from the chapters"),
    Case("chapter-undecodable", chapter("Chapter 3.txt", b"Chapter 3\nOne line.\n" + bytes(range(128, 256)) * 40),
         "chapters/Chapter 3.txt", 3, "cannot decode the text", "re-save the file as UTF-8"),
    Case("chapter-bad-utf16", chapter("Chapter 3.txt", b"\xff\xfe" + "Chapter 3\n".encode("utf-16-le") + b"\x00\xd8"),
         "chapters/Chapter 3.txt", 2, "cannot decode the text", "re-save the file as UTF-8"),
    # cover and stylesheet
    Case("cover-missing", extra_yaml("cover: cover.jpg\n"), "book.yaml", 4, "cover: file not found: cover.jpg",
         "relative to the book folder"),
    Case("cover-not-image", both(extra_yaml("cover: cover.jpg\n"), file("cover.jpg", b"<html>not a picture</html>")),
         "book.yaml", 4, "cover: cover.jpg is not a PNG or JPEG image", "save the cover as .png or .jpg"),
    Case("cover-empty-file", both(extra_yaml("cover: cover.png\n"), file("cover.png", b"")), "book.yaml", 4,
         "is not a PNG or JPEG image", "save the cover"),
    Case("cover-is-folder", both(extra_yaml("cover: cover.jpg\n"), file("cover.jpg", folder=True)), "book.yaml", 4,
         "cover: cover.jpg is a folder", "name the file itself"),
    Case("cover-wrong-type", both(extra_yaml("cover: cover.gif\n"), file("cover.gif", b"GIF89a")), "book.yaml", 4,
         "cover: expected a .jpg/.jpeg/.png file", "expected a .jpg"),
    Case("cover-symlink-out", both(extra_yaml("cover: cover.png\n"), symlink("cover.png", outside("c.png", PNG))),
         "book.yaml", 4, "leads outside the book folder", "copy the file into the book folder"),
    Case("css-missing", extra_yaml("css: style.css\n"), "book.yaml", 4, "css: file not found: style.css",
         "relative to the book folder"),
    Case("css-outside", extra_yaml("css: ../style.css\n"), "book.yaml", 4, "points outside the book folder",
         "copy the file into the book folder"),
    Case("css-remote-import", both(extra_yaml("css: style.css\n"), file("style.css", b"p { margin: 0 }\n@import url(https://evil.example/x.css);\n")),
         "style.css", 2, "@import: the stylesheet may not load other files", "remove it"),
    Case("css-url", both(extra_yaml("css: style.css\n"), file("style.css", b"body {\n  background: url(bg.png);\n}\n")),
         "style.css", 2, "url: the stylesheet may not load other files", "remove it"),
    Case("css-not-text", both(extra_yaml("css: style.css\n"), file("style.css", b"p{}\n\xff\xfe\x00\x01")),
         "style.css", 2, "is not UTF-8 text", "save it as UTF-8"),
    # output
    Case("output-outside", extra_yaml("output: ../book.epub\n"), "book.yaml", 4, "points outside the book folder",
         "copy the file into the book folder"),
    Case("output-not-epub", extra_yaml("output: build/book.pdf\n"), "book.yaml", 4, "output: expected a .epub file name",
         "expected a .epub"),
    Case("output-is-folder", both(extra_yaml("output: out/book.epub\n"), file("out/book.epub", folder=True)),
         "book.yaml", 4, "is a folder", "give a file name"),
    # images in Markdown (messages from render.py)
    Case("image-missing", chapter("Chapter 3.md", "# Chapter 3\n\nText.\n\n![map](map.png)\n"),
         "chapters/Chapter 3.md", 5, "image 'map.png': file not found", "image 'map.png'"),
    Case("image-outside", both(lambda b: outside("map.png", PNG)(b),
                               chapter("Chapter 3.md", "# Chapter 3\n\n![map](../../map.png)\n")),
         "chapters/Chapter 3.md", 3, "image '../../map.png': points outside the book folder", "outside the book"),
    Case("image-not-image", both(file("chapters/map.png", b"just text"),
                                 chapter("Chapter 3.md", "# Chapter 3\n\nA map:\n\n![map](map.png)\n")),
         "chapters/Chapter 3.md", 5, "image 'map.png': is not a PNG, JPEG, GIF or WebP image", "is not a PNG"),
]


def test_the_catalogue_has_at_least_25_distinct_cases():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    breaks = {(c.where, c.fragment) for c in CASES}
    print(f"\nerror catalogue: {len(CASES)} distinct bad inputs ({len(breaks)} distinct messages)")
    assert len(CASES) >= 25 and len(breaks) >= 25


# --- the good book, built once -----------------------------------------------------------


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    book = write_book(tmp_path_factory.mktemp("good") / "book", GOOD_CHAPTERS, GOOD_YAML)
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    return book


def snapshot(build: Path) -> dict[str, bytes]:
    """Every file under build/ with its bytes: the EPUB, the report and the cache."""
    return {p.relative_to(build).as_posix(): p.read_bytes() for p in sorted(build.rglob("*")) if p.is_file()}


def fresh_copy(built_book: Path, tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(built_book, book, symlinks=True)
    return book


def check_one_line(err: str, book: Path, case: Case, shown_root: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{case.id}: expected one stderr line, got:\n{err}"
    line = lines[0]
    assert "Traceback" not in err
    where = f"{shown_root}/{case.where}" if shown_root else case.where
    prefix = where + (f":{case.line}: " if case.line else ": ")
    assert line.startswith(prefix), f"{case.id}: {line!r} does not start with {prefix!r}"
    assert case.fragment in line, f"{case.id}: {case.fragment!r} not in {line!r}"
    assert case.hint in line, f"{case.id}: hint {case.hint!r} not in {line!r}"
    return line


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_one_line_exit_1_and_the_old_epub_is_untouched(built_book, tmp_path, case):
    book = fresh_copy(built_book, tmp_path)
    before = snapshot(book / "build")
    assert any(name.endswith(".epub") for name in before)
    case.breaks(book)
    result = run_cli("build", str(book))
    assert result.code == 1, f"{case.id}: exit {result.code}\n{result.err}"
    check_one_line(result.err, book, case, str(book.resolve()))
    assert snapshot(book / "build") == before, f"{case.id}: build/ changed"


# A few through the installed console script in a real process, from inside the book
# folder: the message names files as the user sees them, and no traceback escapes.
PROCESS_CASES = ["yaml-alias-bomb", "chapter-binary", "cover-not-image", "image-missing",
                 "regex-keep", "chapters-missing"]


@pytest.mark.parametrize("case_id", PROCESS_CASES)
def test_real_process_prints_the_same_one_line(built_book, tmp_path, case_id):
    case = next(c for c in CASES if c.id == case_id)
    book = fresh_copy(built_book, tmp_path)
    before = snapshot(book / "build")
    case.breaks(book)
    result = run_cli_process("build", cwd=book)
    assert result.code == 1, result.err
    check_one_line(result.err, book, case, "")
    assert snapshot(book / "build") == before


def test_unreadable_chapter_is_a_message_not_a_traceback(built_book, tmp_path, monkeypatch):
    """Permission denied. Tests run as root here, where chmod 000 still reads: the denial is
    simulated at the one place files are read (Path.read_bytes / open)."""
    book = fresh_copy(built_book, tmp_path)
    before = snapshot(book / "build")
    chapter("Chapter 3.txt", "Chapter 3\nLocked.\n")(book)
    locked = (book / "chapters" / "Chapter 3.txt").resolve()
    os.chmod(locked, 0)
    if os.geteuid() == 0:
        real_read, real_open = pathlib.Path.read_bytes, pathlib.Path.open

        def read_bytes(self):
            if Path(self).resolve() == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        def open_(self, *args, **kwargs):
            if Path(self).resolve() == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
        monkeypatch.setattr(pathlib.Path, "open", open_)
    result = run_cli("build", str(book))
    monkeypatch.undo()
    os.chmod(locked, 0o644)
    assert result.code == 1, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert "Chapter 3.txt" in lines[0] and "Permission denied" in lines[0]
    assert snapshot(book / "build") == before


# --- accepted inputs that look odd (not errors) ------------------------------------------


@pytest.mark.parametrize(
    "language,written",
    [("EN", "en"), ("zh-hant-tw", "zh-Hant-TW"), ("sr-latn", "sr-Latn"), ("en-GB", "en-GB")],
)
def test_language_tags_are_accepted_in_any_case_and_written_canonically(tmp_path, language, written):
    book = write_book(tmp_path, GOOD_CHAPTERS, f"title: X\nlanguage: {language}\n")
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    assert Epub(one_epub(book)).metadata("language") == [written]


def test_output_in_a_missing_folder_is_created(tmp_path):
    book = write_book(tmp_path, GOOD_CHAPTERS, GOOD_YAML + "output: deep/er/book.epub\n")
    assert run_cli("build", str(book)).code == 0
    assert zipfile.ZipFile(book / "deep/er/book.epub").testzip() is None


def test_very_long_yaml_strings_are_accepted(tmp_path):
    description = "A long winter. " * 20_000  # 300,000 characters, under the 1 MB file limit
    book = write_book(tmp_path, GOOD_CHAPTERS, GOOD_YAML + f"description: {description}\n")
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    assert Epub(one_epub(book)).metadata("description") == [description.strip()]


# --- warnings: the build goes on ---------------------------------------------------------

LONG_PARAGRAPH = " ".join(["The river ran on past the village and the mill."] * 250)


def write_warnings_book(root: Path) -> Path:
    """A book with one of each warning; tests/test_hostile.py validates it with EPUBCheck."""
    return write_book(root, {
        "Chapter 1.txt": "Chapter 1: Start\nLin Feng walked into the hall.\n",
        "Chapter 2.txt": "",
        "Chapter 3.txt": "Chapter 3\n\nRead the latest chapters at novelbin.com\n\n"
                         "Visit www.freewebnovel.com for more novels!\n",
        "notes.txt": "the wind howled over the quiet hills all night.\nAnd nobody slept.\n",
        "Chapter 4.txt": "Chapter 4: Long\n" + LONG_PARAGRAPH + "\n",
    }, "title: Warnings\nauthor: A. Writer\nlanguage: en\n")


WARNINGS = [
    ("Chapter 2.txt", "empty chapter"),
    ("Chapter 3.txt", "all junk: nothing left after cleaning"),
    ("notes.txt", "no chapter title or number found"),
    ("Chapter 4.txt", f"a paragraph of {len(LONG_PARAGRAPH):,} characters"),
]


def test_warnings_name_the_file_and_the_build_succeeds(tmp_path):
    book = write_warnings_book(tmp_path / "book")
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    warnings = [ln for ln in result.err.splitlines() if ln.startswith("warning: ")]
    for name, text in WARNINGS:
        assert any(ln.startswith(f"warning: {name}: {text}") for ln in warnings), (name, result.err)
    epub = Epub(one_epub(book))
    assert zipfile.ZipFile(epub.path).testzip() is None
    for name in epub.zip.namelist():
        if name.endswith((".xhtml", ".opf", ".ncx")):
            etree.fromstring(epub.read(name))
    paragraphs = [p for ch in epub.chapters() for p in ch.paragraphs]
    assert "Lin Feng walked into the hall." in paragraphs
    assert LONG_PARAGRAPH in paragraphs
    assert "And nobody slept." in paragraphs
