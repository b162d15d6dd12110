"""The cleaning engine: Source -> Cleaned. Applies the rule sets line by line, takes the
header apart, removes site addresses spliced into sentences, and logs every removal.

When in doubt a line is kept: removing a story sentence is worse than leaving a watermark."""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import re
import unicodedata
from dataclasses import dataclass

import ahocorasick_rs

from ebookgen.boilerplate import (
    DOMAIN,
    DOMAIN_HINT,
    EDGE_LINES,
    NOVEL_SITE_WORDS,
    Boilerplate,
    edge_key_of_folded,
    short_enough,
)
from ebookgen.fold import fold, key_of_folded, line_key, squash, squash_utf8
from ebookgen.headers import (
    Header,
    header_from_filename,
    numbered_title,
    parse_header,
    prefixed_header,
    title_like,
)
from ebookgen.model import SCENE_BREAK, Cleaned, Removal, Source
from ebookgen.prefilter import LineFilter, required_literals
from ebookgen.rulesets import TLDS, Rules, Site
from ebookgen.textshapes import (
    LEFTOVER_WORDS,
    PROMO,
    SCENE_BREAK_CHARS,
    STRONG_PROMO,
    is_scene_break,
    promo_share,
    unusual_characters,
)

# Characters XML 1.0 forbids (C0 controls but tab and newline, lone surrogates, U+FFFE/F).
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Invisible characters scrapers leave inside words (zero-width space, word joiner, BOM, soft
# hyphen, Mongolian vowel separator). ZWJ/ZWNJ stay: scripts and emoji sequences need them.
ZERO_WIDTH_JUNK = re.compile("[\u200b\u2060\ufeff\u00ad\u180e]")
# HTML entities left in saved text ('&nbsp;', '&amp;', '&#8217;'). A plain-text chapter has no
# markup, so they are decoded; Markdown decodes them itself, except the invisible ones.
HTML_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,9}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
BLANK_ENTITY = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|zwsp|#160|#xa0|#8203|#x200b);", re.IGNORECASE)
# UTF-8 read as cp1252/latin-1: a lead byte followed by a continuation byte's look.
MOJIBAKE_LEAD = re.compile("[\u00c2-\u00f4]")
MOJIBAKE_NEXT = re.compile(
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
MOJIBAKE = re.compile(MOJIBAKE_LEAD.pattern + MOJIBAKE_NEXT.pattern)
# A line of only these is trailing junk (':. :', '|', '//'), unless it is an ellipsis.
JUNK_PUNCT_LINE = re.compile(r"[\s:;.,|/\\'`^]+")
ELLIPSIS_LINE = re.compile(r"\s*(?:(?:\.\s?){2,}|…+|。{2,})\s*")
# Delimiters sites wrap a spliced address in; they go with the address.
OPENERS, CLOSERS = "~【[(<«*|{", "~】])>»*|}"
# An address no rule knows, however disguised ('novelzzz(.)net', 'n o v e l z z z . n e t',
# 'n.o.v.e.l.z.z.z.net'): never removed for itself, only as evidence that the sentence around
# it is an advertisement (see _promo_sentences).
LOOSE_ADDRESS = re.compile(
    r"(?<![a-z0-9@])(?:h\s?t\s?t\s?p\s?s?\s?:\s?/\s?/\s?)?(?:w\s?w\s?w\s?\.\s?)?"
    r"(?:[a-z0-9][a-z0-9-]{2,40}+|(?:[a-z0-9][\s.\-_*/\\|~]{1,2}){3,40}[a-z0-9])"
    r"\s{0,2}(?:\.|\(\s?\.\s?\)|\[\s?\.\s?\]|\{\s?\.\s?\}|\(dot\)|\[dot\]|\bdot\b)\s{0,2}"
    r"(?:c\W{0,2}[o0]\W{0,2}m|n\W{0,2}e\W{0,2}t|[o0]\W{0,2}r\W{0,2}g|" + TLDS + r")(?![a-z0-9])"
)
# A quick test before LOOSE_ADDRESS: a dot (or 'dot') then a top-level domain.
LOOSE_HINT = re.compile(
    r"(?:\.|\bdot\b)[\s)\]}]{0,3}(?:c\W{0,2}[o0]\W{0,2}m|n\W{0,2}e\W{0,2}t|[o0]\W{0,2}r\W{0,2}g|(?:" + TLDS + r")\b)"
)
# Every line either hint matches holds this: a dot, then a top-level domain however spaced.
# Searched once over the folded chapter (its literal '.' prefix is found at C speed); the
# rarer 'dot' spelling only when the chapter holds 'dot' at all.
ADDRESS_HINT = re.compile(
    r"\.[\s)\]}]{0,3}(?:c\W{0,2}[o0]\W{0,2}m|n\W{0,2}e\W{0,2}t|[o0]\W{0,2}r\W{0,2}g|(?:" + TLDS + r")(?![a-z0-9]))"
)
# A sentence ends at . ! ? (and CJK ones), possibly behind a closing quote, before a space.
SENTENCE_END = re.compile(r"[.!?。！？…]+[\"”’'»」』)\]]*\s+")
DIALOGUE_QUOTES = set("“”\"«»「」『』")
CJK_PROMO = re.compile(r"本站|网址|地址|域名|首发|最新章节|手机版|阅读|记住|笔趣阁|无弹窗")
MAX_RULE_LINE = 400
# A page title's tail after a header: 'Chapter 5: Rain | Read Light Novels online for free',
# 'Chapter 5: Rain - NovelFull'. The part after the last separator goes when it names a site
# or is a 'read ... online' tagline.
TITLE_TAIL = re.compile(r"\s+[|\-–—~•·»]\s+(?P<tail>[^|\-–—~•·»]{2,80})$")
READ_ONLINE_TAGLINE = re.compile(
    r"\W*(?:read\b.{0,40}\bonline|(?:free|best) (?:web ?|light )?novels? online)\b.{0,30}", re.IGNORECASE
)


@dataclass(frozen=True)
class BookContext:
    """Book-level facts every chapter's cleaning depends on."""

    title: str
    boilerplate: Boilerplate


def _entity(m: re.Match) -> str:
    decoded = html.unescape(m.group(0))
    return decoded if decoded != m.group(0) else m.group(0)


def normalise(text: str, fmt: str = "txt") -> str:
    """Mojibake repaired (ftfy, only on lines that show it), NFC, HTML entities decoded in
    plain text, and characters XML cannot carry or a reader cannot see removed."""
    if "&" in text:
        text = HTML_ENTITY.sub(_entity, text) if fmt == "txt" else BLANK_ENTITY.sub(" ", text)
    odd = "".join(unusual_characters(text))
    if not odd:
        return text
    if INVALID_XML.search(odd):
        text = INVALID_XML.sub("", text)
    if ZERO_WIDTH_JUNK.search(odd):
        text = ZERO_WIDTH_JUNK.sub("", text)
    # Mojibake needs a lead character (Â-ô) and a continuation-like one in the chapter.
    leads = MOJIBAKE_LEAD.findall(odd)
    if leads and MOJIBAKE_NEXT.search(odd) and any(re.search(lead + MOJIBAKE_NEXT.pattern, text) for lead in leads):
        import ftfy  # imported late: most books never need it

        config = ftfy.TextFixerConfig(
            uncurl_quotes=False,
            fix_character_width=False,
            unescape_html=False,
            fix_latin_ligatures=False,
            normalization=None,
            explain=False,
        )
        text = "\n".join(ftfy.fix_text(ln, config) if MOJIBAKE.search(ln) else ln for ln in text.split("\n"))
    # Below U+0300 and in General Punctuation (U+2010-205E: quotes, dashes, ellipsis) every
    # character is its own NFC form and none combines with another.
    if any(ch >= "\u0300" and not "\u2010" <= ch <= "\u205e" for ch in odd) and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _expand_span(line: str, start: int, end: int) -> tuple[int, int]:
    """Take the wrapping delimiters of a spliced address with it: '~www.x.com~'."""
    while start > 0 and line[start - 1] in OPENERS and end < len(line) and line[end] in CLOSERS:
        start, end = start - 1, end + 1
    while start > 0 and line[start - 1] == "~":
        start -= 1
    while end < len(line) and line[end] == "~":
        end += 1
    if end < len(line) and line[end] == "/":  # the rest of a URL: '/book/123?x=1'
        path = re.match(r"/[^\s\"“”'‘’<>]*", line[end:])
        end += len(path.group(0).rstrip(".,;:!?)]")) if path else 0
    return start, end


def _cut(line: str, spans: list[tuple[int, int]]) -> str:
    """Remove spans and mend the seams: 'again~www.x.com~ Meituan' -> 'again Meituan'."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            start = last
        if end <= start:
            continue
        left = line[last:start]
        out.append(left)
        last = end
    out.append(line[last:])
    pieces = [p for p in out]
    text = pieces[0]
    for piece in pieces[1:]:
        if text and piece and not text[-1].isspace() and not piece[0].isspace():
            if piece[0] not in ".,;:!?)]}”’»…" and text[-1] not in "([{“‘«":
                text += " "
        text += piece
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _without_title(text: str, book_title: str) -> str:
    """The book's own title taken out: 'Read Internet 2010 on' is a promoter's words."""
    if not book_title:
        return text
    return re.sub(r"['‘’]?\s*" + re.escape(book_title) + r"\s*['‘’]?", " ", text, flags=re.IGNORECASE)


def _residue_is_promo(rest: str, book_title: str = "") -> bool:
    """What is left of a line once its site address is gone: junk if it is only promotional
    words ('Read the latest chapters at', '本站地址：'), story otherwise."""
    rest = _without_title(rest, book_title)
    if CJK_PROMO.search(rest) and len(rest) <= 60:
        return True
    if any(q in rest for q in DIALOGUE_QUOTES):
        return False
    words, share, strong = promo_share(rest)
    if not words:
        return True
    if words > 14:
        return False
    # 'The was heavy.' (from 'The box novel was heavy.') has one function word: not enough.
    return share >= 0.6 and (strong or words <= 2 and share == 1.0)


def _inside_quotes(line: str, pos: int) -> bool:
    """Is `pos` inside quoted speech? ('“Go to novelworld.com,” she said.')"""
    before = line[:pos]
    if before.count("“") > before.count("”") or before.count("«") > before.count("»"):
        return True
    return before.count('"') % 2 == 1


def _sentence_bounds(line: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of `line` that holds [start, end); sentence ends inside it (the dots of
    an address) do not count."""
    s, e = 0, len(line)
    for m in SENTENCE_END.finditer(line):
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            e = m.end()
            break
    return s, e


def _sentence_is_promo(residue: str, book_title: str) -> bool:
    """What is left of a sentence once its addresses are gone: an advertisement if it is
    short, made of promotional words, and names at least one strong one ('Visit for more
    chapters', 'Please read on'). Dialogue is never an advertisement."""
    if any(q in residue for q in DIALOGUE_QUOTES):
        return False
    residue = _without_title(residue, book_title)
    if CJK_PROMO.search(residue) and len(residue) <= 60:
        return True
    words, share, strong = promo_share(residue)
    if not words:
        return True
    return words <= 20 and strong and share >= 0.6


def _leftover_is_promo(rest: str) -> bool:
    """What an advertisement sentence leaves on its line: 'Enjoying the story?' before
    'Check out novelzzz.net'. Only a few words, every one of them a promoter's."""
    words = re.findall(r"[^\W_]+", fold(rest))
    return len(words) <= 6 and not any(q in rest for q in DIALOGUE_QUOTES) and all(
        PROMO.fullmatch(w) or LEFTOVER_WORDS.fullmatch(w) for w in words
    )


def _strong_obfuscation(original: str, site: Site) -> bool:
    """A bare site name counts as junk only when visibly disguised: digits or look-alike
    letters for letters, or a separator between most of its letters."""
    if not original.isascii():
        return True
    if any(ch.isdigit() for ch in original):
        return True
    separators = sum(1 for ch in original if not ch.isalnum())
    return separators >= max(2, len(site.name) - 3)


@dataclass
class _Scan:
    """What one chapter's whole-text passes found, line by line."""

    folded_lines: list[str]
    folded_utf8: bytes
    byte_starts: list[int]  # of the lines in folded_utf8
    squashed_lines: list[bytes]
    hits: dict[int, set]  # line -> rules whose words it holds (prefilter.LineFilter)
    present: set[str]  # needles and site names anywhere in the chapter (squashed)
    squashed_hits: dict[int, set[str]]  # line -> those on the line
    sites_in: dict[int, list[Site]]  # line -> the sites it names
    domain_lines: set[int]  # lines with a dot and a top-level domain
    loose_lines: set[int]  # lines with one however spaced or spelt ('dot')


class Cleaner:
    """Cleans one chapter at a time with rules compiled once for the book."""

    def __init__(self, rules: Rules, context: BookContext):
        self.rules = rules
        self.context = context
        self.sites = list(rules.sites) + list(context.boilerplate.sites)
        self.address_names = {name for name, _, _ in rules.address_rules}
        # Two prefilters, each one pass over the chapter at native speed: the words each
        # rule needs (prefilter.LineFilter, on the folded text), and the site names and
        # rule needles (on the squashed text, where 'n 0 v e l' is 'novel').
        # A site's own line rules (rulesets._site_gated) are tried on the lines that name the
        # site, whatever other words they hold: they are not in the word prefilter.
        self.gated_needles = {name: frozenset(needles) for name, _, needles in rules.gated_lines}
        self.line_filter = LineFilter(
            [(("line", n), rx.pattern) for n, rx in rules.line_rules if n not in self.gated_needles]
            + [(("edge", n), rx.pattern) for n, rx in rules.edge_rules]
            + [
                (("inline", n), rx.pattern) for n, rx in rules.inline_rules
                if not n.startswith("book.yaml") and n not in rules.inline_needles
            ]
        )
        always = self.line_filter.always
        # (rule-file order, name, regex): the first matching rule in file order names a line.
        entries = {n: (order, n, rx) for order, (n, rx) in enumerate(rules.line_rules)}
        self.line_entries = {("line", n): e for n, e in entries.items() if n not in self.gated_needles}
        self.line_always = [e for k, e in self.line_entries.items() if k in always]
        self.line_always_any = _alternation_of([(n, rx) for _, n, rx in self.line_always])
        # The punctuation those rules need ('tl: 123456' needs ':'): a line holding none of
        # it skips them. None when some rule needs no punctuation at all.
        marks = [required_literals(rx.pattern, chars=True) for _, _, rx in self.line_always]
        self.line_always_marks = (
            frozenset().union(*marks) if all(m and not any(c.isalnum() for c in m) for m in marks) else None
        )
        self.line_always_marks_utf8 = [c.encode("utf-8") for c in sorted(self.line_always_marks or ())]
        self.gated_entries = [entries[n] for n in self.gated_needles]
        self.edge_always_any = _alternation_of([(n, rx) for n, rx in rules.edge_rules if ("edge", n) in always])
        needles = {n for _, _, ns in rules.address_rules for n in ns}
        needles |= {n for _, _, ns in rules.gated_lines for n in ns}
        needles |= {n for ns in rules.inline_needles.values() for n in ns}
        needles |= {s.canon for s in self.sites if s.canon}
        self.squashed_words = sorted(needles)
        self.squashed_scan = ahocorasick_rs.BytesAhoCorasick([w.encode() for w in self.squashed_words], implementation=ahocorasick_rs.Implementation.DFA) if needles else None

    @functools.cached_property
    def learnt_first_words(self) -> frozenset[str]:
        """The first words of the learnt boilerplate lines: a line starting otherwise is
        not one of them, and costs no edge key."""
        return frozenset(_first_word(k) for k in self.context.boilerplate.lines)

    def _squashed_hits(self, squashed: bytes, starts: list[int]) -> tuple[set[str], dict[int, set[str]]]:
        """Needles and site names in the chapter's squashed text (lines starting at
        `starts`): all of them, and per line."""
        if self.squashed_scan is None:
            return set(), {}
        per_line: dict[int, set[str]] = {}
        for index, start, _ in self.squashed_scan.find_matches_as_indexes(squashed, overlapping=True):
            per_line.setdefault(bisect.bisect_right(starts, start) - 1, set()).add(self.squashed_words[index])
        return set().union(*per_line.values()), per_line

    # -- line level ----------------------------------------------------------------------

    def _kept_by_user(self, line: str) -> bool:
        return any(p.search(line) for p in self.rules.keep)

    def _edge_rule(self, line: str, key: str, candidates: set) -> str | None:
        """Rules for what only appears around a chapter (credits, 'thanks for reading'),
        never tried on dialogue."""
        if len(key) > MAX_RULE_LINE or line.lstrip()[:1] in DIALOGUE_QUOTES:
            return None
        for name, rx in self.rules.edge_rules:
            if (("edge", name) in candidates or ("edge", name) in self.line_filter.always) and rx.fullmatch(key):
                return name
        return None

    def _line_rule(self, key: str, candidates: set, line_words: set) -> str | None:
        """The first rule (in rule-file order) that matches the whole line. Only the rules
        whose words the line holds are tried (see prefilter.py); a site's own rules only
        on lines that name the site (`line_words`: the line's squashed needles)."""
        if len(key) > MAX_RULE_LINE:
            return None
        tried = [self.line_entries[k] for k in candidates if k in self.line_entries]
        if self.line_always_any is not None and self.line_always_any.fullmatch(key):
            tried += self.line_always
        if line_words:
            tried += [e for e in self.gated_entries if not line_words.isdisjoint(self.gated_needles[e[1]])]
        for _, name, rx in sorted(tried):
            if rx.fullmatch(key):
                return name
        return None

    # -- inline level --------------------------------------------------------------------

    def _is_address(self, rule: str) -> bool:
        return rule.endswith(".site") or rule in self.address_names

    def _address_rule_spans(self, line: str, folded: str, taken: list, address_rules: list) -> list[tuple[int, int, str]]:
        """Obfuscated addresses the rule files describe ('n0(v)eL/b(i)(n).com')."""
        spans = []
        for name, rx in address_rules:
            for m in rx.finditer(folded):
                if m.end() <= m.start():
                    continue
                s, e = _expand_span(line, m.start(), m.end())
                overlap = [sp for sp in taken if sp[0] < e and s < sp[1]]
                if overlap:  # a site's bare name inside a longer disguised address: take it all
                    for sp in overlap:
                        taken.remove(sp)
                    s, e = min(s, *(sp[0] for sp in overlap)), max(e, *(sp[1] for sp in overlap))
                    name = overlap[0][2]
                if not any(a < e and s < b for a, b, _ in spans):
                    spans.append((s, e, name))
        return spans

    def _story_beside_address(self, line: str, sites: list[Site], address_rules: list) -> bool:
        """A line rule that matched a line holding a site address ('He stood up. novelbin.com
        She sat down.') must not take the story with it: with the addresses cut out, is
        there a sentence of three words or more that has no promotional word at all?"""
        folded = fold(line)
        spans = self._site_spans(line, folded, sites) if sites else []
        spans += self._address_rule_spans(line, folded, spans, address_rules)
        if "." in folded:
            spans += [(m.start(), m.end(), "") for m in DOMAIN.finditer(folded)]
        if not spans:
            return False
        residue = _cut(line, [(s, e) for s, e, _ in spans])
        for sentence in re.split(r"(?<=[.!?。！？…])\s+", residue):
            words = re.findall(r"[^\W_]+", sentence)
            if len(words) >= 3 and not any(STRONG_PROMO.fullmatch(w) for w in words):
                return True
        return False

    def _site_spans(self, line: str, folded: str, sites: list[Site]) -> list[tuple[int, int, str]]:
        spans = []
        for site in sites:
            for m in site.full.finditer(folded):
                spans.append((*_expand_span(line, m.start(), m.end()), site.rule))
            for m in site.bare.finditer(folded):
                if any(s <= m.start() < e for s, e, _ in spans):
                    continue
                original = line[m.start() : m.end()]
                s, e = _expand_span(line, m.start(), m.end())
                wrapped = (s, e) != (m.start(), m.end())
                if wrapped or _strong_obfuscation(original, site):
                    spans.append((s, e, site.rule))
                elif _residue_is_promo(line[: m.start()] + " " + line[m.end() :], self.context.title):
                    spans.append((s, e, site.rule))
        return spans

    @staticmethod
    def _between_sentences(line: str, start: int, end: int, name: str) -> bool:
        """An address standing alone between two sentences ('He left. novelzzz.net The door
        ...') was dropped there by a site; one the sentence goes on from is story."""
        before, after = line[:start].rstrip(), line[end:].lstrip()
        if before and before[-1] not in ".!?。！？…”\"":
            return False
        if not after:
            return bool(before) and bool(NOVEL_SITE_WORDS.search(name.lower()))
        return after[0].isupper() or after[0] in "“\"「"

    def _unknown_addresses(self, line: str, folded: str, taken: list) -> tuple[list, list]:
        """Addresses of sites no rule knows: removed when spliced (wrapped in '~', glued to
        the words around them, standing between two sentences); kept otherwise and listed as
        candidates ('He wrote www.example.org on the letter' is story). A novel site that
        recurs across the book is learnt (boilerplate.detect) and removed like a known one."""
        spans, candidates = [], []
        for m in DOMAIN.finditer(folded):
            if any(s <= m.start() < e for s, e, _ in taken):
                continue
            s, e = _expand_span(line, m.start(), m.end())
            glued = (m.start() > 0 and not line[m.start() - 1].isspace() and line[m.start() - 1] not in "\"'“‘(")
            wrapped = (s, e) != (m.start(), m.end())
            if wrapped or glued or self._between_sentences(line, s, e, m.group("name")):
                spans.append((s, e, "spliced-address"))
            else:
                candidates.append(line[m.start() : m.end()])
        return spans, candidates

    def _promo_sentences(self, line: str, folded: str, spans: list) -> list[tuple[int, int, str]]:
        """Sentences that are advertisements around an address: 'Visit novelzzz.net for
        extra chapters.', 'He left. Please read on n o v e l z z z . n e t. The door...'.
        The address is the evidence; the sentence goes only if the rest of it is promotion."""
        addresses = [(s, e) for s, e, rule in spans if self._is_address(rule) or rule == "spliced-address"]
        if LOOSE_HINT.search(folded):
            for m in LOOSE_ADDRESS.finditer(folded):
                text = line[m.start() : m.end()]
                spaced_dot = re.search(r"\s(?:\.|dot)|(?:\.|dot)\s", text, re.IGNORECASE)
                after_dot = re.search(r"(?:\.|dot)\s*(\S)", text, re.IGNORECASE)
                if spaced_dot and after_dot and after_dot.group(1).isupper() and not text.isupper():
                    continue  # 'He was done. Net profits...' is two sentences, not an address
                s, e = _expand_span(line, m.start(), m.end())
                overlap = [a for a in addresses if a[0] < e and s < a[1]]
                for a in overlap:  # 'n o v e l z z z' (a site's name) inside a longer address
                    addresses.remove(a)
                addresses.append((min([s] + [a[0] for a in overlap]), max([e] + [a[1] for a in overlap])))
        found: list[tuple[int, int, str]] = []
        for start, end in sorted(addresses):
            if any(s <= start < e for s, e, _ in found):
                continue
            s, e = _sentence_bounds(line, start, end)
            inside = sorted((a, b) for a, b in addresses if a >= s and b <= e)
            residue = _cut(line[s:e], [(a - s, b - s) for a, b in inside])
            if _sentence_is_promo(residue, self.context.title):
                found.append((s, e, "promo-sentence"))
        return found

    def _boilerplate_lines(self, lines: list[str], folded_lines: list[str], nonempty: list[int], edge: set[int]) -> set[int]:
        """Lines at this chapter's edges that the book taught us are boilerplate. If that
        would take half the chapter, the chapter is more like its neighbours than junk is
        (short, formulaic chapters): nothing is removed."""
        learnt = self.context.boilerplate.lines
        if not learnt:
            return set()
        firsts = self.learnt_first_words
        found = {
            i for i in edge
            if _first_word(folded_lines[i]) in firsts
            and edge_key_of_folded(folded_lines[i]) in learnt
            and short_enough(lines[i].strip())
            and parse_header(lines[i], self.context.title) is None
        }
        return found if len(found) * 2 < len(nonempty) else set()

    def _without_site_tail(self, header: Header, i: int, line: str, removals: list[Removal]) -> Header:
        """The header with a site's name or tagline cut from the end of its title (logged)."""
        m = TITLE_TAIL.search(header.title or "")
        if m is None:
            return header
        tail = m.group("tail").strip()
        folded = fold(tail)
        squashed = squash(folded)
        names_site = DOMAIN.search(folded) is not None or any(site.canon == squashed for site in self.sites)
        if not (names_site or READ_ONLINE_TAGLINE.fullmatch(tail)):
            return header
        removals.append(Removal(i + 1, tail, "header-site-tail", line.strip()))
        return Header(header.number, header.title[: m.start()].rstrip() or None, header.volume)

    def _after_header(self, lines, folded_lines, nonempty, keep, i, header, removals) -> Header:
        """The first body line after the header at line i: the same header again (a common
        scraper artefact) is dropped; in a book whose bare headers are followed by their
        titles (boilerplate.detect), a title-like line after a header with a number and no
        title is its title ('Chapter 12' / 'The Gate'), when story follows it."""
        later = [j for j in nonempty if j > i and keep[j]]
        if not later:
            return header
        j = later[0]
        again = parse_header(lines[j], self.context.title) or numbered_title(lines[j], header.number)
        key = key_of_folded(folded_lines[j])
        same = (again is not None and again.number == header.number) or key == key_of_folded(folded_lines[i])
        if not same and header.title:
            same = key.strip("*_# ") == line_key(header.title)
        if same:
            keep[j] = False
            removals.append(Removal(j + 1, lines[j].strip(), "header-repeat"))
            if again is not None and again.title and not header.title:
                header = Header(header.number, again.title, header.volume)
            return header
        title = lines[j].strip().lstrip("#").strip()
        titles_follow = self.context.boilerplate.titles_after_bare_headers
        if titles_follow and header.number is not None and not header.title and len(later) > 1 and title_like(title):
            keep[j] = False
            removals.append(Removal(j + 1, lines[j].strip(), "header-title"))
            return Header(header.number, title, header.volume)
        return header

    # -- the chapter ---------------------------------------------------------------------

    def _scan(self, text: str) -> _Scan:
        """A chapter's few whole-text passes, which tell the per-line steps where to look."""
        folded_text = fold(text)
        folded_lines = folded_text.split("\n")  # fold is one character for one: same offsets
        starts = _line_starts(folded_lines)
        folded_utf8 = folded_text.encode("utf-8", "surrogatepass")
        byte_starts = _line_starts(folded_utf8.split(b"\n"))
        hits = self.line_filter.candidates(folded_utf8, byte_starts)
        squashed = squash_utf8(folded_utf8, keep_lines=True)
        squashed_lines = squashed.split(b"\n")
        present, squashed_hits = self._squashed_hits(squashed, _line_starts(squashed_lines))
        sites_in = {i: [s for s in self.sites if s.canon in words] for i, words in squashed_hits.items()}
        # Lines worth a closer look for addresses: a dot and a top-level domain, or a dot
        # (or 'dot') before one however spaced.
        hinted = _lines_of(ADDRESS_HINT, folded_text, starts)
        if "dot" in folded_text:
            hinted |= _lines_of(LOOSE_HINT, folded_text, starts)
        return _Scan(
            folded_lines=folded_lines,
            folded_utf8=folded_utf8,
            byte_starts=byte_starts,
            squashed_lines=squashed_lines,
            hits=hits,
            present=present,
            squashed_hits=squashed_hits,
            sites_in=sites_in,
            domain_lines={i for i in hinted if DOMAIN_HINT.search(folded_lines[i])},
            loose_lines={i for i in hinted if LOOSE_HINT.search(folded_lines[i])},
        )

    def clean(self, source: Source) -> Cleaned:
        text = normalise(source.text, source.fmt)
        lines = text.split("\n")
        removals: list[Removal] = []
        candidates: list[Removal] = []
        keep = [True] * len(lines)
        out = list(lines)
        nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
        edge = set(nonempty[:EDGE_LINES]) | set(nonempty[-EDGE_LINES:])

        scan = self._scan(text)
        folded_lines, hits, present, squashed_hits = scan.folded_lines, scan.hits, scan.present, scan.squashed_hits
        sites_in, domain_lines, loose_lines = scan.sites_in, scan.domain_lines, scan.loose_lines
        address_rules = [(name, rx, needles) for name, rx, needles in self.rules.address_rules if not needles or not present.isdisjoint(needles)]
        inline_needles = self.rules.inline_needles
        inline_rules = [
            (name, rx) for name, rx in self.rules.inline_rules
            if name not in inline_needles or not present.isdisjoint(inline_needles[name])
        ]
        addresses_anywhere = [(name, rx) for name, rx, needles in address_rules if not needles]
        inline_anywhere = [(n, rx) for n, rx in inline_rules if ("inline", n) in self.line_filter.always or n.startswith("book.yaml")]

        def addresses_for(i: int) -> list:
            words = squashed_hits.get(i)
            if not words:
                return addresses_anywhere
            return [(name, rx) for name, rx, needles in address_rules if not needles or not words.isdisjoint(needles)]

        def inline_for(i: int) -> list:
            """The inline rules worth trying on line i: those whose words it holds, and
            those with needles (not in the word prefilter) when it holds one of them."""
            line_hits, needles = hits.get(i), squashed_hits.get(i)
            if not line_hits and not needles:
                return inline_anywhere
            return [
                (n, rx) for n, rx in inline_rules
                if (line_hits and ("inline", n) in line_hits)
                or (needles and n in inline_needles and not needles.isdisjoint(inline_needles[n]))
                or (n, rx) in inline_anywhere
            ]

        # 1. Junk lines (rules, learnt boilerplate, punctuation debris).
        boiler = self._boilerplate_lines(lines, folded_lines, nonempty, edge)
        # Most lines hold no rule's words, name no site and are not at an edge: for them only
        # the few rules without words and the punctuation test are left (the fast path).
        flagged = boiler.union(hits, squashed_hits) if not (self.rules.keep or self.rules.user_lines) else set(nonempty)
        always_any, edge_any, marks = self.line_always_any, self.edge_always_any, self.line_always_marks
        # The lines any test below can touch: flagged, at an edge, holding a mark such a rule
        # needs, or holding no ASCII letter or digit (a punctuation line). The rest is story.
        step1 = nonempty
        if not (self.rules.keep or self.rules.user_lines) and (always_any is None or marks is not None):
            # A punctuation line squashes to nothing, or holds '|' (which squashes to 'l').
            look = flagged | edge | {i for i, sq in enumerate(scan.squashed_lines) if not sq}
            look |= _lines_holding([b"|"], scan.folded_utf8, scan.byte_starts)
            if always_any is not None:
                look |= _lines_holding(self.line_always_marks_utf8, scan.folded_utf8, scan.byte_starts)
            step1 = [i for i in nonempty if i in look]
        for i in step1:
            line, key = lines[i], key_of_folded(folded_lines[i])
            if i not in flagged and not (
                (always_any is not None and (marks is None or any(c in folded_lines[i] for c in marks))
                 and always_any.fullmatch(key))
                or (i in edge and edge_any is not None and edge_any.fullmatch(key))
            ):
                if JUNK_PUNCT_LINE.fullmatch(line) and not ELLIPSIS_LINE.fullmatch(line):
                    keep[i] = False
                    removals.append(Removal(i + 1, line.strip(), "punctuation-line"))
                continue
            if self.rules.keep and self._kept_by_user(line):
                continue
            rule = next((name for name, rx in self.rules.user_lines if rx.search(line)), None)
            line_hits = hits.get(i, set())
            rule = rule or self._line_rule(key, line_hits, squashed_hits.get(i, set()))
            # (A line naming no site, with no address rule for it and no dot-and-domain, holds
            # no address: nothing to look for.)
            line_sites, line_addresses = sites_in.get(i, []), addresses_for(i)
            if (
                rule is not None
                and not rule.startswith("book.yaml")
                and (line_sites or line_addresses or i in domain_lines)
                and self._story_beside_address(line, line_sites, line_addresses)
            ):
                rule = None  # the address is cut in step 3; the story around it stays
            if rule is None and i in edge and self.rules.edge_rules:
                rule = self._edge_rule(line, key, line_hits)
            if rule is None and i in boiler:
                rule = "boilerplate"
            if rule is None and JUNK_PUNCT_LINE.fullmatch(line) and not ELLIPSIS_LINE.fullmatch(line):
                rule = "punctuation-line"
            if rule:
                keep[i] = False
                removals.append(Removal(i + 1, line.strip(), rule))

        # 2. The header: among the first lines that survive, past any site-address lines.
        header, at = None, -1  # the header, and its line
        from_name = header_from_filename(source.path.stem)
        for i in [i for i in nonempty if keep[i]][:3]:
            header = (
                parse_header(lines[i], self.context.title)
                or numbered_title(lines[i], from_name.number)
                or prefixed_header(lines[i], from_name.number)
            )
            if header is None and source.fmt == "md" and re.match(r"\s*#\s+\S", lines[i]):
                header = Header(None, lines[i].strip().lstrip("#").strip())
            if header is not None:
                keep[i] = False
                removals.append(Removal(i + 1, lines[i].strip(), "header"))
                at = i
                break
            # Past an address line or a short unknown line ('Translated by X', a tag) the
            # header may still come; past a sentence of story it may not.
            words = len(lines[i].split())
            if not DOMAIN.search(fold(lines[i])) and (words > 12 or re.search(r"[.!?…”\"]\s*$", lines[i])):
                break
        if header is None:
            # A header with a site address in it ('Chapter 5: Rain - novelbin.com') was taken
            # as a junk line in step 1: its number and title are still the chapter's (when the
            # file name, if it has a number, agrees).
            for i in nonempty[:EDGE_LINES]:
                found = None if keep[i] else parse_header(lines[i], self.context.title)
                if found is not None and found.number is not None and from_name.number in (None, found.number):
                    header, at = found, i
                    break
        if header is not None:
            header = self._without_site_tail(header, at, lines[at], removals)
            header = self._after_header(lines, folded_lines, nonempty, keep, at, header, removals)
        if header is None or header.number is None:
            if header is None:
                header = from_name
            elif from_name.number:
                header = Header(from_name.number, header.title)

        # 3. Inline: site addresses and user patterns inside the lines that stay. A line no
        # prefilter flagged, with no user rule to apply, is story as it stands.
        step3 = nonempty
        if not (self.rules.replacements or self.rules.keep or addresses_anywhere or inline_anywhere):
            look = set(squashed_hits) | set(hits) | domain_lines | loose_lines
            step3 = [i for i in nonempty if i in look]
        for i in step3:
            if not keep[i]:
                continue
            line_addresses = addresses_for(i)
            line_inline = inline_for(i)
            if not (self.rules.replacements or line_inline or line_addresses or i in sites_in or i in domain_lines or i in loose_lines):
                continue
            line = lines[i]
            if self.rules.keep and self._kept_by_user(line):
                continue
            folded = folded_lines[i]
            line_sites = sites_in.get(i, [])
            spans = self._site_spans(line, folded, line_sites) if line_sites else []
            if line_addresses:
                spans += self._address_rule_spans(line, folded, spans, line_addresses)
            if i in domain_lines:
                extra, maybe = self._unknown_addresses(line, folded, spans)
                spans += extra
                candidates += [Removal(i + 1, c, "address-kept", line.strip()) for c in maybe]
            if spans or i in loose_lines:
                promo = self._promo_sentences(line, folded, spans)
                if promo:  # the sentence's own removal stands for the addresses inside it
                    spans = [sp for sp in spans if not any(s <= sp[0] and sp[1] <= e for s, e, _ in promo)]
                    spans += promo
            for name, rx in line_inline:
                spans += [(m.start(), m.end(), name) for m in rx.finditer(line) if m.end() > m.start()]
            new = line
            if spans:
                new = _cut(line, [(s, e) for s, e, _ in spans])
                for s, e, name in sorted(spans):
                    removals.append(Removal(i + 1, line[s:e].strip(), name, line.strip()))
                debris = not any(ch.isalnum() for ch in new) or (
                    any(n == "promo-sentence" for _, _, n in spans) and _leftover_is_promo(new)
                )
                if debris or (any(self._is_address(n) for _, _, n in spans) and _residue_is_promo(new, self.context.title)):
                    keep[i] = False
                    if new:
                        removals.append(Removal(i + 1, new, "address-line-residue", line.strip()))
                    continue
            for name, rx, repl in self.rules.replacements:
                replaced = rx.sub(repl, new)
                if replaced != new:
                    removals.append(Removal(i + 1, new.strip(), name + " (replaced)", replaced.strip()))
                    new = replaced
            out[i] = new
            if not new.strip():
                keep[i] = False

        blocks = paragraphs([out[i] if keep[i] else None for i in range(len(lines))])
        warnings = []
        if not any(b != SCENE_BREAK for b in blocks):
            warnings.append("all junk: nothing left after cleaning" if removals else "empty chapter")
        if header.number is None and header.title is None:
            warnings.append("no chapter title or number found")
        if source.fmt == "md":
            blocks = tuple(markdown_lines([out[i] if keep[i] else None for i in range(len(lines))]))
        return Cleaned(
            source=source,
            number=header.number,
            title=header.title,
            blocks=blocks,
            removals=tuple(sorted(removals, key=lambda r: r.line)),
            candidates=tuple(candidates),
            warnings=tuple(warnings),
        )


def _line_starts(lines: list[str] | list[bytes]) -> list[int]:
    """Offset of each line's first character (or byte) in the text (or bytes) the lines
    were split from at the newline."""
    return list(itertools.accumulate(map(_PLUS_ONE, map(len, lines[:-1])), initial=0))  # C-level


_PLUS_ONE = (1).__add__


def _first_word(folded: str) -> str:
    """A folded line's first word as its edge key begins (digits as '#')."""
    words = folded.split(None, 1)
    if not words:
        return ""
    return words[0] if words[0].isalpha() else edge_key_of_folded(words[0])


def _lines_holding(needles: list[bytes], raw: bytes, starts: list[int]) -> set[int]:
    """Indexes of the lines holding any of a few rare needles (bytes.find: C speed, where a
    regex would test every position)."""
    found = set()
    for needle in needles:
        pos = raw.find(needle)
        while pos >= 0:
            found.add(bisect.bisect_right(starts, pos) - 1)
            pos = raw.find(needle, pos + 1)
    return found


def _lines_of(pattern: re.Pattern, text: str | bytes, starts: list[int]) -> set[int]:
    """Indexes of the lines where `pattern` matches (found in one pass over the text; the
    starts in characters for a str, in bytes for bytes)."""
    return {bisect.bisect_right(starts, m.start()) - 1 for m in pattern.finditer(text)}


def _alternation_of(rules: list[tuple[str, re.Pattern]]) -> re.Pattern | None:
    """All rules in one pattern, so a line that matches none costs one call."""
    return re.compile("|".join(f"(?:{rx.pattern})" for _, rx in rules), re.IGNORECASE) if rules else None


def markdown_lines(lines: list[str | None]) -> list[str]:
    """Markdown keeps its own line structure; removed lines become blank lines so that a
    removal never glues two paragraphs into one."""
    return ["" if ln is None else ln for ln in lines]


def paragraphs(lines: list[str | None]) -> tuple[str, ...]:
    """Paragraphs of a plain-text chapter. One line per paragraph is the norm for scraped
    text; a file whose lines are hard-wrapped inside blank-line-separated paragraphs has its
    lines joined. Removed lines (None) separate paragraphs too."""
    groups: list[list[str]] = [[]]
    for ln in lines:
        ln = ln.strip() if ln is not None else ""
        if not ln:
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append(ln)
    groups = [g for g in groups if g]
    wrapped = _hard_wrapped(groups)
    blocks: list[str] = []
    for g in groups:
        units = [" ".join(g)] if wrapped else g
        for unit in units:
            if unit[0] in SCENE_BREAK_CHARS and is_scene_break(unit):  # (most lines: one look)
                if blocks and blocks[-1] != SCENE_BREAK:
                    blocks.append(SCENE_BREAK)
            else:
                blocks.append(unit)
    while blocks and blocks[-1] == SCENE_BREAK:
        blocks.pop()
    return tuple(blocks)


def _hard_wrapped(groups: list[list[str]]) -> bool:
    """True for text wrapped at a fixed width (Project Gutenberg style): most lines inside
    multi-line groups are of similar length and do not end a sentence."""
    inner = [ln for g in groups if len(g) > 1 for ln in g[:-1]]
    if len(groups) < 3 or len(inner) < 5:
        return False
    lengths = sorted(len(ln) for ln in inner)
    longest = lengths[int(len(lengths) * 0.9)]
    if longest > 100 or sum(1 for n in lengths if n >= 0.6 * longest) < 0.8 * len(lengths):
        return False
    unended = sum(1 for ln in inner if not re.search(r"[.!?\"”’:;)\]…。！？」』]$", ln))
    return unended >= 0.5 * len(inner)

