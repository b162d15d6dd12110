"""The pipeline in one readable function: build(book_dir) -> BuildResult.

    book.yaml -> Book -> chapter files -> [signatures -> learnt boilerplate]
              -> for each chapter: cache hit, or clean + render + deflate (both cores)
              -> EPUB (one, or one per volume with `split:`) + cleaning report

Every chapter's result is cached under build/.cache/ keyed by what determines it, so a
rebuild costs what changed, and its output is byte-identical to a clean full build."""

from __future__ import annotations

import datetime
import functools
import gc
import hashlib
import json
import os
import re
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ebookgen import __version__
from ebookgen.atomic import atomic_write
from ebookgen.boilerplate import Boilerplate, ChapterSignature, detect, signature
from ebookgen.cache import Cache, Entry, entry_json, load_state, save_state, signature_json
from ebookgen.checks import duplicate_text_warnings, numbering_warnings
from ebookgen.clean import BookContext, Cleaner
from ebookgen.config import load_book
from ebookgen.errors import BookError
from ebookgen.model import SCENE_BREAK, Book, Chapter, Cleaned, Removal, Source
from ebookgen.render import RENDERER_VERSION, RenderSettings, render, sniff_image
from ebookgen.rulesets import Rules, compile_rules
from ebookgen.sources import decode_text, discover, read_source
from ebookgen.zipwriter import Deflated, deflate

if TYPE_CHECKING:  # assembling (ebooklib) is imported while the workers clean: see build()
    from ebookgen.assemble import CoverImage

DEFAULT_MODIFIED = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
LONG_LINE = 10_000
PARALLEL_MIN = 200  # below this many chapters to process, worker start-up is not worth it


@dataclass
class BuildResult:
    outputs: list[Path]
    chapters: int
    words: int
    size: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    not_utf8: list[tuple[str, str]] = field(default_factory=list)
    cleaned: list[Cleaned] = field(default_factory=list)
    rendered: list[Chapter] = field(default_factory=list)
    boilerplate: Boilerplate | None = None
    report: Path | None = None
    up_to_date: bool = False
    processed: int = 0  # chapters cleaned and rendered this time (the rest came from cache)

    @property
    def output(self) -> Path:
        return self.outputs[0]


@dataclass
class Prepared:
    """Everything up to rendering: what `clean` and `list` share with `build`."""

    book: Book
    sources: list[Source]
    cleaned: list[Cleaned]
    boilerplate: Boilerplate
    warnings: list[str]


def modified_time(book: Book) -> datetime.datetime:
    """dcterms:modified as a pure function of the input: SOURCE_DATE_EPOCH when set, else
    the book's `date`, else a fixed date. Never the clock or a file's time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    if book.date:
        parts = [int(p) for p in book.date.split("-")] + [1, 1]
        return datetime.datetime(parts[0], parts[1], parts[2], tzinfo=datetime.timezone.utc)
    return DEFAULT_MODIFIED


def render_settings(book: Book, source: Source) -> RenderSettings:
    return RenderSettings(
        book.language,
        smart_typography=book.smart_typography,
        extra_css=book.css is not None,
        heading_level=2 if source.volume else 1,
    )


def book_warnings(cleaned: list[Cleaned], body_digests: list[str]) -> list[str]:
    warnings = []
    for c in cleaned:
        warnings += [f"{c.source.rel}: {w}" for w in c.warnings]
    warnings += numbering_warnings(cleaned)
    warnings += duplicate_text_warnings([c.source.rel for c in cleaned], body_digests)
    return warnings


def body_digest(cleaned: Cleaned) -> str:
    body = "\n".join(b for b in cleaned.blocks if b != SCENE_BREAK).strip()
    return hashlib.sha256(body.encode()).hexdigest() if body else ""


def chapter_warnings(cleaned: Cleaned) -> tuple[str, ...]:
    longest = max((len(b) for b in cleaned.blocks), default=0)
    if longest > LONG_LINE:
        return cleaned.warnings + (f"a paragraph of {longest:,} characters (is the file one long line?)",)
    return cleaned.warnings


def without_cycle_collection(fn: Callable) -> Callable:
    """Run a build with Python's cycle collector paused. A build makes hundreds of
    thousands of small objects that live until it ends and form no cycles worth
    collecting; the collector's repeated walks over them cost ~15% of a rebuild. It is
    switched back on (if it was on) however the build ends; forked workers inherit the pause."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run


@without_cycle_collection
def prepare(book_dir: Path) -> Prepared:
    """Read and clean every chapter, with no cache and no output: for dry runs."""
    book = load_book(book_dir)
    rules = compile_rules(book.clean)
    folder = _chapters_folder(book)
    sources = [read_source(p, folder) for p in discover(book)]
    boiler = Boilerplate()
    if book.clean.detect_boilerplate:
        boiler = detect([signature(s.text) for s in sources], rules.known_sites)
    cleaner = Cleaner(rules, BookContext(book.title, boiler))
    cleaned = [cleaner.clean(s) for s in sources]
    cleaned = [replace(c, warnings=chapter_warnings(c)) for c in cleaned]
    return Prepared(book, sources, cleaned, boiler, book_warnings(cleaned, [body_digest(c) for c in cleaned]))


# --- per-chapter work (runs in worker processes for big builds) ---------------------------

_WORKER: dict = {}


def _signature_of(index: int) -> tuple[str, dict, bytes]:
    """A chapter's digest and signature, and the signature as the cache's index line holds
    it (serialised here, on both cores)."""
    path = _WORKER["paths"][index]
    raw = path.read_bytes()
    text, _ = decode_text(raw, path)
    sig = _sig_to_dict(signature(text))
    return hashlib.sha256(raw).hexdigest(), sig, signature_json(sig)


def _process(index: int) -> tuple[dict, Deflated, bool, bytes]:
    """Clean, render and deflate one chapter. Returns (meta, deflated, cacheable, the
    cache's index line for it: serialised here, on both cores)."""
    book: Book = _WORKER["book"]
    cleaner: Cleaner = _WORKER["cleaner"]
    source = read_source(_WORKER["paths"][index], _WORKER["folder"], _WORKER["rels"][index], _WORKER["digests"][index])
    cleaned = cleaner.clean(source)
    cleaned = replace(cleaned, warnings=chapter_warnings(cleaned))
    chapter = render(cleaned, render_settings(book, source), book.root)
    if chapter.accessibility_warnings:  # images without alt text, tables without headers
        cleaned = replace(cleaned, warnings=cleaned.warnings + tuple(
            f"line {line}: {msg}" if line else msg for line, msg in chapter.accessibility_warnings
        ))
    meta = _meta(source, cleaned, chapter)
    deflated = deflate(chapter.xhtml)
    cacheable = not chapter.images
    return meta, deflated, cacheable, entry_json(meta, deflated) if cacheable else b""


def _meta(source: Source, cleaned: Cleaned, chapter: Chapter) -> dict:
    """What the rest of the build needs of a chapter, as plain JSON-able data."""
    return {
        "rel": source.rel,
        "encoding": source.encoding,
        "fmt": source.fmt,
        "volume": list(source.volume),
        "digest": source.digest,
        "number": cleaned.number,
        "title": cleaned.title,
        "removals": [[r.line, r.text, r.rule, r.context] for r in cleaned.removals],
        "candidates": [[r.line, r.text, r.rule, r.context] for r in cleaned.candidates],
        "warnings": list(cleaned.warnings),
        "body": body_digest(cleaned),
        "key": chapter.key,
        "file_name": chapter.file_name,
        "label": chapter.label,
        "nav_label": chapter.nav_label,
        "words": chapter.words,
        "images": [[i.file_name, i.media_type, i.data.hex()] for i in chapter.images],
        "images_without_alt": chapter.images_without_alt,
        "footnotes": chapter.has_footnotes,
        "tables": chapter.has_tables,
        "accessibility_warnings": [list(w) for w in chapter.accessibility_warnings],
    }


def _from_meta(meta: dict, path: Path) -> tuple[Cleaned, Chapter]:
    from ebookgen.model import Image

    source = Source(
        path=path, rel=meta["rel"], text="", encoding=meta["encoding"], fmt=meta["fmt"],
        volume=tuple(meta["volume"]), digest=meta["digest"],
    )
    cleaned = Cleaned(
        source=source,
        number=meta["number"],
        title=meta["title"],
        blocks=(),
        removals=tuple(map(Removal._make, meta["removals"])),
        candidates=tuple(map(Removal._make, meta["candidates"])),
        warnings=tuple(meta["warnings"]),
    )
    chapter = Chapter(
        key=meta["key"],
        file_name=meta["file_name"],
        label=meta["label"],
        nav_label=meta["nav_label"],
        volume=tuple(meta["volume"]),
        xhtml=b"",  # the deflated form is what the ZIP needs; inflate() when the text is
        words=meta["words"],
        images=tuple(Image(n, t, bytes.fromhex(d)) for n, t, d in meta["images"]),
        images_without_alt=meta["images_without_alt"],
        has_footnotes=meta["footnotes"],
        has_tables=meta["tables"],
        accessibility_warnings=tuple(tuple(w) for w in meta.get("accessibility_warnings", [])),
    )
    return cleaned, chapter


def _sig_to_dict(sig: ChapterSignature) -> dict:
    return {
        "edge": sorted([h, key] for h, key in sig.edge_hashes),
        "edge_domains": sorted(sig.edge_domains),
        "all_domains": [list(d) for d in sig.all_domains],
        "line_hashes": sig.line_hashes,
        "header_shape": sig.header_shape,
    }


def _sig_from_dict(d: dict) -> ChapterSignature:
    return ChapterSignature(
        edge_keys=frozenset(key for _, key in d["edge"]),
        edge_hashes=frozenset((h, key) for h, key in d["edge"]),
        edge_domains=frozenset(d["edge_domains"]),
        all_domains=tuple((n, c) for n, c in d["all_domains"]),
        line_hashes=d["line_hashes"],
        header_shape=d["header_shape"],
    )


def _map(fn: Callable, jobs: list, workers: int, meanwhile: Callable[[], None] | None = None) -> Iterator:
    """Map over both cores when there is enough work (results in order, as they come);
    a plain map otherwise. Workers are forked, so they inherit the compiled rules and the
    chapter list (_WORKER); where fork is missing, the map runs here.
    `meanwhile` runs in this process once the jobs are handed out (it would idle)."""
    fork = hasattr(os, "fork")
    if workers <= 1 or len(jobs) < PARALLEL_MIN or not fork:
        if meanwhile:
            meanwhile()
        yield from map(fn, jobs)
        return
    import multiprocessing  # imported here: a small rebuild never starts a worker
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = pool.map(fn, jobs, chunksize=max(4, min(64, len(jobs) // (workers * 8))))
        if meanwhile:
            meanwhile()
        yield from results


# --- the build ---------------------------------------------------------------------------


def _chapters_folder(book: Book) -> Path:
    return book.chapters_dir if book.chapters is None else book.root


def _cover(book: Book, cache_dir: Path, volume_label: str | None = None) -> CoverImage:
    """The user's cover, or a generated typographic one (cached: it takes ~0.1 s)."""
    from ebookgen.assemble import CoverImage

    if book.cover is not None:
        data = book.cover.read_bytes()
        kind = sniff_image(data)
        if kind is None or kind[0] not in ("image/png", "image/jpeg"):
            raise BookError(book.config_path, f"cover: {book.cover.name} is not a PNG or JPEG image")
        return CoverImage(data, kind[0], kind[1])
    from ebookgen import cover

    inputs = json.dumps([cover.COVER_VERSION, book.title, book.authors, book.series, book.series_index, volume_label])
    cached = cache_dir / f"cover-{hashlib.sha256(inputs.encode()).hexdigest()[:16]}.png"
    try:
        data = cached.read_bytes()
        if sniff_image(data) != ("image/png", ".png"):
            raise ValueError
    except (OSError, ValueError):
        data = cover.generated_cover(book.title, book.authors, book.series, book.series_index, volume_label)
        atomic_write(cached, data)  # (makes the folder)
    return CoverImage(data, "image/png", ".png")


def _stamp(book: Book, paths: list[Path], output: Path) -> str:
    """Cheap fingerprint of the inputs (names, sizes, times) for the 'up to date' check.
    File times only decide whether to look closer, never what the output contains."""
    h = hashlib.sha256(f"{__version__}|{output}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    for p in [book.config_path, book.cover, book.css, *paths]:
        if p is not None:
            st = p.stat()
            h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def relative_paths(paths: list[Path], folder: Path) -> list[str]:
    """Each path relative to `folder`, in POSIX form. String slicing where the path starts
    with the folder (always, for discovered chapters): Path.relative_to costs ~10 us."""
    prefix = str(folder).rstrip(os.sep) + os.sep
    return [
        str(p)[len(prefix):].replace(os.sep, "/") if str(p).startswith(prefix) else p.relative_to(folder).as_posix()
        for p in paths
    ]


def _content(book: Book, paths: list[Path], digests: list[str], out: Path) -> str:
    """Fingerprint of everything a build reads (chapter texts, book.yaml, cover, CSS)."""
    extra = [p.read_bytes() if p else b"" for p in (book.config_path, book.cover, book.css)]
    return hashlib.sha256(
        json.dumps([[rel, d] for rel, d in zip(relative_paths(paths, book.root), digests, strict=True)]).encode()
        + b"".join(hashlib.sha256(e).digest() for e in extra)
        + f"{__version__}|{out}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode()
    ).hexdigest()


def _outputs_intact(state: dict) -> bool:
    for name, size, mtime in state.get("outputs", []):
        try:
            st = os.stat(name)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return bool(state.get("outputs"))


def _key_base(rules: Rules, boiler: Boilerplate) -> hashlib._Hash:
    """What every chapter's cache key shares: the rules, the renderer, the learnt sites."""
    h = hashlib.sha256()
    titles = "titles-after-bare-headers" if boiler.titles_after_bare_headers else ""
    for part in (rules.fingerprint, RENDERER_VERSION, titles, "|", *sorted(s.name for s in boiler.sites)):
        h.update(part.encode("utf-8") + b"\x00")
    return h


def _chapter_key(base: hashlib._Hash, inputs: tuple, settings: RenderSettings, sig: ChapterSignature, boiler: Boilerplate) -> str:
    """A chapter's cache key: everything its cleaned and rendered form depends on."""
    h = base.copy()
    for part in (*inputs, settings.fingerprint(), "|", *sorted(sig.edge_keys & boiler.lines)):
        h.update(str(part).encode("utf-8") + b"\x00")
    return h.hexdigest()


def volumes(book: Book, chapters: list[Chapter], cleaned: list[Cleaned]) -> list[tuple[int, list[int], str]]:
    """(volume number, chapter indexes, range label) per output EPUB; one when not split."""
    n = len(chapters)
    if not book.split:
        return [(0, list(range(n)), "")]
    groups: list[list[int]] = []
    if book.split == "folder":
        for i, ch in enumerate(chapters):
            if groups and chapters[groups[-1][0]].volume[:1] == ch.volume[:1]:
                groups[-1].append(i)
            else:
                groups.append([i])
    else:
        size = int(book.split)
        groups = [list(range(s, min(n, s + size))) for s in range(0, n, size)]
    out = []
    for v, idx in enumerate(groups, 1):
        if book.split == "folder":
            label = chapters[idx[0]].volume[0] if chapters[idx[0]].volume else "Chapters"
        else:
            first, last = cleaned[idx[0]].number, cleaned[idx[-1]].number
            first = first or str(idx[0] + 1)
            last = last or str(idx[-1] + 1)
            label = f"Vol. {v} ({first}\u2013{last})"
        out.append((v, idx, label))
    return out


@without_cycle_collection
def build(
    book_dir: Path,
    output: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    started = time.perf_counter()
    book = load_book(book_dir)
    out = (output or book.output).resolve()
    cache_dir = out.parent / ".cache" / out.stem
    paths = discover(book)
    folder = _chapters_folder(book)

    stamp = _stamp(book, paths, out)
    state = load_state(cache_dir)
    if state and state.get("stamp") == stamp and _outputs_intact(state):
        return _up_to_date(state, started)

    # Content fingerprint: a touched but unchanged book is still up to date. (With no state
    # and no cache, the first pass reads every chapter anyway: the digests come from it.)
    workers = workers or min(2, os.cpu_count() or 1)
    digests: list[str] | None = None
    content = ""
    if state is not None:
        digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
        content = _content(book, paths, digests, out)
        if state.get("content") == content and _outputs_intact(state):
            save_state(cache_dir, {**state, "stamp": stamp})
            return _up_to_date(state, started)
    cache = Cache.load(cache_dir)
    if digests is None and (cache.signatures or not book.clean.detect_boilerplate):
        digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    compiled: list[Rules] = []

    def compile_meanwhile() -> None:
        compiled.append(compile_rules(book.clean))

    # 1. Book-level boilerplate detection, from per-chapter signatures (cached by content).
    # The rules are compiled while the workers read the chapters.
    boiler = Boilerplate()
    sigs: list[ChapterSignature] = []
    if book.clean.detect_boilerplate:
        missing = list(range(len(paths))) if digests is None else [i for i, d in enumerate(digests) if cache.signature(d) is None]
        _WORKER.update(paths=paths, folder=folder)  # forked workers inherit these: jobs are indexes
        found: dict[int, tuple[str, ChapterSignature]] = {}
        for i, (digest, sig, line) in zip(missing, _map(_signature_of, missing, workers, compile_meanwhile), strict=True):
            cache.put_signature(digest, sig, line)  # (here, while the workers go on)
            found[i] = (digest, _sig_from_dict(sig))
        if digests is None:
            digests = [found[i][0] for i in range(len(paths))]
        sigs = [found[i][1] if i in found else _sig_from_dict(cache.signature(d)) for i, d in enumerate(digests)]
        boiler = detect(sigs, compiled[0].known_sites)  # (_map runs `meanwhile` in every case)
    content = content or _content(book, paths, digests, out)
    rules = compiled[0] if compiled else compile_rules(book.clean)

    # 2. Per chapter: from the cache, or cleaned and rendered now.
    rels = relative_paths(paths, folder)
    _WORKER.update(book=book, cleaner=Cleaner(rules, BookContext(book.title, boiler)), paths=paths, folder=folder, rels=rels, digests=digests)
    keys, todo = [], []
    base = _key_base(rules, boiler)
    no_sig = ChapterSignature(frozenset(), frozenset(), frozenset(), ())
    settings_of: dict[tuple, RenderSettings] = {}
    for i, (path, rel) in enumerate(zip(paths, rels, strict=True)):
        volume = tuple(rel.split("/")[:-1])
        if volume not in settings_of:
            settings_of[volume] = render_settings(book, Source(path, rel, "", "", "", volume, digests[i]))
        sig = sigs[i] if sigs else no_sig
        key = _chapter_key(base, (digests[i], rel, book.title), settings_of[volume], sig, boiler)
        keys.append(key)
        if cache.get(key) is None:
            todo.append(i)
    done = 0
    covers: dict[str | None, CoverImage] = {}

    def meanwhile() -> None:
        """While the workers clean: load the assembling code, and make the cover if there
        is one cover (known before any chapter is done)."""
        import ebookgen.a11y  # noqa: F401
        import ebookgen.report  # noqa: F401

        if not book.split:
            covers[None] = _cover(book, cache_dir)

    parts: dict[int, tuple[Cleaned, Chapter, Deflated, str]] = {}

    def take(i: int, meta: dict, deflated: Deflated) -> None:
        parts[i] = (*_from_meta(meta, paths[i]), deflated, meta["body"])

    for i, (meta, deflated, cacheable, line) in zip(todo, _map(_process, todo, workers, meanwhile), strict=True):
        take(i, meta, deflated)  # here, while the workers go on
        if cacheable:
            cache.put(keys[i], Entry(meta, deflated, line))
        done += 1
        if progress:
            progress(done, len(todo))
    for i in range(len(paths)):
        if i not in parts:
            take(i, cache.entries[keys[i]].meta, cache.entries[keys[i]].deflated)
    cleaned, chapters, packed, bodies = (list(column) for column in zip(*(parts[i] for i in range(len(paths))), strict=True))
    chapters, packed = _unique_keys(chapters, packed)
    precompressed = {"EPUB/" + ch.file_name: d for ch, d in zip(chapters, packed, strict=True)}

    # 3. Assemble: one EPUB, or one per volume.
    from ebookgen import a11y
    from ebookgen.assemble import write_epub

    outputs = []
    for number, indexes, label in volumes(book, chapters, cleaned):
        cover = covers.get(label if number else None) or _cover(book, cache_dir, label if number else None)
        part_book = book
        target = out
        if number:
            part_book = replace(
                book,
                title=f"{book.title} \u2014 {label}",
                identifier=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{book.identifier}#vol-{number}')}",
                series=book.series or book.title,
                series_index=float(number),
            )
            target = out.with_name(f"{out.stem}-vol-{number}.epub")
        part = [chapters[i] for i in indexes]
        write_epub(part_book, part, target, modified_time(book), a11y.derive(book, part), cover=cover, precompressed=precompressed)
        outputs.append(target)

    from ebookgen.report import write_report

    report = write_report(book, cleaned, boiler, out.with_name(out.stem + "-report.html"))
    cache.save(set(digests))
    warnings = book_warnings(cleaned, bodies) + a11y.book_warnings(book, chapters)
    not_utf8 = [(c.source.rel, c.source.encoding) for c in cleaned if c.source.encoding not in ("utf-8", "utf-8-sig", "ascii")]
    size = sum(p.stat().st_size for p in outputs)
    words = sum(ch.words for ch in chapters)
    save_state(
        cache_dir,
        {
            "stamp": stamp,
            "content": content,
            "outputs": [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in outputs],
            "chapters": len(chapters),
            "words": words,
            "warnings": warnings,
            "report": str(report),
        },
    )
    return BuildResult(
        outputs=outputs,
        chapters=len(chapters),
        words=words,
        size=size,
        seconds=time.perf_counter() - started,
        warnings=warnings,
        not_utf8=not_utf8,
        cleaned=cleaned,
        rendered=chapters,
        boilerplate=boiler,
        report=report,
        processed=len(todo),
    )


def _up_to_date(state: dict, started: float) -> BuildResult:
    outputs = [Path(o[0]) for o in state["outputs"]]
    return BuildResult(
        outputs=outputs,
        chapters=state["chapters"],
        words=state["words"],
        size=sum(o[1] for o in state["outputs"]),
        seconds=time.perf_counter() - started,
        warnings=state.get("warnings", []),
        report=Path(state["report"]) if state.get("report") else None,
        up_to_date=True,
    )


def _unique_keys(chapters: list[Chapter], packed: list[Deflated]) -> tuple[list[Chapter], list[Deflated]]:
    """Two sources whose names slug the same ('Chapter 1.txt', 'chapter-1.md') get a
    suffix, so ids and file names stay unique; the first keeps its name."""
    seen: dict[str, int] = {}
    out, out_packed = [], []
    for ch, deflated in zip(chapters, packed, strict=True):
        seen[ch.key] = seen.get(ch.key, 0) + 1
        if seen[ch.key] == 1:
            out.append(ch)
            out_packed.append(deflated)
            continue
        key = f"{ch.key}-{seen[ch.key]}"
        xhtml = zlib.decompress(deflated.data, -15).decode("utf-8")
        xhtml = re.sub(rf'(id|aria-labelledby)="{re.escape(ch.key)}', rf'\1="{key}', xhtml)
        out.append(replace(ch, key=key, file_name=f"text/{key}.xhtml"))
        out_packed.append(deflate(xhtml.encode("utf-8")))
    return out, out_packed


def describe_progress(stream=sys.stderr) -> Callable[[int, int], None] | None:
    """A progress bar on long builds when stderr is a terminal (tqdm); silent otherwise."""
    if not stream.isatty():
        return None
    from tqdm import tqdm

    bar: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="ch", file=stream, leave=False, delay=0.5)
        bar["bar"].update(1)
        if done == total:
            bar["bar"].close()

    return update
