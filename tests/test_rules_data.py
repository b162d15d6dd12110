"""The built-in rule files prove themselves: every `examples` line is removed, every `spliced`
pair gives its clean sentence, every `keep` line survives, all through the real Cleaner with
every built-in set loaded (so no file's rules eat another file's story lines)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml
from conftest import BOOKS, STORY

from ebookgen.boilerplate import Boilerplate
from ebookgen.clean import BookContext, Cleaner
from ebookgen.fold import line_key
from ebookgen.model import SCENE_BREAK, CleanOptions, Source
from ebookgen.rulesets import TLD_WORDS, builtin_rule_sets, compile_rules, word_alternation
from ebookgen.textshapes import is_scene_break

RULES = compile_rules(CleanOptions())


def rule_files() -> list[tuple[str, dict]]:
    out = []
    for entry in sorted(resources.files("ebookgen.rules").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out.append((entry.name, yaml.safe_load(entry.read_text(encoding="utf-8")) or {}))
    return out


FILES = rule_files()


def cases(kind: str) -> list:
    found = []
    for name, data in FILES:
        for i, item in enumerate(data.get(kind) or ()):
            found.append(pytest.param(item, id=f"{name}:{kind}[{i}]"))
    return found


def clean_body(lines: list[str], title: str = "Test Book") -> list[str]:
    """Run one chapter (a header, then `lines`) through the real Cleaner; its paragraphs."""
    text = "Chapter 1: The Start\n" + "\n".join(lines) + "\n"
    source = Source(Path("Chapter 1.txt"), "Chapter 1.txt", text, "utf-8", "txt", (), "0")
    cleaned = Cleaner(RULES, BookContext(title, Boilerplate())).clean(source)
    return list(cleaned.blocks)


def with_line(line: str, where: str) -> list[str]:
    """The story with `line` put in: in the middle, or second-to-last (a chapter's tail,
    where edge-only rules apply too)."""
    at = {"middle": len(STORY) // 2, "tail": len(STORY) - 1, "head": 0}[where]
    return STORY[:at] + [line] + STORY[at:]


def test_every_rule_file_is_well_formed():
    assert len(FILES) >= 15
    sets = builtin_rule_sets()
    for name, data in FILES:
        assert data.get("name") == name[:-5], name
        assert (data.get("description") or "").strip(), name
        assert set(data) <= {"name", "description", "sites", "lines", "edge_lines", "inline", "examples", "spliced", "keep", "addresses"}, name
        for key in ("lines", "edge_lines", "inline", "addresses"):
            for rule, rx in (data.get(key) or {}).items():
                if isinstance(rx, dict):  # {pattern, needles}: needles are plain names
                    assert set(rx) == {"pattern", "needles"} and all(n.isalnum() for n in rx["needles"]), rule
                    rx = rx["pattern"]
                re.compile(rx, re.IGNORECASE)  # raises on a bad pattern
                assert re.fullmatch(r"[a-z0-9_]+", rule), f"{name}: rule name {rule!r}"
        assert name[:-5] in sets
    # A contributor's file must prove itself: at least a few examples and keeps overall.
    assert sum(len(d.get("examples") or ()) for _, d in FILES) >= 100
    assert sum(len(d.get("keep") or ()) for _, d in FILES) >= 40


@pytest.mark.parametrize("example", cases("examples"))
def test_example_line_is_removed(example):
    for where in ("middle", "tail"):
        body = clean_body(with_line(example, where))
        if where == "middle" and body != STORY:
            # edge-only rules (credits, 'thanks for reading') are allowed to act only at the
            # chapter's ends; they must still act there.
            assert any(rx.fullmatch(line_key(example)) for _, rx in RULES.edge_rules), body
            continue
        assert body == STORY, f"{where}: {example!r} left {[b for b in body if b not in STORY]}"


@pytest.mark.parametrize("pair", cases("spliced"))
def test_spliced_address_is_cut_and_the_sentence_kept(pair):
    dirty, clean = pair
    assert clean_body(with_line(dirty, "middle")) == with_line(clean, "middle")


@pytest.mark.parametrize("line", cases("keep"))
def test_keep_line_survives_untouched(line):
    if is_scene_break(line):  # kept as a break, which means nothing at a chapter's start
        assert clean_body(with_line(line, "middle")) == with_line(SCENE_BREAK, "middle")
        return
    for where in ("middle", "tail", "head"):
        assert clean_body(with_line(line, where)) == with_line(line, where), f"{where}: {line!r}"


def test_no_rule_matches_a_line_of_a_clean_book():
    """The clean truth of the sample book: no line or edge rule of any file matches any of
    its paragraphs (a rule that did would delete story)."""
    truth = json.loads((BOOKS / "sample.truth.json").read_text(encoding="utf-8"))
    paragraphs = {p for ch in truth for p in ch["body"] if p != "* * *"}
    assert len(paragraphs) > 100
    for p in paragraphs:
        key = line_key(p)
        hits = [rule for rule, rx in RULES.line_rules + RULES.edge_rules if rx.fullmatch(key)]
        assert not hits, f"{hits} match story line {p!r}"


def test_site_names_are_plain_domains():
    for name, data in FILES:
        for domain in data.get("sites") or ():
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain), f"{name}: {domain!r}"


@pytest.mark.parametrize("words", [TLD_WORDS, ["co", "com", "cc"], ["a", "ab", "abc", "b"], ["x"], ["", "a"]])
def test_word_alternation_matches_exactly_its_words(words):
    """The factored alternation behind every address pattern: each word, and no other
    string over the words' letters (prefixes, extensions and mixes are refused)."""
    rx = re.compile(word_alternation(words))
    letters = sorted({c for w in words for c in w} | {"z"})
    others = {a + b for a in letters for b in letters} | {w + c for w in words for c in letters} | {w[:-1] for w in words}
    for text in set(words) | others:
        assert bool(rx.fullmatch(text)) == (text in words), text
