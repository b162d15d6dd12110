"""The cleaning report: one HTML page showing, per chapter, what was removed and why, so a
reader can check a 3,000-chapter book in a minute. Also the text form `ebookgen clean` prints."""

from __future__ import annotations

import html
from collections import Counter
from importlib import resources
from pathlib import Path

from ebookgen.atomic import atomic_write
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


_FILTER_SCRIPT = """
(function () {
  var box = document.getElementById("filter"), only = document.getElementById("only-warnings");
  var chapters = Array.prototype.slice.call(document.querySelectorAll("details.chapter"));
  var shown = document.getElementById("shown");
  function apply() {
    var q = box.value.trim().toLowerCase(), n = 0;
    chapters.forEach(function (c) {
      var hit = (!q || c.getAttribute("data-search").indexOf(q) >= 0) &&
                (!only.checked || c.hasAttribute("data-warning"));
      c.hidden = !hit;
      if (hit) { n++; }
    });
    shown.textContent = n + " of " + chapters.length + " chapters shown";
  }
  box.addEventListener("input", apply);
  only.addEventListener("change", apply);
  function fromHash() {
    var m = /[#&]filter=([^&]*)/.exec(location.hash);
    if (m) { box.value = decodeURIComponent(m[1]); }
    apply();
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


def _chapter_section(c: Cleaned, index: int) -> str:
    label = chapter_label(c.number, c.title, c.source.path.stem)
    rules = sorted({r.rule for r in c.removals})
    search = " ".join([c.source.rel, label, *rules, *("warning " + w for w in c.warnings)]).lower()
    flags = ""
    if c.warnings or (c.number is None and c.title is None):
        flags = " data-warning=\"\""
    warn = "".join(f'<p class="warning">{html.escape(w)}</p>' for w in c.warnings)
    items = "\n".join(
        f'<li><span class="line">{r.line}</span> <code class="rule">{html.escape(r.rule)}</code> {_highlight(r)}</li>'
        for r in c.removals
    )
    kept = "\n".join(
        f'<li class="candidate"><span class="line">{r.line}</span> <code class="rule">kept: '
        f"{html.escape(r.rule)}</code> {html.escape(r.context or r.text)}</li>"
        for r in c.candidates
    )
    listing = f"<ul>{items}{kept}</ul>" if items or kept else '<p class="none">nothing removed</p>'
    badge = f' <span class="badge">{len(c.warnings)} warning{"s" if len(c.warnings) != 1 else ""}</span>' if c.warnings else ""
    return (
        f'<details class="chapter" id="c{index}" data-search="{html.escape(search)}"{flags}>'
        f"<summary><strong>{html.escape(label)}</strong> <small>{html.escape(c.source.rel)} · number "
        f'{html.escape(c.number or "none")} · title {html.escape(c.title or "none")} · '
        f"{len(c.removals)} removed</small>{badge}</summary>{warn}{listing}</details>"
    )


def render_report(book: Book, cleaned: list[Cleaned], boiler: Boilerplate) -> str:
    """One self-contained page (inline CSS and a small inline script, nothing fetched): the
    totals first, then one collapsed section per chapter, and a filter to find a rule, a
    file or the chapters with warnings among thousands."""
    counts = rule_counts(cleaned)
    css = resources.files("ebookgen.templates").joinpath("report.css").read_text(encoding="utf-8")
    total = sum(counts.values())
    chapters_per_rule = Counter(rule for c in cleaned for rule in {r.rule for r in c.removals})
    rows = "\n".join(
        f'<tr><td><a href="#filter={html.escape(rule)}" class="rule-link"><code>{html.escape(rule)}</code></a></td>'
        f"<td>{n}</td><td>{chapters_per_rule[rule]}</td></tr>"
        for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    warned = sum(1 for c in cleaned if c.warnings)
    untitled = sum(1 for c in cleaned if c.number is None and c.title is None)
    candidates = "\n".join(
        f"<li><code>{html.escape(k)}</code> at the edge of {n} chapters</li>" for k, n in boiler.candidates[:50]
    )
    kept_inline = sum(len(c.candidates) for c in cleaned)
    learnt = ", ".join(html.escape(s.name) for s in boiler.sites) or "none"
    sections = "\n".join(_chapter_section(c, i) for i, c in enumerate(cleaned, 1))
    return f"""<!DOCTYPE html>
<html lang="{html.escape(book.language)}">
<head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Cleaning report: {html.escape(book.title)}</title>
<style>{css}</style></head>
<body>
<header>
<h1>Cleaning report: {html.escape(book.title)}</h1>
<p class="summary">{len(cleaned)} chapters, {total} removals. Chapters with warnings: {warned};
without number or title: {untitled}. Learnt boilerplate lines: {len(boiler.lines)}; learnt site
names: {learnt}. Addresses kept in the text (candidates): {kept_inline}.</p>
</header>
<main>
<h2 id="rules">Removals by rule</h2>
<table><thead><tr><th scope="col">rule</th><th scope="col">removals</th><th scope="col">chapters</th></tr></thead>
<tbody>{rows or '<tr><td colspan="3">none</td></tr>'}</tbody></table>
<h2 id="candidates">Candidates kept</h2>
<p>Lines that recur at chapter edges but were kept, because they might be story: add a rule
under <code>clean:</code> in book.yaml to remove them.</p>
<ul>{candidates or "<li>none</li>"}</ul>
<h2 id="chapters">Chapters</h2>
<form class="filter" role="search" onsubmit="return false">
<label for="filter">Filter chapters by rule, file or title</label>
<input type="search" id="filter" name="filter" placeholder="e.g. novelbuddy.site"/>
<label><input type="checkbox" id="only-warnings"/> only chapters with warnings</label>
<output id="shown" for="filter">{len(cleaned)} chapters</output>
</form>
<p class="legend"><mark>highlighted</mark>: a span cut from a line; <del>struck through</del>: a
whole line removed. Open a chapter to see its removals in context.</p>
{sections}
</main>
<script>{_FILTER_SCRIPT}</script>
</body></html>
"""


def write_report(book: Book, cleaned: list[Cleaned], boiler: Boilerplate, path: Path) -> Path:
    atomic_write(path, render_report(book, cleaned, boiler).encode("utf-8"))
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
