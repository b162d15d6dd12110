"""Junk no rule knows, learnt from the book itself: lines and site addresses that recur at
the head or tail of many chapters. Conservative by design: what recurs in the middle of
chapters (a catch-phrase, a game's system message) is story."""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

from ebookgen.fold import canon_name, fold, key_of_folded
from ebookgen.headers import numbered_title, parse_header, title_like
from ebookgen.rulesets import TLDS, Site, site_matcher
from ebookgen.textshapes import is_scene_break, promo_share

EDGE_LINES = 6  # non-empty lines at each end of a chapter that count as its head or tail
MIN_CHAPTERS = 3
MAX_EDGE_WORDS = 30  # longer lines are story: never learnt, nor removed, as boilerplate
MIN_SHARE = 0.10  # of all chapters
MIN_EDGE_SHARE = 0.8  # of a line's occurrences that must be at an edge
MIN_SPLICED_CHAPTERS = 2
# What every DOMAIN match holds: a dot, then a top-level domain. Cheap to look for first.
# Only ever searched in folded (lower-case) text, so case is not ignored: that keeps the
# literal '.' a prefix the regex engine finds at C speed.
DOMAIN_HINT = re.compile(r"\.\s?(?:" + TLDS + r")(?![a-z0-9])")
_DIGITS = re.compile(r"\d+")
# Words in the name of a site that hosts novels ('novelzzz', 'readwn', 'wuxiabox').
NOVEL_SITE_WORDS = re.compile(
    r"novel|read|book|wuxia|manga|manhua|webnovel|fic|mtl|translat|chapter|scan|lnmtl|lightn"
)
DOMAIN = re.compile(
    # possessive: the name cannot give letters back to '\s?\.', so no backtracking per word
    r"(?<![a-z0-9.@])(?:https?://)?(?:www\.)?(?P<name>[a-z0-9][a-z0-9-]{2,40}+)"
    r"\s?\.\s?(?P<tld>" + TLDS + r")(?![a-z0-9])",
    re.IGNORECASE,
)


_QUOTES = "“\"'‘「『"  # a line opening with one of these is dialogue


def edge_key_of_folded(folded: str) -> str:
    """A folded line's identity for counting: whitespace collapsed, digits as '#', so
    'Chapter 12 at X' and 'Chapter 13 at X' count as one line."""
    return _DIGITS.sub("#", key_of_folded(folded))


@dataclass(frozen=True)
class ChapterSignature:
    """What one chapter contributes to book-level detection (cacheable per chapter)."""

    edge_keys: frozenset[str]
    edge_hashes: frozenset[tuple[str, str]]  # (line_hash of the line as written, its edge_key)
    edge_domains: frozenset[str]
    all_domains: tuple[tuple[str, int], ...]  # (domain name, occurrences in the chapter)
    # Every line short enough to be boilerplate, as ' '-separated CRC-32s ('1a2b3c4d ...'):
    # how detect() tells a line that recurs only at edges from one that is also in the
    # middle of chapters, without reading every chapter again. Compact in the cache.
    line_hashes: str = ""
    # 'bare': the chapter opens with a header that has a number and no title ('Chapter 12');
    # 'titled': ... and a title-like line follows it, then more text. '' otherwise.
    header_shape: str = ""


def line_hash(line: str) -> str:
    """A stripped line's CRC-32 as 8 hex digits. A collision can only make a line look less
    edge-bound than it is, so it is kept: the safe side."""
    return f"{zlib.crc32(line.encode('utf-8', 'surrogatepass')):08x}"


def short_enough(line: str) -> bool:
    """At most MAX_EDGE_WORDS words, for a stripped line. Counted without splitting when
    the line's only whitespace is single plain spaces (other whitespace is unprintable)."""
    if len(line) <= 2 * MAX_EDGE_WORDS:  # too short to hold more
        return True
    if "  " not in line and line.isprintable():
        return line.count(" ") < MAX_EDGE_WORDS
    return len(line.split()) <= MAX_EDGE_WORDS


def signature(text: str) -> ChapterSignature:
    folded = fold(text)  # one character for one: its lines are the folded lines of the text
    rows = [(ln.strip(), f) for ln, f in zip(text.split("\n"), folded.split("\n"), strict=True)]
    rows = [(ln, f.strip()) for ln, f in rows if ln]
    edge_rows = rows[:EDGE_LINES] + (rows[-EDGE_LINES:] if len(rows) > EDGE_LINES else [])
    any_domain = DOMAIN_HINT.search(folded) is not None
    pairs, edge_domains = set(), set()
    for ln, f in edge_rows:
        short = short_enough(ln)
        with_domain = any_domain and DOMAIN_HINT.search(f) is not None
        # Only lines short enough to be boilerplate are remembered (the cleaner never
        # removes a longer one as such), and lines with an address for their domains.
        if not (short or with_domain) or is_scene_break(ln) or parse_header(ln) is not None:
            continue
        if short:
            pairs.add((ln, edge_key_of_folded(f)))
        if with_domain:
            edge_domains.update(m.group("name").lower() for m in DOMAIN.finditer(f))
    counts = Counter(name for _, name in domains_in(folded)) if any_domain else Counter()
    shape = ""
    for i, (ln, _) in enumerate(rows[:3]):
        header = parse_header(ln)
        if header is not None:
            if header.number is not None and not header.title:
                after = rows[i + 1][0] if len(rows) > i + 2 else ""
                shape = "titled" if after and (title_like(after) or numbered_title(after, header.number)) else "bare"
            break
    # Dialogue is never learnt (junk_like), so whether it recurs does not matter.
    # Lines up to 400 characters are hashed without counting words: a longer word count
    # only adds hashes no boilerplate line has.
    hashes = sorted({line_hash(ln) for ln, _ in rows if ln[0] not in _QUOTES and (len(ln) <= 400 or short_enough(ln))})
    return ChapterSignature(
        edge_keys=frozenset(k for _, k in pairs),
        edge_hashes=frozenset((line_hash(raw), key) for raw, key in pairs),
        edge_domains=frozenset(edge_domains),
        all_domains=tuple(sorted(counts.items())),
        line_hashes=" ".join(hashes),
        header_shape=shape,
    )


def domains_in(folded: str) -> list[tuple[int, str]]:
    """(start, name) of every DOMAIN in a folded text. Found from the cheap DOMAIN_HINT (a
    dot and a top-level domain) outwards, so the costly pattern only runs near a hint."""
    found: dict[int, str] = {}
    for hint in DOMAIN_HINT.finditer(folded):
        start = max(0, folded.rfind("\n", 0, hint.start()) + 1, hint.start() - 80)
        for m in DOMAIN.finditer(folded, start, min(len(folded), hint.end() + 1)):
            found.setdefault(m.start(), m.group("name").lower())
    return sorted(found.items())


def junk_like(key: str) -> bool:
    """Could this recurring edge line be a site's and not the story's? Dialogue and game
    messages ('“...,” Fatty Wu said', '[Ding! ...]', '<Level Up!>') never are; a line with an
    address, a short tag, or a promotional sentence may be. A recurring story sentence
    ('Chapter 7 of the contract stated ...' in many chapters) is kept as a candidate."""
    k = key.strip()
    if not k or k[0] in _QUOTES:
        return False
    if k[0] in "[<【(" and k[-1] in "]>】)" and not DOMAIN.search(k):
        return False
    # An address counts for nothing by itself: 'The market~x.net~ below the gate ...' repeated
    # at many chapter edges is a story line with a spliced address (cut as a learnt site).
    k = DOMAIN.sub(" ", k).strip()
    words, share, strong = promo_share(k)
    if not words:
        return True
    if words <= 6 and not re.search(r"[.!?…]$", k):
        return True  # a tag: '©SiteName', 'Sponsored Content'
    return strong and share >= 0.5


@dataclass
class Boilerplate:
    lines: frozenset[str] = frozenset()  # edge keys to remove at chapter edges
    sites: tuple[Site, ...] = ()  # learnt site names, removed like built-in ones
    candidates: list[tuple[str, int]] = field(default_factory=list)  # kept, shown in report
    # Most chapters that open with a bare 'Chapter 12' put a title-like line right after it:
    # that line is the chapter's title (in this book; one chapter alone proves nothing).
    titles_after_bare_headers: bool = False


def detect(signatures: list[ChapterSignature], known_sites: frozenset[str] = frozenset()) -> Boilerplate:
    """Learn from every chapter's signature. `known_sites`: the canonical names of the sites
    the rules already remove (rulesets.Site.canon); they are neither learnt again nor shown
    as candidates, so a removal is never listed under two rules."""
    n = len(signatures)
    if n < MIN_CHAPTERS:
        return Boilerplate()
    need = max(MIN_CHAPTERS, math.ceil(MIN_SHARE * n))
    key_counts = Counter(k for s in signatures for k in s.edge_keys)
    frequent = {k for k, c in key_counts.items() if c >= MIN_CHAPTERS}
    # How often does each frequent line occur anywhere, edges or not? Exact raw lines only,
    # known by their hashes.
    key_of_hash: dict[str, set[str]] = {}
    for s in signatures:
        for h, k in s.edge_hashes:
            if k in frequent:
                key_of_hash.setdefault(h, set()).add(k)
    anywhere: Counter = Counter()
    for s in signatures:
        found = set()
        for h in s.line_hashes.split():
            found.update(key_of_hash.get(h, ()))
        anywhere.update(found)
    lines, candidates = set(), []
    for k in frequent:
        count = key_counts[k]
        edge_share = count / max(count, anywhere[k])
        if count >= need and edge_share >= MIN_EDGE_SHARE and len(k) >= 3 and junk_like(k):
            lines.add(k)
        else:
            candidates.append((k, count))
    named = {d for s in signatures for d in s.edge_domains} | {d for s in signatures for d, _ in s.all_domains}
    ruled = {d for d in named if canon_name(d) in known_sites}
    dom_edge = Counter(d for s in signatures for d in s.edge_domains if d not in ruled)
    dom_any = Counter(d for s in signatures for d, _ in s.all_domains if d not in ruled)
    sites = []
    for name, count in sorted(dom_edge.items()):
        if count >= need and count / dom_any[name] >= MIN_EDGE_SHARE:
            sites.append(site_matcher("learnt.site", name))
        elif count >= MIN_CHAPTERS:
            candidates.append((name, count))
    # A novel-site-like name ('novelzzz.net') that turns up in several chapters, wherever it
    # sits, is a site splicing its address into the text, not something the story mentions.
    learnt = {s.name for s in sites}
    for name, count in sorted(dom_any.items()):
        if count >= MIN_SPLICED_CHAPTERS and name not in learnt and NOVEL_SITE_WORDS.search(name):
            sites.append(site_matcher("learnt.site", name))
    candidates.sort(key=lambda kc: (-kc[1], kc[0]))
    shapes = Counter(s.header_shape for s in signatures)
    titled = shapes["titled"] >= MIN_CHAPTERS and shapes["titled"] >= 0.5 * (shapes["titled"] + shapes["bare"])
    return Boilerplate(frozenset(lines), tuple(sites), candidates, titled)
