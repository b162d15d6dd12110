"""Accessibility (issue 7): Ace by DAISY and EPUBCheck on real books, and metadata that
follows the content. Ace runs on two books only (~20 s each)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import BOOKS, NS, REPO, Epub, one_epub, write_book
from lxml import etree
from support import readers

from ebookgen import a11y
from ebookgen.assemble import default_css
from ebookgen.build import build
from ebookgen.config import load_book
from ebookgen.rulesets import builtin_names

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{NS['ep']}}}type"
MARKDOWN_BOOK = BOOKS / "markdown"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 90, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sample book (repo root) and the Markdown fixture, built from copies."""
    tmp = tmp_path_factory.mktemp("a11y")
    sample = tmp / "sample"
    sample.mkdir()
    shutil.copy(REPO / "book.yaml", sample / "book.yaml")
    shutil.copytree(REPO / "chapters", sample / "chapters")
    markdown = tmp / "markdown"
    shutil.copytree(MARKDOWN_BOOK, markdown, ignore=shutil.ignore_patterns("build"))
    build(sample)
    build(markdown)
    return {"sample": one_epub(sample), "markdown": one_epub(markdown)}


# ------------------------------------------------------------------ validators, end to end


def test_both_books_pass_epubcheck(built):
    results = readers.epubcheck(built.values())
    assert all(messages == [] for messages in results.values()), results


@pytest.mark.parametrize("name", ["sample", "markdown"])
def test_ace_passes_with_zero_violations(built, name, tmp_path):
    report = readers.ace(built[name], tmp_path / "ace")
    assert report["violations"] == []
    assert report["outcome"] == "pass"


# ------------------------------------------------------------------ the Markdown fixture


def test_markdown_fixture_metadata_says_what_it_contains(built):
    book = Epub(built["markdown"])
    assert book.meta_property("schema:accessMode") == ["textual", "visual"]
    # One image has no alt text: no alternativeText, no text-only sufficiency, no claim.
    assert book.meta_property("schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in book.meta_property("schema:accessibilityFeature")
    assert book.meta_property("dcterms:conformsTo") == []
    [summary] = book.meta_property("schema:accessibilitySummary")
    assert "1 has no text alternative" in summary and "no claim of conformance" in summary
    assert book.meta_property("schema:accessibilityHazard") == ["none"]


def test_markdown_fixture_structure(built):
    book = Epub(built["markdown"])
    chapters = book.chapters()
    assert [c.heading for c in chapters] == [
        "Chapter 1: Arrival", "Chapter 2: The Ledger", "Chapter 3: La lettre"
    ]
    french = chapters[2].root
    assert (french.get("lang"), french.get(XML_LANG)) == ("fr", "fr")
    images = {img.get("alt") for c in chapters for img in c.root.iter(f"{{{NS['x']}}}img")}
    assert images == {
        "A hand-drawn map of the harbour: a blue coastline with a red mark at the old lighthouse", ""
    }
    rules = [hr for c in chapters for hr in c.root.iter(f"{{{NS['x']}}}hr")]
    assert [hr.get("class") for hr in rules] == ["scene-break"]


def test_every_document_has_language_title_and_one_h1(built):
    for path in built.values():
        book = Epub(path)
        assert book.opf.get(XML_LANG) == book.metadata("language")[0]
        docs = [book.href(i) for i, item in book.manifest.items()
                if item.get("media-type") == "application/xhtml+xml"]
        assert docs
        for href in docs:
            root = etree.fromstring(book.read(href))
            assert root.get("lang") and root.get("lang") == root.get(XML_LANG), href
            title = root.find("x:head/x:title", NS)
            assert title is not None and title.text.strip(), href
            levels = [int(el.tag[-1]) for el in root.iter() if isinstance(el.tag, str)
                      and el.tag.startswith(f"{{{NS['x']}}}h") and el.tag[-1].isdigit()]
            assert levels.count(1) <= 1, href
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (href, levels)


def test_landmarks_and_toc_roles(built):
    book = Epub(built["sample"])
    navs = {n.get(EPUB_TYPE): n for n in book.nav.iter(f"{{{NS['x']}}}nav")}
    assert navs["toc"].get("role") == "doc-toc"
    kinds = [a.get(EPUB_TYPE) for a in navs["landmarks"].iter(f"{{{NS['x']}}}a")]
    assert kinds == ["cover", "toc", "bodymatter"]  # the generated cover


# ------------------------------------------------------------------ metadata follows content


def test_text_only_book_is_textual_and_claims_conformance(tmp_path):
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nOnly words here.\n"})
    build(book)
    epub = Epub(one_epub(book))
    assert epub.meta_property("schema:accessMode") == ["textual"]
    assert epub.meta_property("schema:accessModeSufficient") == ["textual"]
    features = epub.meta_property("schema:accessibilityFeature")
    assert "alternativeText" not in features and "tableOfContents" in features
    assert epub.meta_property("schema:accessibilityHazard") == ["none"]
    assert epub.meta_property("dcterms:conformsTo") == [a11y.CONFORMANCE]
    [summary] = epub.meta_property("schema:accessibilitySummary")
    assert "not been reviewed by a person" in summary and "image" not in summary


def test_book_with_described_images_is_visual_with_alternative_text(tmp_path):
    book = write_book(tmp_path / "b", {
        "01.md": "# One\n\n![A green square](../images/sq.png)\n\n![](../images/sq.png){.decorative}\n",
        "../images/sq.png": png_bytes(),
    })
    build(book)
    epub = Epub(one_epub(book))
    assert epub.meta_property("schema:accessMode") == ["textual", "visual"]
    assert epub.meta_property("schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert "alternativeText" in epub.meta_property("schema:accessibilityFeature")
    assert epub.meta_property("dcterms:conformsTo") == [a11y.CONFORMANCE]


def test_missing_alt_withdraws_alternative_text_and_the_claim(tmp_path):
    book = write_book(tmp_path / "b", {
        "01.md": "# One\n\n![Described](../images/sq.png)\n\nText.\n\n![](../images/sq.png)\n",
        "../images/sq.png": png_bytes(),
    })
    result = build(book)
    epub = Epub(one_epub(book))
    assert epub.meta_property("schema:accessMode") == ["textual", "visual"]
    assert "alternativeText" not in epub.meta_property("schema:accessibilityFeature")
    assert epub.meta_property("dcterms:conformsTo") == []
    [warning] = a11y.book_warnings(load_book(book, builtin_names), result.rendered)
    assert "1 image without alt text" in warning


def test_missing_alt_is_a_build_warning_naming_file_and_line(tmp_path):
    book = write_book(tmp_path / "b", {
        "01.md": "# One\n\n![Described](../images/sq.png)\n\nText.\n\n![](../images/sq.png)\n",
        "../images/sq.png": png_bytes(),
    })
    result = build(book)
    assert any(w.startswith("01.md: line 7: image '../images/sq.png' has no alt text")
               for w in result.warnings), result.warnings


def test_book_yaml_overrides(tmp_path):
    yaml = (
        "title: Flash\nauthor: A. Writer\nlanguage: en\n"
        "accessibility:\n"
        "  summary: Strobe scenes in chapter 1.\n"
        "  hazards: [flashing]\n"
        "  access_modes: [textual, visual]\n"
        "  features: [tableOfContents, readingOrder]\n"
    )
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nLights.\n"}, yaml)
    build(book)
    epub = Epub(one_epub(book))
    assert epub.meta_property("schema:accessibilitySummary") == ["Strobe scenes in chapter 1."]
    assert epub.meta_property("schema:accessibilityHazard") == ["flashing"]
    assert epub.meta_property("schema:accessMode") == ["textual", "visual"]
    assert epub.meta_property("schema:accessibilityFeature") == ["tableOfContents", "readingOrder"]


def test_declared_hazard_appears_in_the_derived_summary(tmp_path):
    yaml = "title: Flash\nauthor: A. Writer\nlanguage: en\naccessibility:\n  hazards: [flashing, noSoundHazard]\n"
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nLights.\n"}, yaml)
    build(book)
    [summary] = Epub(one_epub(book)).meta_property("schema:accessibilitySummary")
    assert "Hazards declared by the publisher: flashing, noSoundHazard." in summary
    assert "No known hazards" not in summary


@pytest.mark.parametrize("css, claims", [
    ("p { text-indent: 2em; font-family: serif; }", True),
    ("/* color: red */ h1 { letter-spacing: 0.1em; }", True),
    ("p { color: #999; }", False),
    ("body { background: black; }", False),
    ("p { line-height: 1 !important; }", False),
])
def test_user_stylesheet_that_sets_colours_withdraws_the_claim(tmp_path, css, claims):
    yaml = "title: Styled\nauthor: A. Writer\nlanguage: en\ncss: extra.css\n"
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nWords.\n"}, yaml)
    (book / "extra.css").write_text(css, encoding="utf-8")
    build(book)
    epub = Epub(one_epub(book))
    assert (epub.meta_property("dcterms:conformsTo") == [a11y.CONFORMANCE]) is claims


def test_default_stylesheet_forces_no_colours_and_no_fixed_sizes():
    css = default_css().decode()
    assert not a11y.stylesheet_risks(css)
    assert "px" not in css.replace("1px solid", "")  # borders only; text sizes are relative
    assert "font-family" not in css


def test_chapters_in_a_volume_use_h2_under_the_part_page_h1(tmp_path):
    book = write_book(tmp_path / "b", {
        "Volume 1/Chapter 1.md": "# One\n\n## Inside\n\nText.\n",
        "Volume 1/Chapter 2.txt": "Chapter 2\n\nMore.\n",
    })
    build(book)
    epub = Epub(one_epub(book))
    for chapter in epub.chapters():
        section = chapter.root.find(".//x:section", NS)
        assert section.find("x:h1", NS) is None and section.find("x:h2", NS) is not None
    inside = epub.chapters()[0].root.findall(".//x:h3", NS)
    assert ["".join(h.itertext()) for h in inside] == ["Inside"]
    parts = [epub.href(i) for i in epub.spine_ids if "part" in i]
    assert len(parts) == 1
    part = etree.fromstring(epub.read(parts[0]))
    assert len(part.findall(".//x:h1", NS)) == 1


def test_conformance_claim_names_its_evaluator(tmp_path):
    book = write_book(tmp_path / "b", {"Chapter 1.txt": "Chapter 1\n\nOnly words here.\n"})
    build(book)
    epub = Epub(one_epub(book))
    assert epub.meta_property("dcterms:conformsTo") == [a11y.CONFORMANCE]
    assert epub.meta_property("a11y:certifiedBy") == [a11y.CERTIFIER]


def test_a_title_in_another_language_carries_its_lang_in_the_nav(built):
    """WCAG 3.1.2: the French chapter's title in the (English) nav is marked French; the
    words ebookgen adds ('Chapter 3') stay in the book's language."""
    epub = Epub(built["markdown"])
    french = next(a for a in epub.nav.iter(f"{{{NS['x']}}}a") if "03-la-lettre" in a.get("href"))
    spans = [s for s in french.iter(f"{{{NS['x']}}}span") if s.get("lang") == "fr" and s.get(XML_LANG) == "fr"]
    assert len(spans) == 1 and spans[0].text and spans[0].text.strip()
    assert not (french.text or "").strip() or "Chapter" in french.text
    english = [a for a in epub.nav.iter(f"{{{NS['x']}}}a") if "01-arrival" in a.get("href")]
    assert english and not list(english[0].iter(f"{{{NS['x']}}}span"))
