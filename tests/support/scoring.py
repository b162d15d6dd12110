"""Judge a built EPUB against the truth.json that tests.support.dirtybook wrote.

Only the EPUB is read (META-INF/container.xml -> OPF -> spine XHTML, nav or NCX for the
labels), so the verdict is about what a reader gets, whatever the builder does inside.

    result = score(book_dir, epub)      # dict, see the keys in score()
    passed(result)                      # junk gone, traps kept, recall >= 0.999, titles, order

Body text is every block (p, div, li, ...) outside h1-h6; an <hr/> (or a block made only of
scene-break marks) counts as the paragraph "* * *". Texts are compared after NFC, typographic
quotes/dashes folded to ASCII and whitespace squeezed. Each spine document is given to the
truth chapter whose paragraphs it contains most; one chapter may span several documents, but a
document holding two chapters counts for one of them only.

CLI: python -m tests.support.scoring BOOK_DIR EPUB [--json]   (exit status 0 when passed)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from difflib import SequenceMatcher
from html.parser import HTMLParser
from pathlib import Path
from posixpath import dirname, join, normpath
from urllib.parse import unquote

__all__ = ["score", "passed", "read_epub", "norm", "summary"]

OPS = "http://www.idpf.org/2007/ops"
BLOCKS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dd",
    "dt",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "main",
    "nav",
    "figure",
    "figcaption",
    "caption",
    "body",
    "address",
}
HEADS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SKIP = {"head", "title", "script", "style", "rt", "rp"}
TYPO = [
    ("‘", "'"),
    ("’", "'"),
    ("‚", "'"),
    ("‛", "'"),
    ("“", '"'),
    ("”", '"'),
    ("„", '"'),
    ("«", '"'),
    ("»", '"'),
    ("—", "-"),
    ("–", "-"),
    ("‒", "-"),
    ("―", "-"),
    ("…", "..."),
    ("\u00a0", " "),
    ("\u202f", " "),
    ("\u2009", " "),
    ("\u00ad", ""),
    ("\u200b", ""),
    ("\u200c", ""),
    ("\u200d", ""),
    ("\ufeff", ""),
]
SCENE = re.compile(r"^[\s*⁂∗•·~=#◇◆○●§-]+$")
NUM = re.compile(r"\d+(?:\.\d+)?")
KEY_WORDS = 16  # paragraph-opening words used to place merged text
LABEL_WORDS = re.compile(r"\b(?:chapter|chap|ch|volume|vol|part|book)\b")


def norm(s: str) -> str:
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
        for a, b in TYPO:
            if a in s:
                s = s.replace(a, b)
    return " ".join(s.split())


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


class _Extract:
    """Block texts of one XHTML document, fed as start/data/end events."""

    def __init__(self):
        self.blocks, self.heads = [], []
        self._buf, self._hbuf = [], []
        self._skip = self._head = self._a = 0
        self.chars = self.link_chars = 0

    def _flush(self):
        s = norm("".join(self._buf))
        self._buf = []
        if s:
            self.blocks.append("* * *" if SCENE.match(s) and any(c != " " for c in s) else s)

    def start(self, tag):
        if tag in SKIP or self._skip:
            self._skip += tag in SKIP
            return
        if tag in HEADS:
            if not self._head:
                self._flush()
            self._head += 1
        elif tag == "a":
            self._a += 1
        elif self._head:
            return
        elif tag == "hr":
            self._flush()
            self.blocks.append("* * *")
        elif tag == "br":
            self._buf.append("\n")
        elif tag in BLOCKS:
            self._flush()

    def end(self, tag):
        if self._skip:
            self._skip -= tag in SKIP
            return
        if tag in HEADS and self._head:
            self._head -= 1
            if not self._head:
                self.heads.append(norm("".join(self._hbuf)))
                self._hbuf = []
        elif tag == "a":
            self._a = max(0, self._a - 1)
        elif tag in BLOCKS and not self._head:
            self._flush()

    def data(self, text):
        if self._skip:
            return
        n = len(text.strip())
        self.chars += n
        if self._a:
            self.link_chars += n
        (self._hbuf if self._head else self._buf).append(text)

    def done(self):
        self._flush()
        return self


class _HTML(HTMLParser):
    def __init__(self, ex):
        super().__init__(convert_charrefs=True)
        self.ex = ex

    def handle_starttag(self, tag, attrs):
        self.ex.start(tag.lower())

    def handle_endtag(self, tag):
        self.ex.end(tag.lower())

    def handle_data(self, data):
        self.ex.data(data)


def _walk(el, ex):
    tag = _local(el.tag)
    ex.start(tag)
    if el.text:
        ex.data(el.text)
    for c in el:
        _walk(c, ex)
        if c.tail:
            ex.data(c.tail)
    ex.end(tag)


def _extract(data: bytes) -> _Extract:
    ex = _Extract()
    try:
        root = ET.fromstring(data)
    except ET.ParseError:  # not well-formed: read it as HTML instead
        p = _HTML(ex)
        p.feed(data.decode("utf-8", "replace"))
        p.close()
        return ex.done()
    body = next((e for e in root.iter() if _local(e.tag) == "body"), root)
    _walk(body, ex)
    return ex.done()


def _find(root, name):
    return [e for e in root.iter() if _local(e.tag) == name]


def read_epub(path) -> tuple[list[dict], dict[str, list[str]]]:
    """([{"href", "blocks", "heads"}] in spine order, {href: [toc labels]})."""
    with zipfile.ZipFile(path) as z:
        container = ET.fromstring(z.read("META-INF/container.xml"))
        opf_path = _find(container, "rootfile")[0].get("full-path")
        opf = ET.fromstring(z.read(opf_path))
        base = dirname(opf_path)

        def resolve(rel, href):
            return normpath(join(dirname(rel), unquote(href.split("#")[0])))

        items = {}
        for it in _find(opf, "item"):
            items[it.get("id")] = it
        spine = _find(opf, "spine")[0]
        labels: dict[str, list[str]] = {}
        nav_path = None
        nav_item = next(
            (i for i in items.values() if "nav" in (i.get("properties") or "").split()), None
        )
        if nav_item is not None:
            nav_path = normpath(join(base, unquote(nav_item.get("href"))))
            nav = ET.fromstring(z.read(nav_path))
            navs = _find(nav, "nav")
            tocs = [n for n in navs if "toc" in (n.get(f"{{{OPS}}}type") or "").split()] or navs[:1]
            for n in tocs:
                for a in _find(n, "a"):
                    if a.get("href"):
                        labels.setdefault(resolve(nav_path, a.get("href")), []).append(
                            norm("".join(a.itertext()))
                        )
        else:  # EPUB 2: the NCX
            ncx_item = items.get(spine.get("toc")) or next(
                (i for i in items.values() if i.get("media-type") == "application/x-dtbncx+xml"),
                None,
            )
            if ncx_item is not None:
                ncx_path = normpath(join(base, unquote(ncx_item.get("href"))))
                ncx = ET.fromstring(z.read(ncx_path))
                for np in _find(ncx, "navPoint".lower()):
                    text = next((t for t in _find(np, "text")), None)
                    content = next((c for c in _find(np, "content")), None)
                    if text is not None and content is not None and content.get("src"):
                        labels.setdefault(resolve(ncx_path, content.get("src")), []).append(
                            norm("".join(text.itertext()))
                        )
        docs = []
        for ref in _find(spine, "itemref"):
            item = items.get(ref.get("idref"))
            if item is None:
                continue
            href = normpath(join(base, unquote(item.get("href"))))
            if href == nav_path:
                continue
            ex = _extract(z.read(href))
            if ex.link_chars > 0.5 * max(1, ex.chars):
                continue  # a contents page, not a chapter
            docs.append({"href": href, "blocks": ex.blocks, "heads": ex.heads})
    return docs, labels


def _words(paras):
    return sum(len(p.split()) for p in paras)


def _matched(want, got):
    """(words of want found in got in order, paragraphs of want found whole)."""
    if want == got:
        return _words(want), len(want)
    m = paras = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag == "equal":
            m += _words(want[i1:i2])
            paras += i2 - i1
        elif tag == "replace":
            a, b = " ".join(want[i1:i2]).split(), " ".join(got[j1:j2]).split()
            m += sum(
                x.size for x in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
            )
    return m, paras


def _canon_num(s):
    whole, _, frac = s.partition(".")
    return (whole.lstrip("0") or "0") + ("." + frac if frac else "")


def _label_ok(label, number, title):
    """Number and title are in the label, and nothing else but 'Chapter'/'Volume' words."""
    lab, t = norm(label).lower(), norm(title).lower()
    if _canon_num(number) not in {_canon_num(x) for x in NUM.findall(lab)}:
        return False
    if t and t not in lab:
        return False
    rest = lab.replace(t, " ", 1) if t else lab
    rest = LABEL_WORDS.sub(" ", NUM.sub(" ", rest))
    rest = re.sub(r"[第章卷节回]", " ", rest)
    return not re.search(r"\w", rest)


def _vote_indexes(wants):
    exact, starts = {}, {}
    for ci, paras in enumerate(wants):
        for p in paras:
            if len(p) >= 40:
                exact[p] = ci if exact.get(p, ci) == ci else -1
            w = p.split()
            if len(w) >= KEY_WORDS:
                k = " ".join(w[:KEY_WORDS])
                starts[k] = ci if starts.get(k, ci) == ci else -1
    return exact, starts


def score(book_dir, epub) -> dict:
    """Compare the EPUB with book_dir/truth.json. Keys of the result:

    chapters_expected, chapters_found, missing [numbers], chapter_docs, extra_docs,
    order_ok, titles_ok, titles_wrong [(number, title, labels)], junk_total, junk_left,
    junk_examples [(number, probe, context)], traps_total, traps_kept, traps_lost
    [(number, trap)], truth_words, matched_words, extra_words, recall, precision,
    worst [{number, file, problems...}] (up to 20, worst first).
    """
    truth = json.loads(Path(book_dir, "truth.json").read_text(encoding="utf-8"))
    docs, labels = read_epub(epub)
    wants = [[norm(p) for p in ch["body"]] for ch in truth]
    exact, starts = _vote_indexes(wants)

    owner = []  # doc index -> chapter index or None
    for d in docs:
        votes = Counter(exact[b] for b in d["blocks"] if exact.get(b, -1) >= 0)
        if not votes:
            w = " ".join(d["blocks"]).split()
            votes = Counter(
                c
                for c in (
                    starts.get(" ".join(w[i : i + KEY_WORDS]), -1)
                    for i in range(len(w) - KEY_WORDS + 1)
                )
                if c >= 0
            )
        owner.append(min(votes, key=lambda c: (-votes[c], c)) if votes else None)
    docs_of: dict[int, list[int]] = {}
    for di, ci in enumerate(owner):
        if ci is not None:
            docs_of.setdefault(ci, []).append(di)

    r = {
        "chapters_expected": len(truth),
        "chapters_found": len(docs_of),
        "missing": [],
        "chapter_docs": len(docs),
        "extra_docs": owner.count(None),
        "order_ok": True,
        "titles_ok": 0,
        "titles_wrong": [],
        "junk_total": 0,
        "junk_left": 0,
        "junk_examples": [],
        "traps_total": 0,
        "traps_kept": 0,
        "traps_lost": [],
        "truth_words": 0,
        "matched_words": 0,
        "extra_words": 0,
        "truth_paragraphs": sum(map(len, wants)),
        "paragraphs_whole": 0,
    }
    worst, last_pos = [], -1
    for ci, ch in enumerate(truth):
        want = wants[ci]
        tw = _words(want)
        r["truth_words"] += tw
        r["junk_total"] += len(ch["junk"])
        r["traps_total"] += len(ch["traps"])
        if ci not in docs_of:
            r["missing"].append(ch["number"])
            r["traps_lost"] += [(ch["number"], t) for t in ch["traps"]]
            worst.append((10**9, {"number": ch["number"], "file": ch["file"], "missing": True}))
            continue
        dis = docs_of[ci]
        if dis[0] <= last_pos:
            r["order_ok"] = False
        last_pos = max(last_pos, dis[-1])
        got = [b for di in dis for b in docs[di]["blocks"]]
        m, whole = _matched(want, got)
        r["paragraphs_whole"] += whole
        extra = _words(got) - m
        r["matched_words"] += m
        r["extra_words"] += extra
        text = "\n".join(got)
        low = text.lower()
        lowk = unicodedata.normalize("NFKC", low)
        left = []
        for j in ch["junk"]:
            jn = norm(j).lower()
            k = low.find(jn)
            if k < 0 and unicodedata.normalize("NFKC", jn) in lowk:
                k = 0
            if k >= 0:
                left.append(j)
                if len(r["junk_examples"]) < 20:
                    r["junk_examples"].append(
                        (ch["number"], j, text[max(0, k - 40) : k + len(jn) + 40])
                    )
        r["junk_left"] += len(left)
        lost = [
            t
            for t in ch["traps"]
            if not (("* * *" in got) if norm(t) == "* * *" else norm(t) in text)
        ]
        r["traps_kept"] += len(ch["traps"]) - len(lost)
        r["traps_lost"] += [(ch["number"], t) for t in lost]
        labs = labels.get(docs[dis[0]]["href"], [])
        title_ok = any(_label_ok(lab, ch["number"], ch["title"]) for lab in labs)
        if title_ok:
            r["titles_ok"] += 1
        elif len(r["titles_wrong"]) < 20:
            r["titles_wrong"].append((ch["number"], ch["title"], labs))
        if left or lost or m < tw or not title_ok or extra:
            bad = 1000 * (len(left) + len(lost)) + 500 * (not title_ok) + 10 * (tw - m) + extra
            worst.append(
                (
                    bad,
                    {
                        "number": ch["number"],
                        "file": ch["file"],
                        "junk_left": left,
                        "traps_lost": lost,
                        "lost_words": tw - m,
                        "extra_words": extra,
                        "title_ok": title_ok,
                        "labels": labs,
                    },
                )
            )
    for di, ci in enumerate(owner):  # documents that hold no chapter's text
        if ci is None and _words(docs[di]["blocks"]) >= 50:
            r["extra_words"] += _words(docs[di]["blocks"])
    r["recall"] = r["matched_words"] / max(1, r["truth_words"])
    r["precision"] = r["matched_words"] / max(1, r["matched_words"] + r["extra_words"])
    r["paragraph_recall"] = r["paragraphs_whole"] / max(1, r["truth_paragraphs"])
    worst.sort(key=lambda w: -w[0])
    r["worst"] = [w for _, w in worst[:20]]
    return r


def passed(result: dict) -> bool:
    return (
        result["junk_left"] == 0
        and result["traps_kept"] == result["traps_total"]
        and result["recall"] >= 0.999
        and result["order_ok"]
        and result["chapters_found"] == result["chapters_expected"]
        and result["titles_ok"] == result["chapters_expected"]
    )


def summary(result: dict) -> str:
    r = result
    return (
        f"{'PASS' if passed(r) else 'FAIL'} chapters={r['chapters_found']}/{r['chapters_expected']}"
        f" order_ok={r['order_ok']} titles={r['titles_ok']}/{r['chapters_expected']}"
        f" junk_left={r['junk_left']}/{r['junk_total']}"
        f" traps_kept={r['traps_kept']}/{r['traps_total']}"
        f" recall={r['recall']:.4f} precision={r['precision']:.4f}"
        f" paragraphs={r['paragraph_recall']:.4f}"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m tests.support.scoring",
        description="Score an EPUB against a dirtybook truth.json.",
    )
    ap.add_argument("book_dir")
    ap.add_argument("epub")
    ap.add_argument("--json", action="store_true", help="print the whole result as JSON")
    a = ap.parse_args(argv)
    r = score(a.book_dir, a.epub)
    if a.json:
        print(json.dumps(r, ensure_ascii=False, indent=1))
    else:
        for w in r["worst"][:15]:
            print(
                "  ch",
                w["number"],
                {k: v for k, v in w.items() if k != "number" and v not in ([], 0, True)},
            )
        for n, j, ctx in r["junk_examples"][:5]:
            print(f"  junk ch {n}: {j!r} in …{ctx}…")
    print(summary(r), file=sys.stderr if a.json else sys.stdout)
    return 0 if passed(r) else 1


if __name__ == "__main__":
    sys.exit(main())
