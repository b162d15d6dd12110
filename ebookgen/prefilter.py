"""Which lines of a chapter could a rule match at all? Found for every rule at once.

Each rule's regex is read (Python's own regex parser) for the words any match must contain
('visit' and 'comic' for `\\W*visit our comic site\\b.{0,40}`). One Aho-Corasick pass
(ahocorasick-rs, at native speed) finds all those words in the folded chapter, and a rule
is then tried only on the lines that hold one of its words. The regexes still decide: the
prefilter only skips lines a rule cannot match, so the result is the same, ~10x sooner.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable, Iterable

import ahocorasick_rs

from ebookgen.fold import fold

try:  # the parser behind re.compile; a private module, so the import is guarded
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - older or other Pythons: no prefilter, same result
    _c = _sre_parse = None

# Words so common in prose that a rule is better recognised by another of its words.
COMMON = frozenset(
    "the this that and you your with for from read reading please chapter chapters novel "
    "next more here there have what when will other another end keep join update back "
    "remember".split()
)


def required_literals(pattern: str, chars: bool = False) -> frozenset[str] | None:
    """Folded words at least one of which is in every string the pattern matches (case
    ignored), or None when the pattern promises none (it is then tried on every line).
    chars=True: single characters instead, punctuation preferred (':' for 'tl: 123456')."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
        found = _sequence(list(parsed), chars)
    except (re.error, TypeError, ValueError, AttributeError, RecursionError):
        return None
    return frozenset(found) if found else None


def _score(words: frozenset[str]) -> tuple[bool, bool, int, int]:
    """Rarer is better: words of three bytes or more, no common word, then the shortest
    word long, then fewer words."""
    shortest = min(len(w.encode("utf-8")) for w in words)
    return (shortest >= 3, not (words & COMMON), shortest, -len(words))


def _char_score(chars: frozenset[str]) -> tuple[bool, int]:
    """Punctuation is rarer in prose than letters; fewer characters are rarer than more."""
    return (not any(c.isalnum() for c in chars), -len(chars))


def _sequence(items: list, chars: bool = False) -> frozenset[str] | None:
    """The best (rarest) requirement among the parts a sequence must match in turn."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        text = fold("".join(run))
        candidates.extend(frozenset([c]) for c in set(text) if not c.isspace()) if chars else candidates.extend(
            frozenset([word]) for word in text.split()
        )
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av).lower())
            continue
        flush()
        if op is _c.SUBPATTERN:
            sub = _sequence(list(av[3]), chars)
        elif op is _c.ATOMIC_GROUP:
            sub = _sequence(list(av), chars)
        elif op is _c.BRANCH:
            branches = [_sequence(list(b), chars) for b in av[1]]
            sub = None if any(b is None for b in branches) else frozenset().union(*branches)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            sub = _sequence(list(av[2]), chars) if av[0] >= 1 else None
        elif op is _c.ASSERT and av[0] == 1:  # a lookahead must match too, within the line
            sub = _sequence(list(av[1]), chars)
        elif op is _c.IN and chars and len(av) <= 4 and all(o is _c.LITERAL for o, _ in av):
            sub = frozenset(fold(chr(v).lower()) for _, v in av)  # '[:|]'
        else:  # character classes, anchors, lookbehinds, negative lookaheads
            sub = None
        if sub:
            candidates.append(sub)
    flush()
    return max(candidates, key=_char_score if chars else _score, default=None)


class LineFilter:
    """Rules (under any hashable key), each with the words one of which a line must hold for
    the rule to be tried on it. Rules whose words are too short to tell lines apart ('ed',
    'tl') or that have none are in `always`: tried on every line."""

    def __init__(self, rules: Iterable[tuple[Hashable, str]], shortest: int = 3):
        self.always: set[Hashable] = set()
        words: dict[str, set[Hashable]] = {}
        for key, pattern in rules:
            literals = required_literals(pattern)
            if literals is None or min(len(w.encode("utf-8")) for w in literals) < shortest:
                self.always.add(key)
                continue
            for w in literals:
                words.setdefault(w, set()).add(key)
        self.words = sorted(words)
        self.rules_of = [frozenset(words[w]) for w in self.words]
        # Searched in the UTF-8 bytes: no offsets to translate back to characters.
        self.automaton = ahocorasick_rs.BytesAhoCorasick([w.encode("utf-8") for w in self.words], implementation=ahocorasick_rs.Implementation.DFA) if self.words else None

    def candidates(self, folded_utf8: bytes, line_starts: list[int]) -> dict[int, set[Hashable]]:
        """{line index: keys of the rules (beyond `always`) worth trying on it} for a folded
        chapter in UTF-8 whose lines start at `line_starts` (byte offsets)."""
        found: dict[int, set[Hashable]] = {}
        if self.automaton is None:
            return found
        for index, start, _ in self.automaton.find_matches_as_indexes(folded_utf8, overlapping=True):
            line = bisect.bisect_right(line_starts, start) - 1
            found.setdefault(line, set()).update(self.rules_of[index])
        return found
