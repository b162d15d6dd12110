"""Rendering: Markdown and plain text to XHTML, as a reader (and a screen reader) gets it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import NS, Epub, one_epub, write_book
from lxml import etree

from ebookgen.build import build
from ebookgen.errors import BookError
from ebookgen.model import Chapter, Cleaned
from ebookgen.render import RenderSettings, render
from ebookgen.sources import read_source

EPUB_TYPE = f"{{{NS['ep']}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def png_bytes(colour=(200, 40, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, format="PNG")
    return out.getvalue()


def render_md(root: Path, text: str, *, name: str = "ch.md", smart: bool = False, level: int = 1,
              files: dict[str, bytes] | None = None) -> Chapter:
    """Render one Markdown chapter the way the build does (front matter, line numbers)."""
    chapters = root / "chapters"
    chapters.mkdir(parents=True, exist_ok=True)
    for rel, data in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    path = chapters / name
    path.write_text(text, encoding="utf-8")
    source = read_source(path, chapters)
    cleaned = Cleaned(source, "1", "Start", tuple(source.text.split("\n")))
    return render(cleaned, RenderSettings("en", smart_typography=smart, heading_level=level), root)


def xhtml(ch: Chapter) -> etree._Element:
    return etree.fromstring(ch.xhtml)  # also proves the document is well-formed XML


def find(root, tag: str) -> list:
    return list(root.iter(f"{{{NS['x']}}}{tag}"))


def text_of(root) -> str:
    return " ".join("".join(root.itertext()).split())


def test_footnotes_become_popup_notes_with_matching_roles(tmp_path):
    root = xhtml(render_md(tmp_path, "She ran.[^1] Then slept.[^zz]\n\n[^1]: Far.\n[^zz]: Long.\n"))
    refs = [a for a in find(root, "a") if a.get(EPUB_TYPE) == "noteref"]
    assert [a.get("role") for a in refs] == ["doc-noteref", "doc-noteref"]
    notes = [el for el in find(root, "aside") if el.get(EPUB_TYPE) == "footnote"]
    assert [n.get("role") for n in notes] == ["doc-footnote", "doc-footnote"]
    assert {"#" + n.get("id") for n in notes} == {a.get("href") for a in refs}
    assert [text_of(n).rstrip("↩︎ ") for n in notes] == ["Far.", "Long."]
    back = [a for a in find(root, "a") if a.get("role") == "doc-backlink"]
    assert len(back) == 2 and all(a.get("aria-label") for a in back)
    # epubcheck 5 warns on the deprecated doc-endnote role (FIELD-NOTES)
    assert b"doc-endnote\"" not in etree.tostring(root)


def test_tables_get_header_cells_with_scope_and_alignment_classes(tmp_path):
    ch = render_md(tmp_path, "| Name | Age |\n|:--|--:|\n| Mo | 12 |\n")
    root = xhtml(ch)
    assert [(th.text, th.get("scope"), th.get("class")) for th in find(root, "th")] == [
        ("Name", "col", "align-left"), ("Age", "col", "align-right")
    ]
    assert all(td.get("style") is None for td in find(root, "td"))
    assert ch.has_tables and ch.accessibility_warnings == ()


def test_raw_html_table_without_header_cells_is_a_warning_with_its_line(tmp_path):
    ch = render_md(tmp_path, "Intro.\n\n<table><tr><td>a</td><td>b</td></tr></table>\n")
    assert [(line, msg.split(" (")[0]) for line, msg in ch.accessibility_warnings] == [
        (3, "table without header cells")
    ]


def test_raw_html_row_header_gets_row_scope(tmp_path):
    root = xhtml(render_md(tmp_path, "<table><tr><th>Year</th><td>1901</td></tr></table>\n"))
    assert [th.get("scope") for th in find(root, "th")] == ["row"]


def test_attr_list_sets_id_and_class(tmp_path):
    root = xhtml(render_md(tmp_path, "A quiet line.\n{: #quiet .aside }\n"))
    p = find(root, "p")[0]
    assert (p.get("id"), p.get("class")) == ("quiet", "aside")


@pytest.mark.parametrize("smart", [True, False])
def test_smart_typography_gives_unicode_never_named_entities(tmp_path, smart):
    ch = render_md(tmp_path, "\"Wait,\" he said -- it's 1--2... or --- never.\n", smart=smart)
    assert b"&" not in ch.xhtml.split(b"<body>")[1]  # no &ldquo; &hellip; (not XML)
    text = text_of(find(xhtml(ch), "p")[0])
    if smart:
        assert text == "\u201cWait,\u201d he said \u2013 it\u2019s 1\u20132\u2026 or \u2014 never."
    else:
        assert text == "\"Wait,\" he said -- it's 1--2... or --- never."


def test_game_tags_in_markdown_stay_text(tmp_path):
    ch = render_md(tmp_path, "Ding! <Level Up!> <Skill: Fire Bolt> acquired. a < b > c\n")
    assert text_of(find(xhtml(ch), "p")[0]) == "Ding! <Level Up!> <Skill: Fire Bolt> acquired. a < b > c"


def test_plain_text_keeps_markdown_characters(tmp_path):
    book = write_book(tmp_path / "b", {
        "Chapter 1.txt": "Chapter 1\n\nWhat the **** was that?\n\nShe typed snake_case and _slowly_ and *this*.\n"
    })
    build(book)
    paragraphs = Epub(one_epub(book)).chapters()[0].paragraphs
    assert paragraphs == ["What the **** was that?", "She typed snake_case and _slowly_ and *this*."]


def test_image_media_type_comes_from_the_bytes_not_the_name(tmp_path):
    ch = render_md(tmp_path, "![A red square](../images/photo.jpg)\n", files={"images/photo.jpg": png_bytes()})
    [image] = ch.images
    assert image.media_type == "image/png" and image.file_name.endswith(".png")
    assert image.data == png_bytes()
    img = find(xhtml(ch), "img")[0]
    assert img.get("src") == "../" + image.file_name and img.get("alt") == "A red square"
    assert ch.images_without_alt == 0 and ch.accessibility_warnings == ()


def test_same_image_twice_is_packed_once(tmp_path):
    ch = render_md(tmp_path, "![a](../i/x.png)\n\n![b](../i/x.png)\n", files={"i/x.png": png_bytes()})
    assert len(ch.images) == 1 and len(find(xhtml(ch), "img")) == 2


def test_missing_image_names_the_chapter_file_and_line(tmp_path):
    with pytest.raises(BookError) as err:
        render_md(tmp_path, "One.\n\nTwo.\n\n![Gone](../images/gone.png)\n", name="lost.md")
    assert err.value.path == tmp_path / "chapters" / "lost.md"
    assert err.value.line == 5
    assert "gone.png" in str(err.value) and "not found" in str(err.value)


def test_remote_image_is_dropped_and_its_alt_text_kept(tmp_path):
    ch = render_md(tmp_path, "Look: ![A tall ship](https://example.com/ship.png) there.\n")
    root = xhtml(ch)
    assert find(root, "img") == [] and ch.images == ()
    assert text_of(find(root, "p")[0]) == "Look: A tall ship there."


def test_image_without_alt_is_reported_with_its_line(tmp_path):
    files = {"i/x.png": png_bytes(), "i/y.png": png_bytes((0, 0, 200))}
    ch = render_md(tmp_path, "![described](../i/x.png)\n\ntext\n\n![](../i/x.png)\n\n![ ](../i/y.png)\n", files=files)
    assert ch.images_without_alt == 2
    assert [(line, msg.split(":")[0]) for line, msg in ch.accessibility_warnings] == [
        (5, "image '../i/x.png' has no alt text"), (7, "image '../i/y.png' has no alt text"),
    ]
    # Written with alt="" so a screen reader skips it instead of reading out a file name.
    assert [img.get("alt") for img in find(xhtml(ch), "img")] == ["described", "", ""]


def test_image_marked_decorative_is_not_a_warning(tmp_path):
    ch = render_md(tmp_path, "![](../i/x.png){.decorative}\n", files={"i/x.png": png_bytes()})
    img = find(xhtml(ch), "img")[0]
    assert (img.get("alt"), img.get("role")) == ("", "presentation")
    assert ch.images_without_alt == 0 and ch.accessibility_warnings == ()


@pytest.mark.parametrize("level, expected", [(1, ["h1", "h2", "h3", "h3", "h2"]), (2, ["h2", "h3", "h4", "h4", "h3"])])
def test_headings_sit_below_the_chapter_heading_and_never_skip(tmp_path, level, expected):
    ch = render_md(tmp_path, "# A\n\n### B\n\n## C\n\n# D\n", level=level)
    heads = [el.tag.split("}")[1] for el in xhtml(ch).iter() if el.tag.split("}")[-1] in {f"h{i}" for i in range(1, 7)}]
    assert heads == expected


def test_heading_that_starts_deep_does_not_skip(tmp_path):
    ch = render_md(tmp_path, "#### Deep\n\ntext\n", level=1)
    assert [el.tag.split("}")[1] for el in xhtml(ch).iter() if el.tag.endswith(("}h1", "}h2", "}h3", "}h4"))] == ["h1", "h2"]


def test_markdown_rule_is_a_scene_break(tmp_path):
    root = xhtml(render_md(tmp_path, "Before.\n\n***\n\nAfter.\n"))
    assert [hr.get("class") for hr in find(root, "hr")] == ["scene-break"]


def test_chapter_language_from_front_matter(tmp_path):
    ch = render_md(tmp_path, "---\nlanguage: fr\n---\nBonjour.\n")
    root = xhtml(ch)
    assert (root.get("lang"), root.get(XML_LANG)) == ("fr", "fr")
    # The words ebookgen adds keep the book's language.
    span = find(root, "h1")[0].find("x:span", NS)
    assert (span.text, span.get("lang"), span.get(XML_LANG)) == ("Chapter 1", "en", "en")
    assert text_of(find(root, "h1")[0]) == "Chapter 1: Start"


def test_chapter_in_the_book_language_has_a_plain_heading(tmp_path):
    root = xhtml(render_md(tmp_path, "Hello.\n"))
    assert root.get("lang") == "en" and find(root, "h1")[0].find("x:span", NS) is None


_CJK_CHAR = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"


@pytest.mark.parametrize("text", [
    "", "  ", "Seven words are in this line here.", "two  spaces\tand a tab",
    "他说 hello 世界", "第12章 The Gate", "no\u00a0break\u3000ideographic space",
    "".join(chr(0x4E00 + i) for i in range(40)) + " and then some words",
    "mixed中文words and 한국어 text", "\u200bzero\u200bwidth",
])
def test_words_are_counted_as_the_definition_says(text):
    """The summary's word count (its fast paths included): runs of non-space, non-CJK
    characters, plus one per CJK character."""
    import re

    from ebookgen.render import words_in

    expected = len(re.findall(rf"[^\s{_CJK_CHAR}]+", text)) + len(re.findall(rf"[{_CJK_CHAR}]", text))
    assert words_in(text) == expected
