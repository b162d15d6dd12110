"""Kobo's KEPUB markup for one XHTML content document: kepubify(xhtml) -> xhtml.

Kobo's own reader ("Kobo WebKit", picked for files named *.kepub.epub) keeps reading
statistics, highlights and page turns per <span class="koboSpan" id="kobo.P.S">, and lays
the page out through <div id="book-columns"><div id="book-inner">. This follows what
kepubify (github.com/pgaskin/kepubify, kepub/transform.go, checked against Kobo's store
files) does: split text at sentence ends, one span per sentence, paragraph number P bumped
at each p/ol/ul/table and image, S counting within it; leave script/style/pre/audio/video
alone; wrap each image in a span of its own. The result stays XHTML that EPUBCheck accepts.

kepub_file(epub, out) turns a finished EPUB into NAME.kepub.epub (the name Kobo devices
need to pick their own reader): every spine document but the nav and the cover page gets
the markup, everything else is copied as it is, with the same reproducible ZIP as build.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from posixpath import dirname, join, normpath

from lxml import etree

from ebookgen.atomic import atomic_file
from ebookgen.zipwriter import ZipWriter

XHTML = "http://www.w3.org/1999/xhtml"
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
# kepubify's sentence pattern: up to . ! ? or :, an optional closing quote, then spaces.
_SENTENCE = re.compile(r"(?s).*?[.!?:]['\"”’“…]?\s*")
_SKIP = {"script", "style", "pre", "audio", "video", "svg", "math"}
_NEW_PARAGRAPH = {"p", "ol", "ul", "table"}
# Kobo adds this to every page (kepubify keeps only the margin part).
_STYLE = "div#book-inner { margin-top: 0; margin-bottom: 0; }"


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def sentences(text: str) -> list[str]:
    """Text cut after each sentence end; nothing is lost: ''.join(result) == text."""
    parts, pos = [], 0
    for m in _SENTENCE.finditer(text):
        if m.end() > pos:
            parts.append(text[pos : m.end()])
            pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return parts


class _Spanner:
    def __init__(self) -> None:
        self.para = 0
        self.seg = 0
        self.next_para = False

    def span(self, text: str | None = None) -> etree._Element:
        if self.next_para:
            self.para, self.seg, self.next_para = self.para + 1, 0, False
        self.seg += 1
        el = etree.Element(f"{{{XHTML}}}span", {"class": "koboSpan", "id": f"kobo.{self.para}.{self.seg}"})
        el.text = text
        return el

    def spans_for(self, text: str, parent: etree._Element) -> list[etree._Element | str]:
        out: list[etree._Element | str] = []
        for piece in sentences(text):
            if not piece.strip() and _local(parent.tag) != "p":
                out.append(piece)  # whitespace between blocks stays plain text
            else:
                out.append(self.span(piece))
        return out

    def walk(self, el: etree._Element) -> None:
        name = _local(el.tag)
        if name in _NEW_PARAGRAPH:
            self.next_para = True
        children = list(el)
        if el.text:
            self._place(el, self.spans_for(el.text, el))
        for child in children:
            tail = child.tail
            child.tail = None
            if isinstance(child.tag, str):
                child_name = _local(child.tag)
                if child_name == "img":
                    self.para, self.seg, self.next_para = self.para + 1, 0, False
                    wrapper = self.span()
                    child.addprevious(wrapper)
                    wrapper.append(child)  # moves the image into its span
                    child = wrapper
                elif child_name not in _SKIP:
                    self.walk(child)
            if tail:
                self._after(child, self.spans_for(tail, el))

    @staticmethod
    def _place(el: etree._Element, items: list) -> None:
        el.text = None
        anchor = None
        for item in items:
            if isinstance(item, str):
                if anchor is None:
                    el.text = (el.text or "") + item
                else:
                    anchor.tail = (anchor.tail or "") + item
            else:
                if anchor is None:
                    el.insert(0, item)
                else:
                    anchor.addnext(item)
                anchor = item

    @staticmethod
    def _after(node: etree._Element, items: list) -> None:
        anchor = node
        for item in items:
            if isinstance(item, str):
                anchor.tail = (anchor.tail or "") + item
            else:
                anchor.addnext(item)
                anchor = item


def kepubify(xhtml: bytes) -> bytes:
    """One XHTML content document with Kobo's spans and wrapper divs. A document that
    already has them, or has no body, comes back unchanged."""
    parser = etree.XMLParser(resolve_entities=False, remove_blank_text=False)
    root = etree.fromstring(xhtml, parser)
    body = root.find(f"{{{XHTML}}}body")
    if body is None or root.find(f".//{{{XHTML}}}span[@class='koboSpan']") is not None:
        return xhtml
    head = root.find(f"{{{XHTML}}}head")
    if head is not None:
        style = etree.SubElement(head, f"{{{XHTML}}}style", {"type": "text/css", "class": "kobostylehacks"})
        style.text = _STYLE
        style.tail = "\n"
    _Spanner().walk(body)
    columns = etree.Element(f"{{{XHTML}}}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{{{XHTML}}}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)  # tails travel with their elements
    body.append(columns)
    return _DECLARATION + etree.tostring(root, encoding="utf-8")


def _spine_documents(zf: zipfile.ZipFile) -> set[str]:
    """Paths of the spine's XHTML documents, minus the nav and the cover page."""
    ns = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf"}
    container = etree.fromstring(zf.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", ns).get("full-path")
    opf = etree.fromstring(zf.read(opf_path))
    items = {i.get("id"): i for i in opf.find("opf:manifest", ns)}
    guide_cover = {
        normpath(join(dirname(opf_path), r.get("href", "").split("#")[0]))
        for r in opf.iterfind("opf:guide/opf:reference", ns) if r.get("type") == "cover"
    }
    out = set()
    for ref in opf.find("opf:spine", ns):
        item = items.get(ref.get("idref"))
        if item is None or item.get("media-type") != "application/xhtml+xml":
            continue
        if "nav" in (item.get("properties") or "").split():
            continue
        path = normpath(join(dirname(opf_path), item.get("href")))
        if path not in guide_cover:
            out.add(path)
    return out


def kepub_file(epub: Path, out: Path) -> Path:
    """Write the KEPUB of a built EPUB to `out` (atomically, like the EPUB itself)."""
    with zipfile.ZipFile(epub) as zf:
        targets = _spine_documents(zf)
        with atomic_file(out) as f:
            writer = ZipWriter(f)
            for info in zf.infolist():
                data = zf.read(info)
                if info.filename in targets:
                    data = kepubify(data)
                writer.add(info.filename, data, store=info.filename == "mimetype")
            writer.close()
    return out


def kepub_name(epub: Path) -> Path:
    """build/slug.epub -> build/slug.kepub.epub"""
    return epub.with_name(epub.name[: -len(".epub")] + ".kepub.epub")
