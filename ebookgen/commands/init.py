"""ebookgen init: write a commented book.yaml for a folder of chapters (title guessed from
the chapter headers, language from the text), or a starter book in an empty folder.
Moves and renames nothing; never overwrites book.yaml without --force."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from ebookgen.cli import shown
from ebookgen.config import CONFIG_NAME
from ebookgen.errors import BookError
from ebookgen.sources import CHAPTER_SUFFIXES, natural_key

SAMPLE_FILES = 40  # files read for the guesses: enough to outvote a few odd ones
HEAD_LINES = 6  # a header sits in the first lines of a file
_CHAPTER = re.compile(
    r"^(?P<prefix>.*?)(?:\b(?:chapter|chap\.?|ch\.?|episode|ep\.)\s*\d+|第\s*[\d零〇一二两三四五六七八九十百千万]+\s*[章回话節节])",
    re.IGNORECASE,
)
# Site tags and decorations before the novel's name: "MTL - ", "[Raw] ", "【TL】".
_TAGS = re.compile(r"^(?:(?:mtl|tl|raw|eng|en)\b\s*[-–—:|]\s*|\[[^\]]*\]\s*|【[^】]*】\s*|[#*©]+\s*)+", re.IGNORECASE)
_EDGES = re.compile(r"^[\s\-–—:|.,_~]+|[\s\-–—:|.,_~(（\[【]+$")
_NOT_CHAPTERS = re.compile(r"^(readme|license|licence|changelog|notes?|todo|copying)\b", re.IGNORECASE)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "init",
        help="write a commented book.yaml for a folder of chapters (or a starter book)",
        description="Write BOOK_DIR/book.yaml: the title is guessed from the chapter headers, "
        "the language from the text. In an empty folder, write a starter book. Moves nothing.",
    )
    p.add_argument("book_dir", nargs="?", default=".", metavar="DIR", help="the book folder (default: .)")
    p.add_argument("--force", action="store_true", help="overwrite an existing book.yaml")
    p.set_defaults(func=run)


# ------------------------------------------------------------------------------ guesses


def chapter_files(folder: Path) -> list[Path]:
    """Chapter files under folder (hidden folders and build/ left out), in natural order."""
    found = []
    if not folder.is_dir():
        return found
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or rel.parts[0] == "build":
            continue
        if path.suffix.lower() in CHAPTER_SUFFIXES and path.is_file() and not _NOT_CHAPTERS.match(path.name):
            found.append(path)
    return sorted(found, key=lambda p: natural_key(p.relative_to(folder).as_posix()))


def read_text(path: Path, limit: int = 20_000) -> str:
    from ebookgen.sources import decode

    raw = path.read_bytes()[:limit]
    try:
        return decode(raw, path)[0]
    except BookError:
        return raw.decode("utf-8", "replace")


def header_prefix(line: str) -> str | None:
    """'MTL - Internet 2010-Chapter 332 rising' -> 'Internet 2010'; None when the line has
    no 'Chapter N' or nothing but site tags before it."""
    m = _CHAPTER.match(line.strip().lstrip("\ufeff"))
    if not m:
        return None
    prefix = _EDGES.sub("", _TAGS.sub("", m.group("prefix").strip()))
    prefix = _EDGES.sub("", prefix)
    if not prefix or len(prefix) > 100 or not any(ch.isalnum() for ch in prefix):
        return None
    return prefix


def guess_title(texts: list[str], names: list[str]) -> str | None:
    """The most common prefix before 'Chapter N' in the files' first lines (and, failing
    that, in their names), when at least two files agree or there is only one file."""
    votes: Counter[str] = Counter()
    for text in texts:
        seen = set()
        for line in [ln for ln in text.splitlines() if ln.strip()][:HEAD_LINES]:
            prefix = header_prefix(line)
            if prefix and prefix.casefold() not in seen:
                seen.add(prefix.casefold())
                votes[prefix] += 1
    if not votes:
        for name in names:
            prefix = header_prefix(Path(name).stem.replace("_", " "))
            if prefix:
                votes[prefix] += 1
    if not votes:
        return None
    title, count = votes.most_common(1)[0]
    return title if count >= 2 or len(texts) == 1 else None


def title_from_folder(folder: Path) -> str:
    name = folder.name if folder.name.lower() != "chapters" else folder.parent.name
    words = re.sub(r"[-_]+", " ", name).strip()
    if not words:
        return "My Book"
    return words if any(ch.isupper() for ch in words) else words.title()


_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
# Frequent short words that tell Latin-script languages apart.
_STOPWORDS = {
    "en": "the and of to a in was he it that his her you with for had said not but on",
    "es": "el la de que y en los se del las un por con una su para es al lo como",
    "fr": "le la de et les des est un une que en du il qui dans pas pour sur au avec",
    "de": "der die und den das ist nicht ein zu sie es mit sich dem des auf ich eine auch",
    "pt": "o a de que e do da em um para com não uma os no se na por mais as dos",
    "it": "il di che e la non un per in una sono mi ho lo ma si le con gli del",
    "nl": "de het een en van is dat ik niet je op te zijn met die voor er maar",
    "id": "yang dan di itu dengan untuk tidak ini dari dalam akan pada juga aku ke",
    "vi": "của và là không có một những được cho người này trong với anh đã",
    "tr": "ve bir bu da de için ne ile çok ama gibi daha sonra olarak",
    "pl": "i w nie na się z że do to jest jak ale o co tak po",
}
_STOP_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


def guess_language(text: str) -> str:
    """A BCP 47 primary tag from the text: the script first (kana means Japanese, Hangul
    Korean, Han alone Chinese), then, for Latin script, the most frequent stopwords.
    English when nothing stands out."""
    letters = sum(1 for ch in text if ch.isalpha()) or 1
    counts = {lang: len(rx.findall(text)) for lang, rx in _SCRIPTS}
    if counts["ja"] > 0.05 * letters:
        return "ja"
    best = max(counts, key=counts.__getitem__)
    if counts[best] > 0.3 * letters:
        if best == "ru" and len(re.findall(r"[іїєґ]", text)) > 0.005 * letters:
            return "uk"
        return best
    words = re.findall(r"[^\W\d_]+", text.lower())
    score = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOP_SETS.items()}
    lang = max(score, key=score.__getitem__)
    return lang if score[lang] > 0 else "en"


# ------------------------------------------------------------------------------ writing


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def book_yaml(title: str, language: str, chapters: str, count: int, guessed_from: str) -> str:
    where = "this folder" if chapters == "." else f"{chapters}/"
    return f"""\
# book.yaml: written by `ebookgen init`. Edit freely; `ebookgen build` reads it.
# Every key is explained in the README. Lines starting with # are comments.

# The book's title ({guessed_from}).
title: {_q(title)}

# The language of the text, as a BCP 47 tag: en, zh, ja, ko, es, fr, de, pt-BR, zh-Hant...
# (guessed from the text; e-readers pick fonts, hyphenation and voices by it).
language: {language}

# Who wrote it; for several authors use a list: authors: [One, Two]
# author: Author Name

# Where the chapters are ({count} found in {where}). Files are read in natural order
# (Chapter 2 before Chapter 10). A list of files or globs also works:
#   chapters: ["Chapter *.txt", "extras/*.md"]
chapters: {_q(chapters)}

# Optional extras:
# description: A short blurb shown by e-readers.
# series: Series Name
# series_index: 1
# cover: cover.jpg            # a JPEG or PNG; without one, a typographic cover is made
# contributors:               # translators, editors, illustrators
#   - {{name: Translator Name, role: translator}}
# Lines to remove from every chapter (regular expressions), on top of the built-in rules:
# clean:
#   remove_lines: ["^Support us at .*$"]
"""


STARTER_CHAPTER = """\
# Chapter 1: The Beginning

Write your first chapter here. Markdown works: *italics*, **bold**, and a blank line
between paragraphs.

Add more chapters as `chapters/Chapter 2.md`, `chapters/Chapter 3.md`, and so on, then run
`ebookgen build`.
"""


def run(args) -> int:
    root = Path(args.book_dir)
    config = root / CONFIG_NAME
    if config.exists() and not args.force:
        raise BookError(config, "already exists: not overwritten (use --force to replace it)")
    if root.exists() and not root.is_dir():
        raise BookError(root, "is not a folder")

    in_subfolder = chapter_files(root / "chapters")
    files = in_subfolder or chapter_files(root)
    chapters = "chapters" if in_subfolder or not files else "."
    if not files:
        title = title_from_folder(root.resolve())
        root.mkdir(parents=True, exist_ok=True)
        starter = root / "chapters" / "Chapter 1.md"
        starter.parent.mkdir(exist_ok=True)
        if not starter.exists():
            starter.write_text(STARTER_CHAPTER, encoding="utf-8")
        config.write_text(
            book_yaml(title, "en", "chapters", 1, "from the folder's name"), encoding="utf-8"
        )
        print(f"wrote {shown(config)} and {shown(starter)}: a starter book")
        print(f"next: edit them, then run `ebookgen build {shown(root)}`")
        return 0

    sample = files[:SAMPLE_FILES]
    texts = [read_text(p) for p in sample]
    guessed = guess_title(texts, [p.name for p in sample])
    title = guessed or title_from_folder(root.resolve())
    source = "guessed from the chapter headers" if guessed else "from the folder's name"
    language = guess_language("\n".join(t[:5000] for t in texts))
    config.write_text(book_yaml(title, language, chapters, len(files), source), encoding="utf-8")
    where = "chapters/" if chapters == "chapters" else "the folder itself"
    print(f"wrote {shown(config)}: title {_q(title)}, language {language}, {len(files)} chapters in {where}")
    print(f"next: check the title and add the author in {shown(config)}, then run `ebookgen build {shown(root)}`")
    return 0
