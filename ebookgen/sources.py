"""Find the chapter files, put them in reading order, and decode them to text."""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import re
from pathlib import Path

from ebookgen.errors import BookError
from ebookgen.model import Book, Source

CHAPTER_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md"}
MAX_CHAPTER_BYTES = 64 * 1024 * 1024

# Tried in order when a file is not UTF-8. A short, ordered list: letting the detector
# choose among every code page took cp1252 English for cp1250 (FIELD-NOTES).
LEGACY_ENCODINGS = ["cp1252", "gb18030", "big5", "shift_jis", "euc_kr"]

_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_TOKEN = re.compile(r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)")


def cjk_number(text: str) -> int | None:
    """'十二' -> 12, '一百零五' -> 105, '一二三' -> 123; None if `text` is not a CJK numeral."""
    if any(ch not in _CJK_DIGITS and ch not in _CJK_UNITS for ch in text):
        return None
    if not any(ch in _CJK_UNITS for ch in text):
        return int("".join(str(_CJK_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CJK_DIGITS:
            current = _CJK_DIGITS[ch]
        elif ch == "万":
            total, current = (total + current) * 10000, 0
        else:
            total, current = total + (current or 1) * _CJK_UNITS[ch], 0
    return total + current


def natural_key(rel: str) -> tuple:
    """Sort key for a chapter path: numbers compare as numbers in every part of the path,
    so 'Chapter 2' < 'Chapter 10', 'Chapter 12.5' sits between 12 and 13, and
    'Volume 2/Chapter 1' follows 'Volume 1/...'. Case-insensitive; extension ignored."""
    parts = rel.split("/")
    parts[-1] = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    key = []
    for part in parts:
        tokens = []
        for i, token in enumerate(_TOKEN.split(part.casefold())):
            if i % 2 == 0:
                if token.strip():
                    tokens.append((1, 0.0, token.strip()))
                continue
            number = float(token) if token[0].isdigit() else cjk_number(token)
            tokens.append((0, float(number if number is not None else 0), ""))
        key.append(tuple(tokens))
    return (tuple(key), rel)


def _is_leftover(path: Path | str) -> bool:
    name = path if isinstance(path, str) else path.name
    return name.startswith((".", "~$", "#")) or name.endswith(("~", "#"))


def discover(book: Book) -> list[Path]:
    """Chapter files in reading order. Hidden files and editor leftovers are ignored."""
    root = book.root
    if book.chapters is None:
        folder = book.chapters_dir
        found = _scan(folder, root)
        if not found:
            raise BookError(
                folder,
                "no chapter files (.txt, .md, .markdown) found: put the chapters in this folder",
            )
        found.sort(key=lambda item: natural_key(item[0]))
        paths = [folder / rel for rel, _, _ in found]
        for path, (_, _, size) in zip(paths, found, strict=True):
            _check_size(path, size)
        return paths
    else:
        paths, seen = [], set()
        for i, entry in enumerate(book.chapters):
            matches = sorted(
                (Path(m) for m in glob.glob(str(root / entry), recursive=True)),
                key=lambda p: natural_key(p.relative_to(root).as_posix()),
            )
            matches = [m for m in matches if m.is_file() and not _is_leftover(m)]
            if not matches:
                raise BookError(
                    book.config_path,
                    f"chapters: no file matches {entry!r}: check the name (paths are relative to the book folder)",
                    _list_line(book, i),
                )
            for m in matches:
                if m.suffix.lower() not in CHAPTER_SUFFIXES:
                    raise BookError(
                        book.config_path,
                        f"chapters: {entry!r} matches {m.name}, which is not .txt, .md or .markdown",
                        _list_line(book, i),
                    )
                if m not in seen:
                    seen.add(m)
                    paths.append(m)
    for path in paths:
        _check_size(path)
        resolved = path.resolve()
        if root not in resolved.parents:
            raise BookError(
                path, "leads outside the book folder (a symlink?): copy the file into the book instead"
            )
    return paths


def _scan(folder: Path, root: Path, prefix: str = "", seen: set | None = None) -> list[tuple[str, bool, int]]:
    """(relative path, was a symlink, size) of every chapter file under `folder`, with one
    scandir per folder (thousands of chapters: no per-file path resolution). Hidden
    entries and editor leftovers are skipped; a symlink is followed only if it stays
    inside the book folder."""
    found = []
    seen = set() if seen is None else seen
    real = os.path.realpath(folder)
    if real in seen:  # a symlinked folder pointing back up: read each folder once
        return found
    seen.add(real)
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise BookError(folder, f"cannot read the folder: {exc.strerror}") from None
    for entry in entries:
        name = entry.name
        if _is_leftover(name):  # hidden files too
            continue
        rel = prefix + name
        link = entry.is_symlink()
        if link:
            target = Path(entry.path).resolve()
            if target != root and root not in target.parents:
                raise BookError(
                    Path(entry.path), "leads outside the book folder (a symlink?): copy the file into the book instead"
                )
        if entry.is_dir():
            found += _scan(Path(entry.path), root, rel + "/", seen)
        elif os.path.splitext(name)[1].lower() in CHAPTER_SUFFIXES and entry.is_file():
            found.append((rel, link, entry.stat().st_size))
    return found


def _check_size(path: Path, size: int | None = None) -> None:
    """Refuse an oversized chapter before any stage reads it into memory."""
    try:
        size = path.stat().st_size if size is None else size
    except OSError as exc:
        raise BookError(path, f"cannot read: {exc.strerror}: check that the file is readable") from None
    if size > MAX_CHAPTER_BYTES:
        raise BookError(path, f"is {size / 2**20:.0f} MB, over the 64 MB limit for one chapter: split it into chapters")


def _list_line(book: Book, index: int) -> int | None:
    """Line of the index-th entry of `chapters:` in book.yaml (for error messages)."""
    try:
        lines = book.config_path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return None
    start = next((n for n, text in enumerate(lines) if text.startswith("chapters:")), None)
    if start is None:
        return None
    items = [n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("- ")]
    return items[index] + 1 if index < len(items) else start + 1


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding name). UTF-8 first (with or without BOM), UTF-16/32 by BOM or by
    their NUL pattern, then a short list of legacy encodings picked by charset-normalizer."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(name), name
            except UnicodeDecodeError as exc:
                raise _undecodable(path, raw, exc.start, name) from None
    kind = binary_kind(raw)
    if kind:
        raise BookError(path, f"is binary ({kind}), not text: remove it from the chapters or save it as text", 1)
    sample = raw[:4096]
    if sample.count(b"\x00") * 4 >= len(sample) > 16:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        name = "utf-16-le" if odd > even else "utf-16-be"
        try:
            text = raw.decode(name)
            if _looks_like_text(text):
                return text, name
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw:
        # A few stray NULs (a scraper's artefact) are dropped: XML cannot carry them and
        # the story around them survives. More than that is not a text file.
        nuls = raw.count(b"\x00")
        if nuls * 100 > len(raw) or not _looks_like_text(raw[:65536].replace(b"\x00", b"").decode("latin-1")):
            offset = raw.index(b"\x00")
            raise BookError(
                path,
                f"is binary, not text ({nuls:,} NUL bytes, the first at offset {offset}): "
                "remove it from the chapters or save it as text",
                raw[:offset].count(b"\n") + 1,
            )
        raw = raw.replace(b"\x00", b"")
    utf8_error = None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes  # imported late: only legacy files pay for it

    # A looser chaos threshold than the default 0.2: the candidates are few, and real
    # cp1252 prose with curly quotes and dashes scores 0.1-0.2.
    best = from_bytes(raw, cp_isolation=LEGACY_ENCODINGS, threshold=0.5, explain=False).best()
    if best is None:
        raise _undecodable(path, raw, utf8_error.start if utf8_error else 0, "utf-8")
    name = best.encoding
    try:
        return raw.decode(name), name
    except UnicodeDecodeError as exc:  # pragma: no cover - charset-normalizer checked it
        raise _undecodable(path, raw, exc.start, name) from None


# The openings of the binary files most often dropped into a chapters folder by mistake.
BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive: an EPUB, DOCX or ODT?"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def binary_kind(raw: bytes) -> str | None:
    """What a binary file is, from its first bytes; None for anything that may be text."""
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "a WebP image"
    return next((kind for magic, kind in BINARY_MAGIC if raw.startswith(magic)), None)


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """decode(), then one kind of line end and no BOM: the text every stage reads."""
    text, encoding = decode(raw, path)
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), encoding


def _looks_like_text(text: str) -> bool:
    controls = sum(1 for ch in text[:4096] if ch < " " and ch not in "\n\r\t")
    return controls <= len(text[:4096]) // 100


def _undecodable(path: Path, raw: bytes, offset: int, name: str) -> BookError:
    try:  # count lines in characters: in UTF-16, a byte 0x0A is not always a newline
        line = raw[:offset].decode(name, errors="replace").count("\n") + 1
    except LookupError:
        line = raw[:offset].count(b"\n") + 1
    return BookError(
        path,
        f"cannot decode the text (tried {name} and common legacy encodings; "
        f"bad byte at offset {offset}): re-save the file as UTF-8",
        line,
    )


_FRONT_MATTER = re.compile(r"---[ \t]*\n(?P<body>(?:[A-Za-z_]+[ \t]*:[^\n]*\n){1,10})---[ \t]*\n")


def front_matter(text: str, path: Path) -> tuple[str, str | None]:
    """A Markdown chapter may open with a small front matter block declaring its own
    language (`language: fr`). The block is replaced by blank lines, so line numbers hold."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, None
    fields = {}
    for n, line in enumerate(m.group("body").splitlines(), 2):
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = (value.strip().strip("'\""), n)
    language = None
    if "language" in fields:
        from ebookgen.languages import canonical_tag, is_language_tag, language_hint

        value, line = fields["language"]
        if not is_language_tag(value):
            raise BookError(path, f"language: {value!r} is not a language tag{language_hint(value)}", line)
        language = canonical_tag(value)
    return "\n" * m.group(0).count("\n") + text[m.end():], language


def read_source(path: Path, chapters_dir: Path, rel: str | None = None, digest: str | None = None) -> Source:
    """A chapter file read and decoded. `rel` and `digest` when the caller knows them already
    (a build's workers: the first pass hashed every file)."""
    if rel is None:
        try:
            rel = path.relative_to(chapters_dir).as_posix()
        except ValueError:
            rel = path.name
    _check_size(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BookError(path, f"cannot read: {exc.strerror}: check that the file is readable") from None
    text, encoding = decode_text(raw, path)
    fmt = CHAPTER_SUFFIXES[path.suffix.lower()]
    language = None
    if fmt == "md":
        text, language = front_matter(text, path)
    parts = rel.split("/")
    return Source(
        path=path,
        rel=rel,
        text=text,
        encoding=encoding,
        fmt=fmt,
        volume=tuple(parts[:-1]),
        digest=digest or hashlib.sha256(raw).hexdigest(),
        language=language,
    )


def read_sources(book: Book) -> list[Source]:
    """Every chapter of the book, decoded, in reading order."""
    chapters_dir = book.chapters_dir if book.chapters is None else book.root
    return [read_source(p, chapters_dir) for p in discover(book)]
