"""The cleaner's prefilter (ebookgen/prefilter.py) only ever skips work: a rule is tried on a
line unless the line cannot match it. Shown three ways: the words it derives are in every
string a pattern matches (Hypothesis), in every example junk line of the rule files, and a
whole dirty book cleans to exactly the same result with the prefilter switched off."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.dirtybook import make_book

import ebookgen.prefilter as prefilter
from ebookgen.boilerplate import detect, signature
from ebookgen.clean import BookContext, Cleaner
from ebookgen.config import load_book
from ebookgen.fold import fold, key_of_folded, squash
from ebookgen.model import CleanOptions
from ebookgen.rulesets import builtin_rule_sets, compile_rules
from ebookgen.sources import discover, read_source

RULES = compile_rules(CleanOptions())
LINE_AND_EDGE = [(name, rx.pattern) for name, rx in RULES.line_rules + RULES.edge_rules]
# Hypothesis generates from patterns without lookarounds (it can only filter for those).
GENERABLE = [(n, p) for n, p in LINE_AND_EDGE if not re.search(r"\(\?<?[=!]", p)]


def test_words_are_derived_from_a_pattern():
    assert prefilter.required_literals(r"\W*visit our comic site\b.{0,40}") in ({"visit"}, {"comic"})
    assert prefilter.required_literals(r"(?:prev|next) chapter") in ({"prev", "next"}, {"chapter"})
    assert prefilter.required_literals(r"[.:;|\s]*[:|][.:;|\s]*") is None
    assert prefilter.required_literals(r"[.:;|\s]*[:|][.:;|\s]*", chars=True) == {":", "|"}
    assert prefilter.required_literals(r"(?:foo)?bar") == {"bar"}  # optional parts promise nothing
    assert prefilter.required_literals(r"x(?=.*\bamazon\b)") == {"amazon"}  # a lookahead must match too
    assert prefilter.required_literals("(unclosed") is None


def test_built_in_rules_mostly_get_words():
    """Most rules must be skippable, or the prefilter buys nothing."""
    with_words = [n for n, p in LINE_AND_EDGE if prefilter.required_literals(p)]
    assert len(with_words) >= 0.9 * len(LINE_AND_EDGE)


@pytest.mark.parametrize("name,pattern", GENERABLE, ids=[n for n, _ in GENERABLE])
# derandomize: the same examples every run
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_string_a_rule_matches_holds_one_of_its_words(name, pattern, data):
    words = prefilter.required_literals(pattern)
    if words is None:
        return
    try:
        text = data.draw(st.from_regex(re.compile(pattern, re.IGNORECASE), fullmatch=True))
    except Exception:  # a construct Hypothesis cannot generate from (lookbehinds ...)
        pytest.skip("Hypothesis cannot generate strings for this pattern")
    # Folding is one character for one, and folds a character and its lower case alike: a
    # word the pattern matched (case ignored) is in the folded text. No regex is run here.
    folded = fold(text)
    assert any(w in folded for w in words), (text, words)


def test_every_example_junk_line_is_flagged_for_the_rule_that_removes_it():
    cleaner = Cleaner(RULES, BookContext("", detect([])))
    line_filter = cleaner.line_filter
    checked = 0
    for set_name, rule_set in builtin_rule_sets().items():
        for example in rule_set.examples:
            folded = fold(example)
            key = key_of_folded(folded)
            hits = line_filter.candidates(folded.encode(), [0]).get(0, set())
            for name, rx in RULES.line_rules + RULES.edge_rules:
                kind = "edge" if (name, rx) in RULES.edge_rules else "line"
                if not rx.fullmatch(key):
                    continue
                if name in cleaner.gated_needles:  # needles: tried on lines that hold one
                    if name.startswith(set_name + "."):  # (another file's junk is that file's)
                        assert any(n in squash(folded) for n in cleaner.gated_needles[name]), (example, name)
                elif (kind, name) not in line_filter.always:
                    assert (kind, name) in hits, (example, name)
                checked += 1
    assert checked >= 50


def test_a_dirty_book_cleans_the_same_with_the_prefilter_off(tmp_path, monkeypatch):
    make_book(tmp_path / "book", chapters=80, seed=11, fmt="txt", encodings=True)
    book = load_book(tmp_path / "book")
    sources = [read_source(p, book.chapters_dir) for p in discover(book)]
    context = BookContext(book.title, detect([signature(s.text) for s in sources]))
    fast = Cleaner(RULES, context)
    monkeypatch.setattr(prefilter, "required_literals", lambda pattern, chars=False: None)
    slow = Cleaner(RULES, context)
    assert slow.line_filter.automaton is None  # every rule on every line
    removed = 0
    for source in sources:
        expected = slow.clean(source)
        assert fast.clean(source) == expected, source.rel
        removed += len(expected.removals)
    assert removed > 100  # the book was dirty: the comparison covered real removals
