"""Cleaned chapter -> XHTML document bytes. Plain text is never run through Markdown
(web-novel text is full of Markdown traps); Markdown goes through Python-Markdown, then a
sanitiser, then lxml, so what comes out is safe, well-formed XHTML."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import markdown
from lxml import etree
from lxml import html as lxml_html

from ebookgen.errors import BookError
from ebookgen.model import SCENE_BREAK, Chapter, Cleaned, Image
from ebookgen.paths import inside_book
from ebookgen.sanitize import escape_unknown_tags, sanitise

RENDERER_VERSION = "1"  # bump when output for the same input changes (invalidates caches)

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


def _section(key: str, label: str, inner: str, level: int) -> str:
    return (
        f'<section id="{key}" epub:type="chapter" role="doc-chapter" aria-labelledby="{key}-title">\n'
        f'<h{level} id="{key}-title">{xml_escape(label)}</h{level}>\n{inner}\n</section>'
    )


def render_text_blocks(blocks: tuple[str, ...]) -> str:
    out = []
    for block in blocks:
        if block == SCENE_BREAK:
            # A screen reader announces <hr/> as a separator; the class lets CSS draw it.
            out.append('<hr class="scene-break"/>')
        else:
            out.append(f"<p>{xml_escape(block)}</p>")
    return "\n".join(out)


def words_in(text: str) -> int:
    """Words for the summary: spaces separate words, and each CJK character counts as one."""
    cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]", text))
    return len(re.findall(r"[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+", text)) + cjk


def render(cleaned: Cleaned, settings: RenderSettings, book_root: Path) -> Chapter:
    source = cleaned.source
    key = chapter_key(source.rel)
    fallback = source.path.stem
    label = chapter_label(cleaned.number, cleaned.title, fallback)
    level = settings.heading_level
    images: tuple[Image, ...] = ()
    missing_alt = 0
    footnotes = tables = False
    if source.fmt == "md":
        inner, images, missing_alt, footnotes, tables = render_markdown(
            "\n".join(cleaned.blocks), source.path, book_root, settings, level
        )
        text_for_count = re.sub(r"<[^>]+>", " ", inner)
    else:
        inner = render_text_blocks(cleaned.blocks)
        text_for_count = " ".join(b for b in cleaned.blocks if b != SCENE_BREAK)
    body = _section(key, label, inner, level)
    return Chapter(
        key=key,
        file_name=f"text/{key}.xhtml",
        label=label,
        volume=source.volume,
        xhtml=document(label, body, settings),
        words=words_in(text_for_count),
        images=images,
        images_without_alt=missing_alt,
        has_footnotes=footnotes,
        has_tables=tables,
    )


# --- Markdown ----------------------------------------------------------------------------


def _markdown(settings: RenderSettings) -> markdown.Markdown:
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


def render_markdown(
    text: str, path: Path, book_root: Path, settings: RenderSettings, level: int
) -> tuple[str, tuple[Image, ...], int, bool, bool]:
    """(inner XHTML, images, images without alt, has footnotes, has tables)."""
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
    images = _pack_images(root, path, book_root, text)
    missing_alt = sum(1 for img in root.iter("img") if not (img.get("alt") or "").strip())
    footnotes = _footnotes(root)
    _shift_headings(root, level)
    tables = False
    for table in root.iter("table"):
        tables = True
        for th in table.iter("th"):
            th.set("scope", th.get("scope") or "col")
    for el in root.iter():
        if el.tag in ("td", "th") and el.get("style"):
            align = re.search(r"text-align:\s*(left|right|center)", el.get("style"))
            del el.attrib["style"]
            if align:
                el.set("class", f"align-{align.group(1)}")
    inner = "\n".join(
        etree.tostring(child, method="xml", encoding="unicode", with_tail=False) for child in root
    )
    lead = xml_escape(root.text.strip()) if root.text and root.text.strip() else ""
    inner = (f"<p>{lead}</p>\n" if lead else "") + inner
    # lxml's HTML parser knows nothing of namespaces: give epub:type its prefix back.
    inner = inner.replace(' epubtype="', ' epub:type="')
    return inner, images, missing_alt, footnotes, tables


def _shift_headings(root, level: int) -> None:
    """Headings inside a chapter sit below its title and never skip a level."""
    heads = [el for el in root.iter() if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag)]
    if not heads:
        return
    used = sorted({int(h.tag[1]) for h in heads})
    mapping = {old: min(6, level + 1 + i) for i, old in enumerate(used)}
    for h in heads:
        h.tag = f"h{mapping[int(h.tag[1])]}"


def _footnotes(root) -> bool:
    """Python-Markdown's footnotes -> EPUB 3 popup notes (epub:type noteref/footnote with
    the matching ARIA roles), as Apple Books, Kobo and KOReader expect."""
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


def _pack_images(root, path: Path, book_root: Path, text: str) -> tuple[Image, ...]:
    images: dict[str, Image] = {}
    for img in list(root.iter("img")):
        src = (img.get("src") or "").strip()
        parts = urlsplit(src)
        if not src or parts.scheme or parts.netloc or src.startswith("//"):
            # Nothing is ever fetched: a remote image is dropped, its alt text kept.
            alt = img.get("alt") or ""
            span = etree.Element("span")
            span.text = alt
            span.tail = img.tail
            img.getparent().replace(img, span)
            continue
        rel_to_book = (path.parent / unquote(parts.path)).resolve()
        line = _line_of(text, src)

        def fail(msg: str, line=line) -> BookError:
            return BookError(path, f"image {src!r}: {msg}", line)

        try:
            relative = rel_to_book.relative_to(book_root).as_posix()
        except ValueError:
            raise fail("points outside the book folder") from None
        image_path = inside_book(book_root, relative, fail)
        if not image_path.is_file():
            raise fail("file not found")
        data = image_path.read_bytes()
        kind = sniff_image(data)
        if kind is None:
            raise fail("is not a PNG, JPEG, GIF or WebP image")
        media_type, ext = kind
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(relative).stem.lower()).strip("-") or "image"
        name = f"images/{stem}-{digest}{ext}"
        images[name] = Image(name, media_type, data)
        img.set("src", "../" + name)
        if img.get("alt") is None:
            img.set("alt", "")
    return tuple(images[k] for k in sorted(images))


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None
