"""The built-in rule sets (ebookgen/rules/*.yaml, one per site family) and the user's own,
compiled into the matchers the cleaner uses."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources

import yaml

from ebookgen.fold import canon_name, fold, line_key, squash
from ebookgen.model import CleanOptions

RULES_PACKAGE = "ebookgen.rules"
# Part of every rules fingerprint (and so of every cached chapter's key): bump it when the
# cleaning code changes what it removes, so no cached chapter outlives the change.
CLEANER_VERSION = "12"

# Between the letters of an obfuscated name: nothing, or a short run of separators
# ("n.o.v.e.l", "novel buddy", "n-o-v-e-l", zero-width spaces).
_SEP = r"[\s.\-_*~/\\|,'`^\u200b]{0,2}"
# Digits and symbols seen standing in for letters.
_LETTER_CLASS = {
    "o": "[o0]", "l": "[l1i!|]", "i": "[i1l!|]", "e": "[e3]", "a": "[a4@]", "s": "[s5$]",
    "t": "[t7]", "b": "[b8]", "g": "[g9]",
}
TLD_WORDS = (
    "com net org io co info xyz me cc site online club top vip tv us uk ru cn biz app so to ws"
    " live space fun world link pro lol asia one win today blog page website store icu cloud in"
).split()


def word_alternation(words: list[str]) -> str:
    """A regex group matching exactly these words, factored by their letters like a trie
    ('c(?:c|lub|o(?:m)?)'): the regex engine drops a non-match at its first letter instead of
    trying every word, which makes each '.' in a chapter cheap for the address patterns."""
    groups: dict[str, list[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(first) + word_alternation(rest) for first, rest in sorted(groups.items())]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in words else body


TLDS = "(?:" + word_alternation(TLD_WORDS) + ")"
# A dot, however written: '.', '(.)', '[.]', '{.}', '(dot)', ' dot '.
_DOT = r"(?:\s{0,2}(?:\.|\(\s?\.\s?\)|\[\s?\.\s?\]|\{\s?\.\s?\}|\(dot\)|\[dot\]|\{dot\}|\sdot\s)\s{0,2})"


def _letters(name: str) -> str:
    return _SEP.join(_LETTER_CLASS.get(ch, re.escape(ch)) for ch in name)


# The three common top-level domains also spelt out with spaces ('s t o r y . c o m').
_TLD = r"(?:c\s?[o0]\s?m|n\s?[e3]\s?t|[o0]\s?r\s?g|" + word_alternation([w for w in TLD_WORDS if w not in ("com", "net", "org")]) + ")"
_PREFIX = r"(?:h\s?t\s?t\s?p\s?s?\s?:\s?/\s?/\s?)?(?:w\s?w\s?w" + _DOT + ")?"


@dataclass(frozen=True)
class Site:
    """A site whose address is junk wherever it appears, however it is disguised.
    Its patterns are compiled on first use: most books meet one or two sites of the ~90."""

    rule: str  # "novelbuddy.site"
    name: str  # "novelbuddy"
    canon: str  # squashed form for prefiltering

    @property
    def full(self) -> re.Pattern:
        """www/scheme + name + TLD, obfuscated forms included."""
        return _site_patterns(self.name)[0]

    @property
    def bare(self) -> re.Pattern:
        """The name alone: only removed with other evidence (see clean.py)."""
        return _site_patterns(self.name)[1]


@functools.cache
def _site_patterns(name: str) -> tuple[re.Pattern, re.Pattern]:
    """Matched against folded text only, which is lower case: so case is not ignored, which
    makes these long patterns several times quicker to compile."""
    letters = _letters(name.lower())
    return (
        re.compile(r"(?<![a-z0-9])" + _PREFIX + letters + _DOT + _TLD + r"(?![a-z0-9])"),
        re.compile(r"(?<![a-z0-9])(?:w\s?w\s?w" + _DOT + ")?" + letters + r"(?![a-z0-9])"),
    )


def site_matcher(rule: str, domain: str) -> Site:
    name = re.sub(r"^(https?://)?(www\.)?", "", domain.strip().lower()).split("/")[0]
    base = name.split(".")[0]
    return Site(rule=rule, name=base, canon=canon_name(base))


@dataclass(frozen=True)
class RuleSet:
    name: str
    description: str
    sites: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]  # (rule name, regex)
    inline: tuple[tuple[str, str], ...]
    edge: tuple[tuple[str, str], ...] = ()  # like `lines`, only among a chapter's first/last lines
    addresses: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (rule, regex, needles)
    line_needles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # line rules that have needles
    inline_needles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    examples: tuple[str, ...] = ()
    spliced: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def builtin_rule_sets() -> dict[str, RuleSet]:
    sets = {}
    for entry in sorted(resources.files(RULES_PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        # libyaml's loader when PyYAML has it: the rule files are read on every build.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=loader) or {}
        name = data.get("name") or entry.name[:-5]
        sets[name] = RuleSet(
            name=name,
            description=data.get("description", ""),
            sites=tuple(data.get("sites") or ()),
            lines=tuple((f"{name}.{k}", _pattern(v)) for k, v in (data.get("lines") or {}).items()),
            line_needles=tuple(
                (f"{name}.{k}", _needles(v)) for k, v in (data.get("lines") or {}).items() if _needles(v)
            ),
            inline=tuple((f"{name}.{k}", _pattern(v)) for k, v in (data.get("inline") or {}).items()),
            inline_needles=tuple(
                (f"{name}.{k}", _needles(v)) for k, v in (data.get("inline") or {}).items() if _needles(v)
            ),
            edge=tuple((f"{name}.{k}", v) for k, v in (data.get("edge_lines") or {}).items()),
            addresses=tuple(_address(name, k, v) for k, v in (data.get("addresses") or {}).items()),
            examples=tuple(data.get("examples") or ()),
            spliced=tuple(tuple(p) for p in (data.get("spliced") or ())),
            keep=tuple(data.get("keep") or ()),
        )
    return sets


def _pattern(value) -> str:
    return value["pattern"] if isinstance(value, dict) else value


def _needles(value) -> tuple[str, ...]:
    """A rule is a regex, or {pattern: regex, needles: [names]}: a chapter whose squashed
    text (fold.squash) holds none of the needles is not searched with that (slow) regex."""
    return tuple(canon_name(n) for n in value.get("needles") or ()) if isinstance(value, dict) else ()


def _address(set_name: str, key: str, value) -> tuple[str, str, tuple[str, ...]]:
    return f"{set_name}.{key}", _pattern(value), _needles(value)


def _site_gated(rs: RuleSet, already: dict) -> dict[str, tuple[str, ...]]:
    """Line rules of a site's file that only ever match lines naming the site (judged on the
    file's own examples) are only tried on chapters whose text names the site: most
    chapters meet one or two sites of the ~90, so most rules cost nothing."""
    canons = tuple(sorted({canon_name(d.split(".")[0]) for d in rs.sites}))
    if not canons:
        return {}
    squashed = [squash(fold(ex)) for ex in rs.examples]
    keys = [line_key(ex) for ex in rs.examples]
    out = {}
    for name, pattern in rs.lines:
        if name in already:
            continue
        rx = re.compile(pattern, re.IGNORECASE)
        matched = [sq for sq, key in zip(squashed, keys, strict=True) if rx.fullmatch(key)]
        if matched and all(any(c in sq for c in canons) for sq in matched):
            out[name] = canons
    return out


def builtin_names() -> list[str]:
    return list(builtin_rule_sets())


@dataclass
class Rules:
    """Everything the cleaner matches with, compiled once per build."""

    line_rules: list[tuple[str, re.Pattern]]
    user_lines: list[tuple[str, re.Pattern]]  # book.yaml remove_lines: searched, case as written
    gated_lines: list[tuple[str, re.Pattern, tuple[str, ...]]]  # line rules with needles
    edge_rules: list[tuple[str, re.Pattern]]  # only tried on a chapter's edge lines
    address_rules: list[tuple[str, re.Pattern, tuple[str, ...]]]  # (rule, regex, needles)
    inline_needles: dict[str, tuple[str, ...]]  # inline rules only tried when a needle is there
    inline_rules: list[tuple[str, re.Pattern]]
    replacements: list[tuple[str, re.Pattern, str]]
    keep: list[re.Pattern]
    sites: list[Site]
    fingerprint: str
    set_names: tuple[str, ...] = field(default=())

    @property
    def known_sites(self) -> frozenset[str]:
        """The canonical names of the sites these rules remove (boilerplate.detect skips them)."""
        return frozenset(s.canon for s in self.sites)


def compile_rules(options: CleanOptions) -> Rules:
    sets = builtin_rule_sets()
    chosen = list(sets) if options.rule_sets is None else list(options.rule_sets)
    line_rules: list[tuple[str, re.Pattern]] = []
    edge_rules: list[tuple[str, re.Pattern]] = []
    address_rules: list[tuple[str, re.Pattern, tuple[str, ...]]] = []
    inline_rules: list[tuple[str, re.Pattern]] = []
    sites: list[Site] = []
    seen_sites: set[str] = set()
    for name in chosen:
        rs = sets[name]
        line_rules += [(rule, re.compile(rx, re.IGNORECASE)) for rule, rx in rs.lines]
        inline_rules += [(rule, re.compile(rx, re.IGNORECASE)) for rule, rx in rs.inline]
        edge_rules += [(rule, re.compile(rx, re.IGNORECASE)) for rule, rx in rs.edge]
        address_rules += [(rule, re.compile(rx, re.IGNORECASE), needles) for rule, rx, needles in rs.addresses]
        for domain in rs.sites:
            site = site_matcher(f"{name}.site", domain)
            if site.name not in seen_sites:
                seen_sites.add(site.name)
                sites.append(site)
    # The user's own line patterns are searched in the line as written (like grep), not
    # full-matched against the folded form the built-in rules use.
    user_lines = [(f"book.yaml:{line}", re.compile(pattern)) for pattern, line in options.remove_lines]
    for pattern, line in options.remove_inline:
        inline_rules.append((f"book.yaml:{line}", re.compile(pattern)))
    replacements = [(f"book.yaml:{line}", re.compile(p), repl) for p, repl, line in options.replace]
    keep = [re.compile(p) for p, _ in options.keep]
    gated_names = {name: needles for n in chosen for name, needles in sets[n].line_needles}
    for n in chosen:
        gated_names.update(_site_gated(sets[n], gated_names))
    gated_lines = [(name, rx, gated_names[name]) for name, rx in line_rules if name in gated_names]
    digest = hashlib.sha256()
    for part in (
        [CLEANER_VERSION] + [f"{r}|{rx.pattern}" for r, rx in user_lines]
        + [r for r, _ in line_rules] + [f"{r}|{rx.pattern}" for r, rx in edge_rules] + [f"{r}|{n}" for r, _, n in gated_lines] + [f"{r}|{rx.pattern}|{n}" for r, rx, n in address_rules] + [rx.pattern for _, rx in line_rules]
        + [rx.pattern for _, rx in inline_rules] + [s.name for s in sites]
        + [f"{r}|{p.pattern}|{s}" for r, p, s in replacements] + [k.pattern for k in keep]
        + [str(options.detect_boilerplate)]
    ):
        digest.update(part.encode() + b"\x00")
    return Rules(
        line_rules=line_rules,
        user_lines=user_lines,
        gated_lines=gated_lines,
        edge_rules=edge_rules,
        address_rules=address_rules,
        inline_needles={name: needles for n in chosen for name, needles in sets[n].inline_needles},
        inline_rules=inline_rules,
        replacements=replacements,
        keep=keep,
        sites=sites,
        fingerprint=digest.hexdigest(),
        set_names=tuple(chosen),
    )
