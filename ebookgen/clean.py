"""The cleaning engine: Source -> Cleaned. Applies the rule sets line by line, takes the
header apart, removes site addresses spliced into sentences, and logs every removal.

When in doubt a line is kept: removing a story sentence is worse than leaving a watermark."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ebookgen.boilerplate import DOMAIN, EDGE_LINES, Boilerplate, edge_key
from ebookgen.fold import fold, line_key, squash
from ebookgen.headers import Header, header_from_filename, parse_header
from ebookgen.model import SCENE_BREAK, Cleaned, Removal, Source
from ebookgen.rulesets import Rules, Site
from ebookgen.textshapes import is_scene_break

# Characters XML 1.0 forbids (C0 controls but tab and newline, lone surrogates, U+FFFE/F).
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
ZERO_WIDTH_JUNK = re.compile("[\u200b\u2060\ufeff]")
# UTF-8 read as cp1252/latin-1: a lead byte followed by a continuation byte's look.
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# A line of only these is trailing junk (':. :', '|', '//'), unless it is an ellipsis.
JUNK_PUNCT_LINE = re.compile(r"[\s:;.,|/\\'`^]+")
ELLIPSIS_LINE = re.compile(r"\s*(?:(?:\.\s?){2,}|…+|。{2,})\s*")
# Delimiters sites wrap a spliced address in; they go with the address.
OPENERS, CLOSERS = "~【[(<«*|{", "~】])>»*|}"
# Words of a promotional line: with a site name and few other words, the line is junk.
PROMO = re.compile(
    r"\b(read|reading|visit|latest|chapters?|source|content|novels?|updates?|faster|find|"
    r"support|translat\w*|original|website|site|available|free|click|at|on|from|only|first|"
    r"more|www|com|net|org|for|the|this|is|of|and|please|best|experience|hosted|stolen|"
    r"published|found|full|online|novel\w*|here|to|go|by|our|official|version)\b",
    re.IGNORECASE,
)
CJK_PROMO = re.compile(r"本站|网址|地址|域名|首发|最新章节|手机版|阅读|记住|笔趣阁|无弹窗")
NOVEL_SITE_WORDS = re.compile(
    r"novel|read|book|wuxia|manga|manhua|webnovel|fic|mtl|translat|chapter|scan|lnmtl|lightn"
)
MAX_RULE_LINE = 400
MAX_BOILERPLATE_WORDS = 30  # longer lines are story: line rules are not tried on them


@dataclass(frozen=True)
class BookContext:
    """Book-level facts every chapter's cleaning depends on."""

    title: str
    boilerplate: Boilerplate


def normalise(text: str) -> str:
    """Mojibake repaired (ftfy, only on lines that show it), NFC, and characters XML
    cannot carry removed."""
    text = INVALID_XML.sub("", text)
    text = ZERO_WIDTH_JUNK.sub("", text)
    if MOJIBAKE.search(text):
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
    if not unicodedata.is_normalized("NFC", text):
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


def _residue_is_promo(rest: str) -> bool:
    """What is left of a line once its site address is gone: junk if it is only promotional
    words ('Read the latest chapters at', '本站地址：'), story otherwise."""
    if CJK_PROMO.search(rest) and len(rest) <= 60:
        return True
    words = re.findall(r"[^\W_]+", rest)
    if not words:
        return True
    if len(words) > 14:
        return False
    return sum(1 for w in words if PROMO.fullmatch(w)) >= max(1, int(len(words) * 0.6))


def _strong_obfuscation(original: str, site: Site) -> bool:
    """A bare site name counts as junk only when visibly disguised: digits or look-alike
    letters for letters, or a separator between most of its letters."""
    if not original.isascii():
        return True
    if any(ch.isdigit() for ch in original):
        return True
    separators = sum(1 for ch in original if not ch.isalnum())
    return separators >= max(2, len(site.name) - 3)


class Cleaner:
    """Cleans one chapter at a time with rules compiled once for the book."""

    def __init__(self, rules: Rules, context: BookContext):
        self.rules = rules
        self.context = context
        self.sites = list(rules.sites) + list(context.boilerplate.sites)

    # -- line level ----------------------------------------------------------------------

    def _kept_by_user(self, line: str) -> bool:
        return any(p.search(line) for p in self.rules.keep)

    def _line_rule(self, key: str) -> str | None:
        if self.rules.line_any is None or len(key) > MAX_RULE_LINE:
            return None
        if not self.rules.line_any.fullmatch(key):
            return None
        for name, rx in self.rules.line_rules:
            if rx.fullmatch(key):
                return name
        return None

    # -- inline level --------------------------------------------------------------------

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
                elif _residue_is_promo(line[: m.start()] + " " + line[m.end() :]):
                    spans.append((s, e, site.rule))
        return spans

    def _unknown_addresses(self, line: str, folded: str, taken: list) -> tuple[list, list]:
        """Addresses of sites no rule knows: removed when spliced (wrapped in '~', glued to
        the words around them) or when the name says it is a novel site; kept otherwise and
        listed as candidates ('He wrote www.example.org on the letter' is story)."""
        spans, candidates = [], []
        for m in DOMAIN.finditer(folded):
            if any(s <= m.start() < e for s, e, _ in taken):
                continue
            s, e = _expand_span(line, m.start(), m.end())
            glued = (m.start() > 0 and not line[m.start() - 1].isspace() and line[m.start() - 1] not in "\"'“‘(")
            wrapped = (s, e) != (m.start(), m.end())
            novel_site = bool(NOVEL_SITE_WORDS.search(m.group("name").lower()))
            if wrapped or glued or novel_site:
                spans.append((s, e, "spliced-address"))
            else:
                candidates.append(line[m.start() : m.end()])
        return spans, candidates

    def _boilerplate_lines(self, lines: list[str], nonempty: list[int], edge: set[int]) -> set[int]:
        """Lines at this chapter's edges that the book taught us are boilerplate. If that
        would take half the chapter, the chapter is more like its neighbours than junk is
        (short, formulaic chapters): nothing is removed."""
        learnt = self.context.boilerplate.lines
        if not learnt:
            return set()
        found = {
            i for i in edge
            if len(lines[i].split()) <= MAX_BOILERPLATE_WORDS
            and edge_key(lines[i]) in learnt
            and parse_header(lines[i], self.context.title) is None
        }
        return found if len(found) * 2 < len(nonempty) else set()

    def _drop_repeated_header(self, lines, nonempty, keep, i, header, removals) -> None:
        """The same header again as the first body line (a common scraper artefact)."""
        for j in nonempty:
            if j <= i or not keep[j]:
                continue
            again = parse_header(lines[j], self.context.title)
            same = (again is not None and again.number == header.number) or line_key(lines[j]) == line_key(lines[i])
            if not same and header.title:
                same = line_key(lines[j]).strip("*_# ") == line_key(header.title)
            if same:
                keep[j] = False
                removals.append(Removal(j + 1, lines[j].strip(), "header-repeat"))
            return

    # -- the chapter ---------------------------------------------------------------------

    def clean(self, source: Source) -> Cleaned:
        text = normalise(source.text)
        lines = text.split("\n")
        removals: list[Removal] = []
        candidates: list[Removal] = []
        keep = [True] * len(lines)
        out = list(lines)
        nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
        edge = set(nonempty[:EDGE_LINES]) | set(nonempty[-EDGE_LINES:])

        # 1. Junk lines (rules, learnt boilerplate, punctuation debris).
        boiler = self._boilerplate_lines(lines, nonempty, edge)
        for i in nonempty:
            line = lines[i]
            if self.rules.keep and self._kept_by_user(line):
                continue
            key = line_key(line)
            rule = self._line_rule(key)
            if rule is None and i in boiler:
                rule = "boilerplate"
            if rule is None and JUNK_PUNCT_LINE.fullmatch(line) and not ELLIPSIS_LINE.fullmatch(line):
                rule = "punctuation-line"
            if rule:
                keep[i] = False
                removals.append(Removal(i + 1, line.strip(), rule))

        # 2. The header: among the first lines that survive, past any site-address lines.
        header = None
        for i in [i for i in nonempty if keep[i]][:3]:
            header = parse_header(lines[i], self.context.title)
            if header is None and source.fmt == "md" and re.match(r"\s*#\s+\S", lines[i]):
                header = Header(None, lines[i].strip().lstrip("#").strip())
            if header is not None:
                keep[i] = False
                removals.append(Removal(i + 1, lines[i].strip(), "header"))
                self._drop_repeated_header(lines, nonempty, keep, i, header, removals)
                break
            if not DOMAIN.search(fold(lines[i])):
                break
        if header is None or header.number is None:
            from_name = header_from_filename(source.path.stem)
            if header is None:
                header = from_name
            elif from_name.number:
                header = Header(from_name.number, header.title)

        # 3. Inline: site addresses and user patterns inside the lines that stay.
        folded_text = fold(text)
        squashed = squash(folded_text)
        sites = [s for s in self.sites if s.canon in squashed] if squashed else []
        for i in nonempty:
            if not keep[i]:
                continue
            line = lines[i]
            if self.rules.keep and self._kept_by_user(line):
                continue
            folded = fold(line)
            spans = self._site_spans(line, folded, sites) if sites else []
            if "." in folded:
                extra, maybe = self._unknown_addresses(line, folded, spans)
                spans += extra
                candidates += [Removal(i + 1, c, "address-kept", line.strip()) for c in maybe]
            for name, rx in self.rules.inline_rules:
                spans += [(m.start(), m.end(), name) for m in rx.finditer(line) if m.end() > m.start()]
            new = line
            if spans:
                new = _cut(line, [(s, e) for s, e, _ in spans])
                for s, e, name in sorted(spans):
                    removals.append(Removal(i + 1, line[s:e].strip(), name, line.strip()))
                if not new or JUNK_PUNCT_LINE.fullmatch(new) or (
                    any(n.endswith(".site") for _, _, n in spans) and _residue_is_promo(new)
                ):
                    keep[i] = False
                    removals.append(Removal(i + 1, new or line.strip(), "address-line-residue", line.strip()))
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
        if ln is None or not ln.strip():
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append(ln.strip())
    groups = [g for g in groups if g]
    wrapped = _hard_wrapped(groups)
    blocks: list[str] = []
    for g in groups:
        units = [" ".join(g)] if wrapped else g
        for unit in units:
            if is_scene_break(unit):
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

