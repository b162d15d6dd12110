"""Book-level checks for the summary: gaps in the numbering, numbers used twice, the same
text saved twice under two names."""

from __future__ import annotations

import re
from collections import defaultdict

from ebookgen.model import Cleaned

MAX_LISTED = 20


def chapter_span(number: str | None) -> tuple[int, int] | None:
    """The whole chapter numbers a header covers: '12' -> (12, 12); a range '12-13' ->
    (12, 13); a part '12-2' -> (12, 12). None for '12.5' and no number (no gap check)."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", number or "")
    if m is None:
        return None
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    return (first, last) if last > first else (first, first)


def numbering_warnings(cleaned: list[Cleaned]) -> list[str]:
    """'chapter 331 is missing (between 330 and 332)'; 'chapter 12 twice: a.txt, b.txt'."""
    warnings: list[str] = []
    by_number: dict[tuple, list[str]] = defaultdict(list)
    for c in cleaned:
        if c.number is not None:
            by_number[(c.source.volume, c.number)].append(c.source.rel)
    for (_, number), files in by_number.items():
        if len(files) > 1:
            warnings.append(f"chapter {number} appears {len(files)} times: {', '.join(files)}")
    previous: dict[tuple, tuple[int, str]] = {}
    gaps = []
    for c in cleaned:
        span = chapter_span(c.number)
        if span is None:
            continue
        first, n = span
        last = previous.get(c.source.volume)
        if last is not None and first > last[0] + 1:
            missing = (
                f"chapter {last[0] + 1} is missing" if first == last[0] + 2
                else f"chapters {last[0] + 1}-{first - 1} are missing"
            )
            gaps.append(f"{missing} (between {last[1]} and {c.source.rel})")
        if last is None or n > last[0]:
            previous[c.source.volume] = (n, c.source.rel)
    if len(gaps) > MAX_LISTED:
        gaps = gaps[:MAX_LISTED] + [f"... and {len(gaps) - MAX_LISTED} more gaps"]
    return warnings + gaps


def duplicate_text_warnings(rels: list[str], body_digests: list[str]) -> list[str]:
    """A chapter saved twice under two names: the same cleaned text (by digest)."""
    seen: dict[str, str] = {}
    warnings = []
    for rel, digest in zip(rels, body_digests, strict=True):
        if not digest:
            continue
        if digest in seen:
            warnings.append(f"same text twice: {seen[digest]} and {rel}")
        else:
            seen[digest] = rel
    return warnings
