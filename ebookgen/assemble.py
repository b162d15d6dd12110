"""Chapters + Book -> the EPUB file. All EPUB packaging knowledge lives here (the Sphinx
EPUB builder's way): OPF metadata, manifest and spine through ebooklib; our own nav
document (landmarks, ARIA roles, languages); a reproducible ZIP; an atomic write."""

from __future__ import annotations

import datetime
import re
import time
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ebooklib import epub
from ebooklib.utils import parse_string
from lxml import etree

from ebookgen import __version__
from ebookgen.atomic import atomic_file
from ebookgen.model import Book, Chapter
from ebookgen.render import STYLESHEET_HREF, RenderSettings, document, xml_escape
from ebookgen.zipwriter import Deflated, ZipWriter

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class CoverImage:
    data: bytes
    media_type: str
    ext: str


@dataclass(frozen=True)
class Part:
    """A volume or part: a folder of chapters, one TOC level up, with a title page."""

    title: str
    key: str
    chapters: tuple[Chapter, ...]

    @property
    def file_name(self) -> str:
        return f"text/{self.key}.xhtml"


@dataclass(frozen=True)
class Accessibility:
    """The discovery metadata written into the OPF (see a11y.py for how it is derived)."""

    access_modes: tuple[str, ...]
    sufficient: tuple[str, ...]
    features: tuple[str, ...]
    hazards: tuple[str, ...]
    summary: str
    conforms_to: str | None
    certified_by: str | None = None  # EPUB Accessibility 1.1 s5.2: required with a claim


def part_title(folder: str) -> str:
    """'01 - The Beginning' -> 'The Beginning'; 'Volume 2' stays 'Volume 2'."""
    stripped = re.sub(r"^\d+\s*[-_.]\s*", "", folder).strip()
    return stripped or folder


def group_parts(chapters: list[Chapter]) -> list[Chapter | Part]:
    """Consecutive chapters from the same top folder become one Part."""
    out: list[Chapter | Part] = []
    for ch in chapters:
        if not ch.volume:
            out.append(ch)
            continue
        name = " / ".join(ch.volume)
        if out and isinstance(out[-1], Part) and out[-1].title == part_title(name):
            out[-1] = Part(out[-1].title, out[-1].key, out[-1].chapters + (ch,))
        else:
            slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "part"
            key = f"part-{slug}" if slug[0].isalpha() else f"part-{slug}"
            taken = {p.key for p in out if isinstance(p, Part)}
            n = 2
            base = key
            while key in taken:
                key, n = f"{base}-{n}", n + 1
            out.append(Part(part_title(name), key, (ch,)))
    return out


def part_page(part: Part, settings: RenderSettings) -> bytes:
    body = (
        f'<section id="{part.key}" epub:type="part" role="doc-part" aria-labelledby="{part.key}-title">\n'
        f'<h1 id="{part.key}-title" class="part-title">{xml_escape(part.title)}</h1>\n</section>'
    )
    return document(part.title, body, settings)


def nav_page(book: Book, entries: list[Chapter | Part], has_cover: bool, settings: RenderSettings) -> bytes:
    """The EPUB 3 navigation document: the TOC and the landmarks, both from one list."""

    def link(href: str, label_html: str) -> str:
        return f'<a href="{href}">{label_html}</a>'

    def chapter_link(ch: Chapter) -> str:
        return link(ch.file_name, ch.nav_label or xml_escape(ch.label))

    items = []
    for entry in entries:
        if isinstance(entry, Part):
            inner = "\n".join(f"<li>{chapter_link(ch)}</li>" for ch in entry.chapters)
            items.append(f"<li>{link(entry.file_name, xml_escape(entry.title))}\n<ol>\n{inner}\n</ol>\n</li>")
        else:
            items.append(f"<li>{chapter_link(entry)}</li>")
    first = entries[0]
    start = first.file_name
    landmarks = []
    if has_cover:
        landmarks.append('<li><a epub:type="cover" href="cover.xhtml">Cover</a></li>')
    landmarks.append('<li><a epub:type="toc" href="nav.xhtml#toc">Contents</a></li>')
    landmarks.append(f'<li><a epub:type="bodymatter" href="{start}">Start of content</a></li>')
    body = (
        '<nav epub:type="toc" role="doc-toc" id="toc" aria-labelledby="toc-title">\n'
        '<h1 id="toc-title">Contents</h1>\n<ol>\n' + "\n".join(items) + "\n</ol>\n</nav>\n"
        '<nav epub:type="landmarks" id="landmarks" aria-labelledby="landmarks-title" hidden="hidden">\n'
        '<h2 id="landmarks-title">Landmarks</h2>\n<ol>\n' + "\n".join(landmarks) + "\n</ol>\n</nav>"
    )
    return document("Contents", body, settings).replace(
        f'href="{STYLESHEET_HREF}"'.encode(), b'href="styles/book.css"'
    ).replace(b'href="../styles/extra.css"', b'href="styles/extra.css"')


def cover_page(book: Book, cover: CoverImage, settings: RenderSettings) -> bytes:
    alt = f"Cover: {book.title}" + (f" by {', '.join(book.authors)}" if book.authors else "")
    body = (
        '<section class="cover" aria-label="Cover">\n'
        f'<img src="images/cover{cover.ext}" alt="{xml_escape(alt)}" role="doc-cover" epub:type="cover"/>\n'
        "</section>"
    )
    doc = document(book.title, body, settings)
    return doc.replace(f'href="{STYLESHEET_HREF}"'.encode(), b'href="styles/book.css"').replace(
        b'href="../styles/extra.css"', b'href="styles/extra.css"'
    )


def default_css() -> bytes:
    return resources.files("ebookgen.templates").joinpath("book.css").read_bytes()


class _ZipAdapter:
    """What ebooklib's writer expects of `zipfile.ZipFile`, on top of our ZipWriter."""

    def __init__(self, writer: ZipWriter, precompressed: dict[str, Deflated]):
        self.writer = writer
        self.precompressed = precompressed

    def writestr(self, name: str, data, compress_type=None) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        ready = self.precompressed.get(name)
        if ready is not None:
            self.writer.add(name, ready)
        else:
            self.writer.add(name, data, store=compress_type == zipfile.ZIP_STORED)

    def close(self) -> None:
        self.writer.close()


class _Writer(epub.EpubWriter):
    """ebooklib's writer, made reproducible and language-aware: entries through our ZIP
    writer, and xml:lang on the OPF <package> (ebooklib omits it; Ace requires it)."""

    def __init__(self, fileobj, book: epub.EpubBook, options: dict, precompressed, language: str):
        super().__init__("unused.epub", book, options)
        self.fileobj = fileobj
        self.precompressed = precompressed
        self.language = language

    def _write_opf_file(self, root):
        root.set(XML_LANG, self.language)
        super()._write_opf_file(root)

    def _get_ncx(self):
        """The NCX ebooklib writes for our table of contents (chapter links, and part links
        holding chapter links), built in one pass: ebooklib's looks for a <content> among
        all the navMap's children for every chapter, quadratic in a 5,000-chapter book."""
        root = parse_string(self.book.get_template("ncx")).getroot()
        head = etree.SubElement(root, "head")
        for name, content in (("dtb:uid", self.book.uid), ("dtb:depth", "0"), ("dtb:totalPageCount", "0"), ("dtb:maxPageNumber", "0")):
            etree.SubElement(head, "meta", {"content": content, "name": name})
        etree.SubElement(etree.SubElement(root, "docTitle"), "text").text = self.book.title

        def point(parent, point_id: str, title: str, href: str):
            np = etree.SubElement(parent, "navPoint", {"id": point_id})
            etree.SubElement(etree.SubElement(np, "navLabel"), "text").text = title
            etree.SubElement(np, "content", {"src": href})
            return np

        def section(parent, items, uid: int) -> int:
            for item in items:
                if isinstance(item, tuple | list):
                    part, links = item
                    uid = section(point(parent, f"sep_{uid}", part.title, part.href), links, uid + 1)
                else:
                    point(parent, item.uid, item.title, item.href)
            return uid

        section(etree.SubElement(root, "navMap"), self.book.toc, 0)
        return etree.tostring(root, pretty_print=True, encoding="utf-8", xml_declaration=True)

    def write(self):
        self.out = _ZipAdapter(ZipWriter(self.fileobj), self.precompressed)
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()


def _metadata(eb: epub.EpubBook, book: Book, a11y: Accessibility) -> None:
    series_index = book.series_index
    eb.set_identifier(book.identifier)
    eb.set_title(book.title)
    eb.set_language(book.language)
    # Replace ebooklib's generator meta (it names the ebooklib version) with ours.
    eb.metadata[epub.NAMESPACES["OPF"]]["generator"] = [
        ("", {"name": "generator", "content": f"ebookgen {__version__}"})
    ]
    for i, author in enumerate(book.authors, 1):
        eb.add_author(author, uid=f"creator-{i}")
    for i, person in enumerate(book.contributors, 1):
        eb.add_metadata("DC", "contributor", person.name, {"id": f"contributor-{i}"})
        eb.add_metadata(
            None, "meta", person.role,
            {"refines": f"#contributor-{i}", "property": "role", "scheme": "marc:relators"},
        )
    for key in ("description", "publisher", "date", "rights"):
        value = getattr(book, key)
        if value:
            eb.add_metadata("DC", key, value)
    for subject in book.subjects:
        eb.add_metadata("DC", "subject", subject)
    if book.series:
        eb.add_metadata(None, "meta", book.series, {"property": "belongs-to-collection", "id": "series"})
        eb.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        if series_index is not None:
            position = f"{series_index:g}"
            eb.add_metadata(None, "meta", position, {"refines": "#series", "property": "group-position"})
        # Calibre's own series metadata: Calibre, KOReader and Kobo (via Calibre) group by it.
        eb.add_metadata(None, "meta", "", {"name": "calibre:series", "content": book.series})
        if series_index is not None:
            eb.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": f"{series_index:g}"})
    for mode in a11y.access_modes:
        eb.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    for sufficient in a11y.sufficient:
        eb.add_metadata(None, "meta", sufficient, {"property": "schema:accessModeSufficient"})
    for feature in a11y.features:
        eb.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    for hazard in a11y.hazards:
        eb.add_metadata(None, "meta", hazard, {"property": "schema:accessibilityHazard"})
    eb.add_metadata(None, "meta", a11y.summary, {"property": "schema:accessibilitySummary"})
    if a11y.conforms_to:
        eb.add_metadata(None, "meta", a11y.conforms_to, {"property": "dcterms:conformsTo", "id": "conformance"})
        if a11y.certified_by:
            eb.add_metadata(None, "meta", a11y.certified_by, {"property": "a11y:certifiedBy", "refines": "#conformance"})


def _item(uid: str, file_name: str, media_type: str, content: bytes, properties=()) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=file_name, media_type=media_type, content=content)
    if properties:
        item.properties = list(properties)
    return item


STALE_TEMPORARY_SECONDS = 3600


def _prune_stale_temporaries(out_path: Path) -> None:
    """Temporary files left by builds that were killed (SIGKILL leaves no chance to clean
    up). Only old ones: a fresh one may belong to a build running right now."""
    now = time.time()
    folder = out_path.parent
    candidates = [
        *folder.glob(f".{out_path.name}.*.tmp"),
        *folder.glob(f".{out_path.stem}-report.html.*.tmp"),
        *(folder / ".cache").glob("*/.*.tmp"),
    ]
    for tmp in candidates:
        try:
            if now - tmp.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                tmp.unlink()
        except OSError:
            pass


def write_epub(
    book: Book,
    chapters: list[Chapter],
    out_path: Path,
    modified: datetime.datetime,
    a11y: Accessibility,
    cover: CoverImage | None = None,
    precompressed: dict[str, Deflated] | None = None,
) -> None:
    """Write the EPUB to a temporary file beside `out_path`, then rename it into place:
    a failed or killed build never leaves a partial EPUB, and the old one stays readable."""
    settings = RenderSettings(book.language, extra_css=book.css is not None)
    eb = epub.EpubBook()
    _metadata(eb, book, a11y)
    entries = group_parts(chapters)
    spine: list = []
    eb.add_item(_item("css", "styles/book.css", "text/css", default_css()))
    if book.css is not None:
        eb.add_item(_item("css-extra", "styles/extra.css", "text/css", book.css.read_bytes()))
    if cover is not None:
        image = epub.EpubCover(uid="cover-image", file_name=f"images/cover{cover.ext}")
        image.media_type = cover.media_type
        image.content = cover.data
        eb.add_item(image)
        # EPUB 2 readers (and Kindle) find the cover through <meta name="cover">.
        eb.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
        page = _item("cover", "cover.xhtml", "application/xhtml+xml", cover_page(book, cover, settings))
        eb.add_item(page)
        spine.append(page)
        eb.guide.append({"type": "cover", "href": "cover.xhtml", "title": "Cover"})
    nav = _item("nav", "nav.xhtml", "application/xhtml+xml", nav_page(book, entries, cover is not None, settings), ("nav",))
    eb.add_item(nav)
    spine.append(nav)
    eb.guide.append({"type": "toc", "href": "nav.xhtml", "title": "Contents"})
    toc: list = []
    images: dict[str, object] = {}
    first_href = None

    def add_chapter(ch: Chapter) -> epub.Link:
        nonlocal first_href
        item = _item(ch.key, ch.file_name, "application/xhtml+xml", ch.xhtml)
        eb.add_item(item)
        spine.append(item)
        for img in ch.images:
            if img.file_name not in images:
                images[img.file_name] = img
        first_href = first_href or ch.file_name
        return epub.Link(ch.file_name, ch.label, ch.key)

    for entry in entries:
        if isinstance(entry, Part):
            page = _item(entry.key, entry.file_name, "application/xhtml+xml", part_page(entry, settings))
            eb.add_item(page)
            spine.append(page)
            first_href = first_href or entry.file_name
            links = [add_chapter(ch) for ch in entry.chapters]
            toc.append((epub.Link(entry.file_name, entry.title, entry.key), links))
        else:
            toc.append(add_chapter(entry))
    for i, name in enumerate(sorted(images), 1):
        img = images[name]
        eb.add_item(_item(f"image-{i}", img.file_name, img.media_type, img.data))
    eb.guide.append({"type": "text", "href": first_href, "title": "Start of content"})
    eb.add_item(epub.EpubNcx())
    eb.toc = toc
    eb.spine = spine
    options = {
        "mtime": modified,
        "epub3_pages": False,
        "epub3_landmark": False,
        "play_order": {"enabled": False},
        "raise_exceptions": True,
    }
    _prune_stale_temporaries(out_path)
    with atomic_file(out_path, fsync=True) as f:
        _Writer(f, eb, options, precompressed or {}, book.language).write()
