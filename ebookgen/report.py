"""The cleaning report: one HTML page showing, per chapter, what was removed and why, so a
reader can check a 3,000-chapter book in a minute. Also the text form `ebookgen clean` prints."""

from __future__ import annotations

import html
import os
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

from ebookgen.boilerplate import Boilerplate
from ebookgen.model import Book, Cleaned, Removal
from ebookgen.render import chapter_label


def rule_counts(cleaned: list[Cleaned]) -> Counter:
    return Counter(r.rule for c in cleaned for r in c.removals)


def _highlight(r: Removal) -> str:
    """The removed span marked inside its line, or the whole removed line struck through."""
    if r.context and r.text and r.text in r.context and r.rule != "address-line-residue":
        before, _, after = r.context.partition(r.text)
        return (
            f"{html.escape(before)}<mark title=\"{html.escape(r.rule)}\">{html.escape(r.text)}</mark>"
            f"{html.escape(after)}"
        )
    return f'<del title="{html.escape(r.rule)}">{html.escape(r.context or r.text)}</del>'


def render_report(book: Book, cleaned: list[Cleaned], boiler: Boilerplate) -> str:
    counts = rule_counts(cleaned)
    css = resources.files("ebookgen.templates").joinpath("report.css").read_text(encoding="utf-8")
    total = sum(counts.values())
    rows = "\n".join(
        f"<tr><td><code>{html.escape(rule)}</code></td><td>{n}</td></tr>" for rule, n in counts.most_common()
    )
    chapters = []
    for c in cleaned:
        label = chapter_label(c.number, c.title, c.source.path.stem)
        warn = "".join(f'<p class="warning">{html.escape(w)}</p>' for w in c.warnings)
        items = "\n".join(
            f'<li><span class="line">{r.line}</span> <code class="rule">{html.escape(r.rule)}</code> '
            f"{_highlight(r)}</li>"
            for r in c.removals
        )
        kept = "\n".join(
            f'<li class="candidate"><span class="line">{r.line}</span> <code class="rule">kept: '
            f"{html.escape(r.rule)}</code> {html.escape(r.context or r.text)}</li>"
            for r in c.candidates
        )
        chapters.append(
            f'<section class="chapter"><h2>{html.escape(label)} '
            f'<small>{html.escape(c.source.rel)} · number {html.escape(c.number or "none")} · '
            f'title {html.escape(c.title or "none")} · {len(c.removals)} removed</small></h2>'
            f"{warn}<ul>{items}{kept}</ul></section>"
        )
    candidates = "\n".join(
        f"<li><code>{html.escape(k)}</code> at the edge of {n} chapters</li>" for k, n in boiler.candidates[:50]
    )
    learnt = ", ".join(html.escape(s.name) for s in boiler.sites) or "none"
    return f"""<!DOCTYPE html>
<html lang="{html.escape(book.language)}">
<head><meta charset="utf-8"/><title>Cleaning report: {html.escape(book.title)}</title>
<style>{css}</style></head>
<body>
<h1>Cleaning report: {html.escape(book.title)}</h1>
<p class="summary">{len(cleaned)} chapters, {total} removals. Learnt boilerplate lines:
{len(boiler.lines)}; learnt site names: {learnt}.</p>
<h2>Removals by rule</h2>
<table><thead><tr><th scope="col">rule</th><th scope="col">removals</th></tr></thead><tbody>{rows}</tbody></table>
<h2>Candidates kept</h2>
<p>Lines that recur at chapter edges but were kept: add a rule under <code>clean:</code> in
book.yaml to remove them.</p>
<ul>{candidates or "<li>none</li>"}</ul>
<h2>Chapters</h2>
{''.join(chapters)}
</body></html>
"""


def write_report(book: Book, cleaned: list[Cleaned], boiler: Boilerplate, path: Path) -> Path:
    data = render_report(book, cleaned, boiler).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def text_report(cleaned: list[Cleaned], boiler: Boilerplate) -> str:
    """What `ebookgen clean` prints: per chapter, every removal and its rule; then totals."""
    out = []
    for c in cleaned:
        label = chapter_label(c.number, c.title, c.source.path.stem)
        out.append(f"{c.source.rel}: {label} ({len(c.removals)} removed)")
        for r in c.removals:
            shown = r.text if len(r.text) <= 100 else r.text[:97] + "..."
            out.append(f"  {r.line:>5}  {r.rule:<28} {shown}")
        for r in c.candidates:
            out.append(f"  {r.line:>5}  {'kept (candidate)':<28} {r.text}")
        for w in c.warnings:
            out.append(f"  warning: {w}")
    counts = rule_counts(cleaned)
    out.append("")
    out.append(f"{sum(counts.values())} removals in {len(cleaned)} chapters:")
    for rule, n in counts.most_common():
        out.append(f"  {n:>6}  {rule}")
    if boiler.candidates:
        out.append("candidates kept (recur at chapter edges; add a clean: rule to remove):")
        for k, n in boiler.candidates[:20]:
            out.append(f"  {n:>6}  {k}")
    return "\n".join(out)
