"""book.yaml -> Book. A schema in the MkDocs manner: every key validates itself, and every
error names book.yaml and the line to fix."""

from __future__ import annotations

import datetime
import difflib
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ebookgen.errors import BookError
from ebookgen.languages import LANGUAGE_NAMES, canonical_tag, is_language_tag, language_hint
from ebookgen.model import Accessibility, Book, CleanOptions, Contributor
from ebookgen.paths import inside_book

CONFIG_NAME = "book.yaml"
MAX_CONFIG_BYTES = 1_000_000

ROLE_CODES = {
    "author": "aut",
    "translator": "trl",
    "editor": "edt",
    "illustrator": "ill",
    "contributor": "ctb",
    "narrator": "nrt",
    "proofreader": "pfr",
}
HAZARDS = {
    "none",
    "flashing",
    "noFlashingHazard",
    "motionSimulation",
    "noMotionSimulationHazard",
    "sound",
    "noSoundHazard",
    "unknown",
}


class _Doc:
    """The parsed YAML with its node tree, so any value can say which line it came from."""

    def __init__(self, path: Path, data: dict, node: yaml.MappingNode):
        self.path = path
        self.data = data
        self.node = node

    def line(self, *keys: str | int) -> int | None:
        node: yaml.Node | None = self.node
        line = 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                found = None
                for k, v in node.value:
                    if k.value == key or (isinstance(k, yaml.ScalarNode) and k.value == str(key)):
                        found = (k, v)
                        break
                if found is None:
                    return line
                line = found[0].start_mark.line + 1
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    return line
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def error(self, message: str, *keys: str | int) -> BookError:
        return BookError(self.path, message, self.line(*keys))


def _parse(path: Path) -> _Doc:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BookError(path, "not found: create it (try 'ebookgen init')") from None
    except IsADirectoryError:
        raise BookError(path, "is a folder, expected a YAML file: remove the folder and write the file") from None
    except OSError as exc:
        raise BookError(path, f"cannot read: {exc.strerror}: check its permissions") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise BookError(
            path, f"is {len(raw):,} bytes, over the 1 MB limit: a book.yaml holds a few lines of settings"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BookError(path, "is not UTF-8 text: save it as UTF-8", line) from None
    try:
        # Aliases are refused before anything is built, so an alias bomb costs nothing.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise BookError(
                    path,
                    "YAML aliases (*name) are not supported: write the value out",
                    event.start_mark.line + 1,
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise BookError(path, f"YAML syntax error: {problem}: {_yaml_hint(problem)}", line) from None
    except yaml.YAMLError as exc:
        raise BookError(path, f"YAML error: {exc}: fix the YAML") from None
    except RecursionError:
        raise BookError(path, "YAML nested too deeply: flatten it") from None
    if data is None:
        raise BookError(path, "is empty: it needs at least 'title' and 'language': write them", 1)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise BookError(
            path, "must be a mapping of keys to values: write one 'key: value' per line (title: ..., language: ...)", 1
        )
    _refuse_duplicate_keys(path, node)
    return _Doc(path, data, node)


def _yaml_hint(problem: str) -> str:
    """What to do about PyYAML's complaint, in the user's words."""
    if "'\\t'" in problem or "\\t" in problem:
        return "indent with spaces, not tabs"
    if "constructor" in problem:
        return "YAML tags (!!name) are not supported: remove the tag"
    if "another document" in problem:
        return "a book.yaml holds one document: remove the extra '---' line"
    if "mapping values are not allowed" in problem:
        return "put quotes around a value that contains ': '"
    return "check the quotes, brackets and indentation on this line and the one before"


def _refuse_duplicate_keys(path: Path, node: yaml.Node, depth: int = 0) -> None:
    """PyYAML keeps the last of two equal keys without a word; a user who wrote `title:`
    twice meant one of them."""
    if depth > 50:
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else None
            if k is not None and k in seen:
                raise BookError(
                    path,
                    f"duplicate key {k!r} (first on line {seen[k]}): keep only one",
                    key.start_mark.line + 1,
                )
            if k is not None:
                seen[k] = key.start_mark.line + 1
            _refuse_duplicate_keys(path, value, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(path, item, depth + 1)


# --- value checkers -------------------------------------------------------------------


def _text(doc: _Doc, key: str, value: Any, *where: str | int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, datetime.date)):
        kind = "empty" if value is None else {"dict": "a mapping", "list": "a list"}.get(
            type(value).__name__, type(value).__name__
        )
        raise doc.error(f"{key}: expected text, got {kind}{_quote_hint(value)}", *(where or (key,)))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        raise doc.error(f"{key}: must not be empty: write a value, or remove the line", *(where or (key,)))
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise doc.error(f"{key}: contains control characters: remove them", *(where or (key,)))
    return text


def _quote_hint(value: Any) -> str:
    if value is None:
        return ": write a value after the colon, or remove the line"
    if isinstance(value, bool):
        return ": put the value in quotes (yes/no/true/false are read as true or false)"
    return ": put the value in quotes"


def _text_list(doc: _Doc, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (_text(doc, key, value),)
    if not isinstance(value, list):
        raise doc.error(f"{key}: expected a list of text, such as [First, Second]", key)
    return tuple(_text(doc, key, v, key, i) for i, v in enumerate(value))


def _bool(doc: _Doc, key: str, value: Any, *where: str | int) -> bool:
    if not isinstance(value, bool):
        raise doc.error(f"{key}: expected true or false, got {value!r}", *(where or (key,)))
    return value


def _regex(doc: _Doc, key: str, value: Any, *where: str | int) -> str:
    pattern = _text(doc, key, value, *where)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise doc.error(
            f"{key}: invalid regular expression {pattern!r}: {exc}: fix it, or escape special "
            "characters with a backslash",
            *where,
        ) from None
    return pattern


def _file(doc: _Doc, root: Path, key: str, value: Any, kinds: tuple[str, ...]) -> Path:
    rel = _text(doc, key, value)
    path = inside_book(root, rel, lambda msg: doc.error(f"{key}: {msg}", key))
    if path.is_dir():
        raise doc.error(f"{key}: {rel} is a folder: name the file itself", key)
    if not path.is_file():
        raise doc.error(f"{key}: file not found: {rel} (paths are relative to the book folder)", key)
    if kinds and path.suffix.lower() not in kinds:
        raise doc.error(f"{key}: expected a {'/'.join(kinds)} file, got {rel}", key)
    return path


# The first bytes of the cover formats every reader shows (EPUB core media types).
COVER_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))
MAX_COVER_BYTES = 20 * 1024 * 1024


def _cover(doc: _Doc, root: Path, value: Any) -> Path:
    """The cover must really be a PNG or JPEG (whatever its name says), checked here so the
    error can point at the `cover:` line."""
    path = _file(doc, root, "cover", value, (".jpg", ".jpeg", ".png"))
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise doc.error(f"cover: cannot read {path.name}: {exc.strerror}: check its permissions", "cover") from None
    if size > MAX_COVER_BYTES:
        raise doc.error(f"cover: {path.name} is {size / 2**20:.0f} MB: use an image under 20 MB", "cover")
    if not any(head.startswith(magic) for magic, _ in COVER_MAGIC):
        raise doc.error(
            f"cover: {path.name} is not a PNG or JPEG image: save the cover as .png or .jpg", "cover"
        )
    return path


# A url() or @import in the book's own stylesheet would point at a file the EPUB does not
# carry, or at the web (nothing is ever fetched).
_CSS_REFERENCE = re.compile(r"@import|url\s*\(", re.IGNORECASE)


def _stylesheet(doc: _Doc, root: Path, value: Any) -> Path:
    path = _file(doc, root, "css", value, (".css",))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise doc.error(f"css: cannot read {path.name}: {exc.strerror}: check its permissions", "css") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise BookError(path, f"is {len(raw):,} bytes: a book's stylesheet should be a few KB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BookError(path, "is not UTF-8 text: save it as UTF-8", raw[: exc.start].count(b"\n") + 1) from None
    bad = re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text)
    if bad:
        raise BookError(path, "contains control characters: is it really a stylesheet?", text.count("\n", 0, bad.start()) + 1)
    m = _CSS_REFERENCE.search(text)
    if m:
        raise BookError(
            path,
            f"{m.group(0).rstrip('( ')}: the stylesheet may not load other files or web "
            "resources (they are not packed into the EPUB): remove it",
            text.count("\n", 0, m.start()) + 1,
        )
    return path


# --- sections ---------------------------------------------------------------------------


def _contributors(doc: _Doc, value: Any) -> tuple[Contributor, ...]:
    if not isinstance(value, list):
        raise doc.error("contributors: expected a list of {name: ..., role: ...}", "contributors")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.append(Contributor(_text(doc, "contributors", item, "contributors", i), "ctb"))
            continue
        if not isinstance(item, dict) or "name" not in item:
            raise doc.error("contributors: each entry needs a name", "contributors", i)
        unknown = set(item) - {"name", "role"}
        if unknown:
            raise doc.error(
                f"contributors: unknown key {sorted(unknown)[0]!r} (expected name, role)",
                "contributors",
                i,
            )
        name = _text(doc, "contributors", item["name"], "contributors", i)
        role = str(item.get("role", "contributor")).strip().lower()
        if role not in ROLE_CODES and role not in ROLE_CODES.values():
            raise doc.error(
                f"contributors: unknown role {role!r} (expected one of {', '.join(ROLE_CODES)})",
                "contributors",
                i,
            )
        out.append(Contributor(name, ROLE_CODES.get(role, role)))
    return tuple(out)


CLEAN_KEYS = ("rule_sets", "remove_lines", "remove_inline", "replace", "keep", "detect_boilerplate")


def _clean(doc: _Doc, value: Any, known_sets: Callable[[], list[str]]) -> CleanOptions:
    if value is None:
        return CleanOptions()
    if not isinstance(value, dict):
        raise doc.error("clean: expected a mapping (remove_lines:, keep:, ...)", "clean")
    for key in value:
        if key not in CLEAN_KEYS:
            raise doc.error(f"clean: unknown key {key!r}{_did_you_mean(key, CLEAN_KEYS)}", "clean", key)

    def patterns(key: str) -> tuple[tuple[str, int], ...]:
        items = value.get(key) or []
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            raise doc.error(f"clean.{key}: expected a list of regular expressions", "clean", key)
        return tuple(
            (_regex(doc, f"clean.{key}", p, "clean", key, i), doc.line("clean", key, i) or 0)
            for i, p in enumerate(items)
        )

    rule_sets = None
    if "rule_sets" in value:
        raw = value["rule_sets"]
        if raw == "all" or raw is None:
            rule_sets = None
        elif raw == "none" or raw == []:
            rule_sets = ()
        else:
            names = _text_list(doc, "clean.rule_sets", raw)
            known = known_sets()
            for i, name in enumerate(names):
                if name not in known:
                    raise doc.error(
                        f"clean.rule_sets: no built-in rule set {name!r}"
                        f"{_did_you_mean(name, known)} (known: {', '.join(known)})",
                        "clean",
                        "rule_sets",
                        i,
                    )
            rule_sets = names
    replace = []
    items = value.get("replace") or []
    if not isinstance(items, list):
        raise doc.error("clean.replace: expected a list of {pattern: ..., with: ...}", "clean", "replace")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "pattern" not in item:
            raise doc.error("clean.replace: each entry needs 'pattern' and 'with'", "clean", "replace", i)
        pattern = _regex(doc, "clean.replace", item["pattern"], "clean", "replace", i)
        repl = item.get("with", "")
        repl = "" if repl is None else str(repl)
        try:
            re.compile(pattern).sub(repl, "")
        except (re.error, IndexError) as exc:
            raise doc.error(
                f"clean.replace: bad replacement {repl!r}: {exc}: refer only to groups the pattern "
                "has (\\1 ...), or write \\\\ for a backslash",
                "clean", "replace", i,
            ) from None
        replace.append((pattern, repl, doc.line("clean", "replace", i) or 0))
    detect = value.get("detect_boilerplate", True)
    return CleanOptions(
        rule_sets=rule_sets,
        remove_lines=patterns("remove_lines"),
        remove_inline=patterns("remove_inline"),
        replace=tuple(replace),
        keep=patterns("keep"),
        detect_boilerplate=_bool(doc, "clean.detect_boilerplate", detect, "clean", "detect_boilerplate"),
    )


def _accessibility(doc: _Doc, value: Any) -> Accessibility:
    if value is None:
        return Accessibility()
    if not isinstance(value, dict):
        raise doc.error("accessibility: expected a mapping (summary:, hazards:, ...)", "accessibility")
    keys = ("summary", "hazards", "access_modes", "features")
    for key in value:
        if key not in keys:
            raise doc.error(
                f"accessibility: unknown key {key!r}{_did_you_mean(key, keys)}", "accessibility", key
            )
    hazards = None
    if "hazards" in value:
        hazards = _text_list(doc, "accessibility.hazards", value["hazards"])
        for h in hazards:
            if h not in HAZARDS:
                raise doc.error(
                    f"accessibility.hazards: unknown hazard {h!r} (expected {', '.join(sorted(HAZARDS))})",
                    "accessibility",
                    "hazards",
                )
    return Accessibility(
        summary=_text(doc, "accessibility.summary", value["summary"], "accessibility", "summary")
        if "summary" in value
        else None,
        hazards=hazards,
        access_modes=_text_list(doc, "accessibility.access_modes", value["access_modes"])
        if "access_modes" in value
        else None,
        features=_text_list(doc, "accessibility.features", value["features"])
        if "features" in value
        else None,
    )


KNOWN_KEYS = (
    "title",
    "language",
    "author",
    "authors",
    "identifier",
    "description",
    "publisher",
    "date",
    "subjects",
    "series",
    "series_index",
    "rights",
    "contributors",
    "cover",
    "css",
    "chapters",
    "output",
    "smart_typography",
    "split",
    "clean",
    "accessibility",
)


def _key_text(doc: _Doc, key: Any) -> str:
    """The key as written in the file (`1`, `null`, `~`), to find its line."""
    for k, _ in doc.node.value:
        if isinstance(k, yaml.ScalarNode) and yaml.safe_load(k.value or "~") == key:
            return k.value
    return str(key)


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def slugify(text: str) -> str:
    """ASCII file-name slug: 'The Jade Sect!' -> 'the-jade-sect'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].strip("-")


def stable_identifier(title: str, authors: tuple[str, ...]) -> str:
    """Same title and authors, same identifier: the reader keeps seeing the same book."""
    name = "ebookgen:" + title.strip().lower() + "\x1f" + "\x1f".join(a.strip().lower() for a in authors)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def load_book(book_dir: Path, known_rule_sets: Callable[[], list[str]] | None = None) -> Book:
    """Read and validate BOOK_DIR/book.yaml. Raises BookError naming file and line."""
    if known_rule_sets is None:
        from ebookgen.rulesets import builtin_names as known_rule_sets
    root = book_dir.resolve()
    if not root.is_dir():
        what = "is a file, not a book folder" if book_dir.exists() else "book folder not found"
        raise BookError(book_dir, f"{what}: give the folder that holds book.yaml")
    path = root / CONFIG_NAME
    doc = _parse(path)
    data = doc.data
    for key in data:
        if not isinstance(key, str):
            raise doc.error(f"keys must be text, got {key!r}: remove it or write one of the known keys", _key_text(doc, key))
        if key not in KNOWN_KEYS:
            raise doc.error(f"unknown key {key!r}{_did_you_mean(key, KNOWN_KEYS)}", key)
    for key in ("title", "language"):
        if key not in data:
            example = "The Title of the Book" if key == "title" else "en"
            raise BookError(path, f"missing required key '{key}': add a line such as '{key}: {example}'", 1)

    title = _text(doc, "title", data["title"])
    language = _text(doc, "language", data["language"])
    if not is_language_tag(language):
        raise doc.error(f"language: {language!r} is not a language tag{language_hint(language)}", "language")
    language = canonical_tag(language)
    if "author" in data and "authors" in data:
        raise doc.error("use either 'author' or 'authors', not both", "authors")
    authors: tuple[str, ...] = ()
    if "author" in data:
        authors = (_text(doc, "author", data["author"]),)
    elif "authors" in data:
        authors = _text_list(doc, "authors", data["authors"])

    identifier = (
        _text(doc, "identifier", data["identifier"])
        if "identifier" in data
        else stable_identifier(title, authors)
    )

    chapters_spec = data.get("chapters", "chapters")
    explicit: tuple[str, ...] | None = None
    if isinstance(chapters_spec, list):
        explicit = _text_list(doc, "chapters", chapters_spec)
        for i, entry in enumerate(explicit):
            fixed = entry.split("*")[0].split("?")[0].split("[")[0] or "."
            inside_book(root, fixed, lambda msg, i=i, e=entry, f=fixed: doc.error(
                f"chapters: {msg.replace(repr(f), repr(e))}", "chapters", i))
        chapters_dir = root
    else:
        rel = _text(doc, "chapters", chapters_spec)
        chapters_dir = inside_book(root, rel, lambda msg: doc.error(f"chapters: {msg}", "chapters"))
        if "chapters" not in data and not chapters_dir.is_dir():
            what = "is a file, not a folder" if chapters_dir.exists() else "folder not found"
            raise BookError(
                chapters_dir,
                f"{what}: put the chapter files in a 'chapters' folder beside book.yaml "
                "(or name another folder with 'chapters:' in book.yaml)",
            )
        if chapters_dir.is_file():
            raise doc.error(f"chapters: {rel} is a file, not a folder: name the folder that holds the chapters", "chapters")
        if not chapters_dir.is_dir():
            raise doc.error(
                f"chapters: folder not found: {rel} (paths are relative to the book folder)", "chapters"
            )

    slug = slugify(title) or "book"
    output_rel = _text(doc, "output", data["output"]) if "output" in data else f"build/{slug}.epub"
    output = inside_book(root, output_rel, lambda msg: doc.error(f"output: {msg}", "output"), must_exist=False)
    if output.suffix.lower() != ".epub":
        raise doc.error(f"output: expected a .epub file name, got {output_rel}", "output")
    if output.is_dir():
        raise doc.error(f"output: {output_rel} is a folder: give a file name such as build/book.epub", "output")
    if output == path or output in (chapters_dir, root):
        raise doc.error(f"output: {output_rel} would overwrite the book's own files: write into build/", "output")

    series_index = None
    if "series_index" in data:
        raw = data["series_index"]
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise doc.error(f"series_index: expected a number, got {raw!r}", "series_index")
        series_index = float(raw)
        if "series" not in data:
            raise doc.error("series_index: needs 'series' too", "series_index")

    split = data.get("split")
    if split is not None:
        if isinstance(split, bool) or not (
            (isinstance(split, int) and split > 0) or split == "folder"
        ):
            raise doc.error(
                f"split: expected a number of chapters per volume or 'folder', got {split!r}", "split"
            )

    def optional(key: str) -> str | None:
        return _text(doc, key, data[key]) if key in data else None

    return Book(
        root=root,
        config_path=path,
        title=title,
        language=language,
        authors=authors,
        identifier=identifier,
        output=output,
        chapters=explicit,
        chapters_dir=chapters_dir,
        description=optional("description"),
        publisher=optional("publisher"),
        date=_date(doc, data["date"]) if "date" in data else None,
        subjects=_text_list(doc, "subjects", data["subjects"]) if "subjects" in data else (),
        series=optional("series"),
        series_index=series_index,
        rights=optional("rights"),
        contributors=_contributors(doc, data["contributors"]) if "contributors" in data else (),
        cover=_cover(doc, root, data["cover"]) if "cover" in data else None,
        css=_stylesheet(doc, root, data["css"]) if "css" in data else None,
        smart_typography=_bool(doc, "smart_typography", data["smart_typography"])
        if "smart_typography" in data
        else False,
        split=split,
        clean=_clean(doc, data.get("clean"), known_rule_sets),
        accessibility=_accessibility(doc, data.get("accessibility")),
    )


def _date(doc: _Doc, value: Any) -> str:
    text = _text(doc, "date", value)
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise doc.error(f"date: expected YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}", "date")
    return text


__all__ = ["load_book", "slugify", "stable_identifier", "CONFIG_NAME", "LANGUAGE_NAMES"]
