"""Cleaned chapter -> XHTML document bytes. Plain text is never run through Markdown
(web-novel text is full of Markdown traps); Markdown goes through Python-Markdown, then a
sanitiser, then lxml, so what comes out is safe, well-formed XHTML."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ebookgen.errors import BookError
from ebookgen.model import SCENE_BREAK, Chapter, Cleaned, Image
from ebookgen.paths import inside_book
from ebookgen.textshapes import unusual_characters

if TYPE_CHECKING:  # Markdown, lxml and the sanitiser are imported by the Markdown path only
    import markdown

RENDERER_VERSION = "3"  # bump when output for the same input changes (invalidates caches)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
STYLESHEET_HREF = "../styles/book.css"
EXTRA_STYLESHEET_HREF = "../styles/extra.css"

MEDIA_TYPES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(media type, extension) from the bytes, never from the file name."""
    for magic, media_type, ext in MEDIA_TYPES:
        if data.startswith(magic):
            return media_type, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


@dataclass(frozen=True)
class RenderSettings:
    """Book-level inputs to rendering: part of every chapter's cache key."""

    language: str
    smart_typography: bool = False
    extra_css: bool = False
    heading_level: int = 1  # 2 when chapters sit inside volumes

    def fingerprint(self) -> str:
        return f"{RENDERER_VERSION}|{self.language}|{self.smart_typography}|{self.extra_css}|{self.heading_level}"


def chapter_label(number: str | None, title: str | None, fallback: str) -> str:
    """TOC label: 'Chapter 12: Title', 'Chapter 12', 'Title', or the file's name."""
    if number and title:
        return f"Chapter {number}: {title}"
    if number:
        return f"Chapter {number}"
    return title or fallback


def chapter_key(rel: str) -> str:
    """Stable file stem and id from the source path, never from the position: adding a
    chapter never renames another, so readers keep places, highlights and notes."""
    stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
    slug = re.sub(r"[^a-z0-9]+", "-", stem.casefold()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = "c-" + slug if slug else "c-" + hashlib.sha1(rel.encode()).hexdigest()[:10]
    if slug.isascii() and slug.replace("-", "").isalnum():
        return slug[:100]
    return "c-" + hashlib.sha1(rel.encode()).hexdigest()[:10]


def xml_escape(text: str) -> str:
    return html.escape(text, quote=True)


def document(title: str, body: str, settings: RenderSettings, language: str | None = None) -> bytes:
    """A complete XHTML5 content document: XML declaration (Kindle assumes ISO-8859-1
    without one), language on <html>, a <title>, and the stylesheet links."""
    lang = xml_escape(language or settings.language)
    links = f'<link rel="stylesheet" type="text/css" href="{STYLESHEET_HREF}"/>'
    if settings.extra_css:
        links += f'\n<link rel="stylesheet" type="text/css" href="{EXTRA_STYLESHEET_HREF}"/>'
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}" lang="{lang}" xml:lang="{lang}">\n'
        f"<head>\n<title>{xml_escape(title)}</title>\n{links}\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def _section(key: str, heading: str, inner: str, level: int) -> str:
    return (
        f'<section id="{key}" epub:type="chapter" role="doc-chapter" aria-labelledby="{key}-title">\n'
        f'<h{level} id="{key}-title">{heading}</h{level}>\n{inner}\n</section>'
    )


def heading_html(number: str | None, title: str | None, fallback: str, book_language: str,
                 chapter_language: str | None) -> str:
    """The chapter heading as XHTML. In a chapter written in another language, the words
    ebookgen adds ("Chapter 12") keep the book's language, so a screen reader pronounces
    them right (WCAG 3.1.2)."""
    label = chapter_label(number, title, fallback)
    if not chapter_language or chapter_language == book_language or not number:
        return xml_escape(label)
    return _in_language(f"Chapter {number}", book_language) + (f": {xml_escape(title)}" if title else "")


def nav_label_html(number: str | None, title: str | None, fallback: str, book_language: str,
                   chapter_language: str | None) -> str:
    """The TOC label as XHTML for the nav page (written in the book's language): a title in
    another language carries its own lang, so a screen reader switches voice (WCAG 3.1.2)."""
    label = chapter_label(number, title, fallback)
    if not chapter_language or chapter_language == book_language:
        return xml_escape(label)
    if number and title:
        return f'{xml_escape(f"Chapter {number}")}: {_in_language(title, chapter_language)}'
    if number:
        return xml_escape(label)
    return _in_language(label, chapter_language)


def _in_language(text: str, language: str) -> str:
    """Text marked as written in `language` (both attributes: HTML readers and XML ones)."""
    lang = xml_escape(language)
    return f'<span lang="{lang}" xml:lang="{lang}">{xml_escape(text)}</span>'


def render_text_blocks(blocks: tuple[str, ...]) -> str:
    # Escaped in one pass over the whole chapter (a block holds no newline).
    out = []
    for block in xml_escape("\n".join(blocks)).split("\n") if blocks else ():
        if block == SCENE_BREAK:
            # A screen reader announces <hr/> as a separator; the class lets CSS draw it.
            out.append('<hr class="scene-break"/>')
        else:
            out.append(f"<p>{block}</p>")
    return "\n".join(out)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_NON_CJK_WORD = re.compile(r"[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


def words_in(text: str) -> int:
    """Words for the summary: spaces separate words, and each CJK character counts as one.
    The text's few unusual characters (one C pass) tell whether it holds CJK and whether
    its only whitespace is the plain space, in which case words are counted, not split."""
    odd = unusual_characters(text)
    cjk = [ch for ch in odd if _CJK.match(ch)] if odd else []
    if len(cjk) > 32:  # a CJK text: one regex pass
        return len(_NON_CJK_WORD.findall(text)) + len(_CJK.findall(text))
    if cjk:  # a few CJK characters in other text: each is a word, and separates words
        words = 0
        for ch in cjk:
            words += text.count(ch)
            text = text.replace(ch, " ")
        return words + len(text.split())
    text = text.strip()
    if "  " not in text and "\t" not in text and "\n" not in text and "".join(odd).isprintable():
        return text.count(" ") + 1 if text else 0
    return len(text.split())


def render(cleaned: Cleaned, settings: RenderSettings, book_root: Path) -> Chapter:
    source = cleaned.source
    key = chapter_key(source.rel)
    fallback = source.path.stem
    label = chapter_label(cleaned.number, cleaned.title, fallback)
    level = settings.heading_level
    md = MarkdownResult("")
    if source.fmt == "md":
        md = render_markdown("\n".join(cleaned.blocks), source.path, book_root, settings, level)
        inner = md.inner
        text_for_count = re.sub(r"<[^>]+>", " ", inner)
    else:
        inner = render_text_blocks(cleaned.blocks)
        text_for_count = " ".join(b for b in cleaned.blocks if b != SCENE_BREAK)
    heading = heading_html(cleaned.number, cleaned.title, fallback, settings.language, source.language)
    body = _section(key, heading, inner, level)
    return Chapter(
        key=key,
        file_name=f"text/{key}.xhtml",
        label=label,
        nav_label=nav_label_html(cleaned.number, cleaned.title, fallback, settings.language, source.language),
        volume=source.volume,
        # A chapter may declare its own language (Markdown front matter): screen readers
        # switch voice on lang, and hyphenation follows it.
        xhtml=document(label, body, settings, source.language),
        words=words_in(text_for_count),
        images=md.images,
        images_without_alt=len(md.missing_alt),
        has_footnotes=md.footnotes,
        has_tables=md.tables,
        accessibility_warnings=md.warnings,
    )


# --- Markdown ----------------------------------------------------------------------------


def _markdown(settings: RenderSettings) -> markdown.Markdown:
    import markdown

    extensions = ["footnotes", "tables", "attr_list", "def_list", "abbr", "sane_lists"]
    configs: dict = {"footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "\u21a9\ufe0e"}}
    if settings.smart_typography:
        extensions.append("smarty")
        # Unicode, not named entities: &ldquo; is not XML (FIELD-NOTES).
        configs["smarty"] = {
            "substitutions": {
                "left-single-quote": "\u2018", "right-single-quote": "\u2019",
                "left-double-quote": "\u201c", "right-double-quote": "\u201d",
                "left-angle-quote": "\u00ab", "right-angle-quote": "\u00bb",
                "ellipsis": "\u2026", "ndash": "\u2013", "mdash": "\u2014",
            }
        }
    return markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="xhtml")


_MD_CACHE: dict[str, markdown.Markdown] = {}

DECORATIVE_CLASS = "decorative"  # `![](ornament.png){.decorative}`: an image that says nothing


@dataclass(frozen=True)
class MarkdownResult:
    """A rendered Markdown chapter and what accessibility needs to know about it."""

    inner: str
    images: tuple[Image, ...] = ()
    missing_alt: tuple[tuple[int | None, str], ...] = ()  # (line, src) of content images
    tables_without_headers: tuple[int | None, ...] = ()  # lines of raw-HTML tables
    footnotes: bool = False
    tables: bool = False

    @property
    def warnings(self) -> tuple[tuple[int | None, str], ...]:
        """(line, message) for the build to print as warnings, in line order."""
        out = [
            (line, f"image {src!r} has no alt text: describe it in ![...]({src}), or mark it "
                   f"{{.{DECORATIVE_CLASS}}} if it carries no information")
            for line, src in self.missing_alt
        ]
        out += [(line, "table without header cells (<th>): screen readers cannot name its columns")
                for line in self.tables_without_headers]
        return tuple(sorted(out, key=lambda w: (w[0] or 0, w[1])))


def render_markdown(
    text: str, path: Path, book_root: Path, settings: RenderSettings, level: int
) -> MarkdownResult:
    from lxml import etree
    from lxml import html as lxml_html

    from ebookgen.sanitize import escape_unknown_tags, sanitise

    fp = settings.fingerprint()
    md = _MD_CACHE.get(fp)
    if md is None:
        md = _MD_CACHE[fp] = _markdown(settings)
    md.reset()  # or footnotes leak into the next chapter (FIELD-NOTES)
    try:
        raw_html = md.convert(escape_unknown_tags(text))
    except RecursionError:
        raise BookError(path, "Markdown nested too deeply to render: flatten the nesting") from None
    clean_html = sanitise(raw_html)
    root = lxml_html.fragment_fromstring(clean_html or "", create_parent="div")
    lines = _SourceLines(text)
    images, missing_alt = _pack_images(root, path, book_root, lines)
    footnotes = _footnotes(root)
    _shift_headings(root, level)
    for hr in root.iter("hr"):
        # `***` in a story is a scene break; the class gives it the same look as in .txt.
        hr.set("class", "scene-break")
    tables, headless = _tables(root, lines)
    for el in root.iter():
        if el.tag in ("td", "th") and el.get("style"):
            align = re.search(r"text-align:\s*(left|right|center)", el.get("style"))
            del el.attrib["style"]
            if align:
                el.set("class", f"align-{align.group(1)}")
    parts = []
    if root.text and root.text.strip():
        parts.append(f"<p>{xml_escape(root.text.strip())}</p>")
    for child in root:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=False))
        if child.tail and child.tail.strip():  # text between blocks is story too
            parts.append(f"<p>{xml_escape(child.tail.strip())}</p>")
    inner = "\n".join(parts)
    # lxml's HTML parser knows nothing of namespaces: give epub:type its prefix back.
    inner = inner.replace(' epubtype="', ' epub:type="')
    return MarkdownResult(inner, images, missing_alt, headless, footnotes, tables)


class _SourceLines:
    """Line numbers for things found in the rendered HTML: the k-th image with a given src
    is the k-th occurrence of that src in the Markdown text."""


    def __init__(self, text: str):
        self.text = text
        self.seen: dict[str, int] = {}

    def line_of(self, needle: str) -> int | None:
        start = self.seen.get(needle, 0)
        index = -1
        # Prefer the forms an image source takes in Markdown or HTML over a bare substring.
        for form in (f"({needle})", f"({needle} ", f'"{needle}"', f"'{needle}'", needle):
            index = self.text.find(form, start)
            if index < 0:
                index = self.text.find(form)
            if index >= 0:
                break
        if index < 0:
            return None
        self.seen[needle] = index + len(needle)
        return self.text.count("\n", 0, index) + 1


def _tables(root, lines: _SourceLines) -> tuple[bool, tuple[int | None, ...]]:
    """Header cells name their column for screen readers (WCAG 1.3.1): Markdown tables
    always have a header row; a raw-HTML table without any <th> is reported."""
    found = False
    headless = []
    for table in root.iter("table"):
        found = True
        heads = list(table.iter("th"))
        for th in heads:
            if not th.get("scope"):
                th.set("scope", _scope(th))
        if not heads:
            headless.append(lines.line_of("<table"))
    return found, tuple(headless)


def _scope(th) -> str:
    """'col' for a header row; 'row' for a header cell that opens a row of data cells."""
    row = th.getparent()
    in_head = row.getparent() is not None and row.getparent().tag == "thead"
    if not in_head and row.index(th) == 0 and any(c.tag == "td" for c in row):
        return "row"
    return "col"


def _shift_headings(root, level: int) -> None:
    """Headings inside a chapter sit below its title (h{level}) and never skip a level:
    each heading goes at most one level deeper than the one before it (axe heading-order,
    WCAG 1.3.1). `# A` / `### B` / `## C` become h2 / h3 / h3 under an h1 chapter title."""
    heads = [el for el in root.iter() if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag)]
    if not heads:
        return
    used = sorted({int(h.tag[1]) for h in heads})
    rank = {old: i for i, old in enumerate(used)}  # 0 for the biggest heading used
    previous = level
    for h in heads:
        wanted = level + 1 + rank[int(h.tag[1])]
        new = min(wanted, previous + 1, 6)
        h.tag = f"h{new}"
        previous = new


def _footnotes(root) -> bool:
    """Python-Markdown's footnotes -> EPUB 3 popup notes (epub:type noteref/footnote with
    the matching ARIA roles), as Apple Books, Kobo and KOReader expect."""
    from lxml import etree

    found = False
    for sup in list(root.iter("sup")):
        for a in sup.iter("a"):
            if "footnote-ref" in (a.get("class") or ""):
                a.set("epubtype", "noteref")
                a.set("role", "doc-noteref")
                found = True
    for div in list(root.iter("div")):
        if "footnote" not in (div.get("class") or "").split():
            continue
        found = True
        section = etree.Element("section")
        section.set("class", "footnotes")
        section.set("epubtype", "endnotes")
        section.set("role", "doc-endnotes")
        for li in div.iter("li"):
            aside = etree.SubElement(section, "aside")
            aside.set("id", li.get("id", ""))
            aside.set("epubtype", "footnote")
            aside.set("role", "doc-footnote")
            for child in list(li):
                aside.append(child)
            for back in aside.iter("a"):
                if "footnote-backref" in (back.get("class") or ""):
                    back.set("role", "doc-backlink")
                    back.attrib.pop("title", None)
                    back.set("aria-label", "Back to text")
        div.addprevious(section)
        div.getparent().remove(div)
    return found


def _pack_images(
    root, path: Path, book_root: Path, lines: _SourceLines
) -> tuple[tuple[Image, ...], tuple[tuple[int | None, str], ...]]:
    """Copy each local image into the book (type from its bytes, name from its content);
    return the images and the (line, src) of content images without alt text."""
    from lxml import etree

    images: dict[str, Image] = {}
    missing_alt: list[tuple[int | None, str]] = []
    for img in list(root.iter("img")):
        src = (img.get("src") or "").strip()
        parts = urlsplit(src)
        line = lines.line_of(src) if src else None
        if not src or parts.scheme or parts.netloc or src.startswith("//"):
            # Nothing is ever fetched: a remote image is dropped, its alt text kept.
            alt = img.get("alt") or ""
            span = etree.Element("span")
            span.text = alt
            span.tail = img.tail
            img.getparent().replace(img, span)
            continue
        rel_to_book = (path.parent / unquote(parts.path)).resolve()

        def fail(msg: str, line=line, src=src) -> BookError:
            return BookError(path, f"image {src!r}: {msg}", line)

        try:
            relative = rel_to_book.relative_to(book_root).as_posix()
        except ValueError:
            raise fail("points outside the book folder: keep images inside it") from None
        image_path = inside_book(book_root, relative, fail)
        if not image_path.is_file():
            raise fail("file not found (the path is relative to the chapter file)")
        data = image_path.read_bytes()
        kind = sniff_image(data)
        if kind is None:
            raise fail("is not a PNG, JPEG, GIF or WebP image: convert it or remove the reference")
        media_type, ext = kind
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(relative).stem.lower()).strip("-") or "image"
        name = f"images/{stem}-{digest}{ext}"
        images[name] = Image(name, media_type, data)
        img.set("src", "../" + name)
        alt = (img.get("alt") or "").strip()
        classes = (img.get("class") or "").split()
        if DECORATIVE_CLASS in classes:
            # Declared decorative by the author: empty alt and no role, so assistive
            # technology skips it (WAI images tutorial, "decorative images").
            img.set("alt", "")
            img.set("role", "presentation")
        elif not alt:
            # Markdown cannot tell "decorative" from "forgot": `![](x.png)` is both. The
            # image gets alt="" (a reader skips it rather than reading out a file name),
            # and the build warns and withdraws alternativeText and the conformance claim.
            img.set("alt", "")
            missing_alt.append((line, src))
        else:
            img.set("alt", alt)
    return tuple(images[k] for k in sorted(images)), tuple(missing_alt)
