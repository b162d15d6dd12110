"""Checks of the test corpus itself: the dirty-book generator and the EPUB scorer."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
try:
    from tests.support import dirtybook, scoring
except ImportError:  # run without ROOT on sys.path
    sys.path.insert(0, str(ROOT))
    from tests.support import dirtybook, scoring


# --------------------------------------------------------------------------- helpers


def label_of(ch):
    return f"Chapter {ch['number']}: {ch['title']}" if ch["title"] else f"Chapter {ch['number']}"


def fake_epub(book: Path, out: Path, *, paras=None, labels=None, order=None, hr=False):
    """A minimal EPUB 3 built straight from truth.json (the 'perfect builder').

    paras(i, ch) -> list of paragraphs to write instead of ch["body"]; labels(i, ch) -> label;
    order: list of chapter indexes giving the spine order; hr: write scene breaks as <hr/>.
    """
    truth = json.loads((book / "truth.json").read_text(encoding="utf-8"))
    order = list(range(len(truth))) if order is None else order
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        items, spine, nav = [], [], []
        for i in order:
            ch = truth[i]
            body = paras(i, ch) if paras else ch["body"]
            label = labels(i, ch) if labels else label_of(ch)
            ps = "".join(
                "<hr/>" if hr and p == "* * *" else f"<p>{html.escape(p, quote=False)}</p>"
                for p in body
            )
            name = f"text/c{i:05d}.xhtml"
            z.writestr(
                f"OEBPS/{name}",
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{html.escape(label)}</title></head><body>"
                f"<h1>{html.escape(label)}</h1>{ps}</body></html>",
            )
            items.append(f'<item id="c{i}" href="{name}" media-type="application/xhtml+xml"/>')
            spine.append(f'<itemref idref="c{i}"/>')
            nav.append(f'<li><a href="{name}">{html.escape(label)}</a></li>')
        z.writestr(
            "OEBPS/nav.xhtml",
            '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
            f'<nav epub:type="toc"><ol>{"".join(nav)}</ol></nav></body></html>',
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
            'version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:identifier id="id">x</dc:identifier><dc:title>T</dc:title>'
            "<dc:language>en</dc:language>"
            '</metadata><manifest><item id="nav" href="nav.xhtml" properties="nav" '
            f'media-type="application/xhtml+xml"/>{"".join(items)}</manifest>'
            f'<spine><itemref idref="nav"/>{"".join(spine)}</spine></package>',
        )
    return out


def dirty_lines(path: Path):
    text = dirtybook.read_dirty(path)
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def repaired(line: str) -> set[str]:
    """What a dirty line could have been: splice tokens removed, mojibake undone."""
    out = set()
    cut = line
    for tok in dirtybook.SPLICE_TOKENS:
        cut = cut.replace(" " + tok + " ", " ").replace(tok, "")
    out.add(" ".join(cut.split()))
    try:
        out.add(line.encode("cp1252").decode("utf-8"))
    except UnicodeError:
        pass
    return out


def check_book(dest: Path, truth: list[dict]):
    """The dirty files hold the truth (modulo splices / mojibake) and all the junk probes."""
    assert truth
    odd = 0
    for ch in truth:
        path = dest / "chapters" / ch["file"]
        assert path.is_file(), ch["file"]
        lines = dirty_lines(path)
        text = "\n".join(lines)
        low, lowk = text.lower(), unicodedata.normalize("NFKC", text.lower())
        body = set(ch["body"])
        pos: dict[str, list[int]] = {}
        for k, ln in enumerate(lines):
            pos.setdefault(ln, []).append(k)
            if ln not in body:
                for f in repaired(ln):
                    pos.setdefault(f, []).append(k)
        last = -1
        for p in ch["body"]:  # in order, each line used once
            nxt = [k for k in pos.get(p, []) if k > last]
            assert nxt, (ch["file"], p)
            odd += p not in lines
            last = nxt[0]
        clean = "\n".join(ch["body"]).lower()
        assert ch["junk"], ch["file"]  # at least the header line
        for j in ch["junk"]:
            assert j.lower() in low or unicodedata.normalize("NFKC", j.lower()) in lowk, (
                ch["file"],
                j,
            )
            assert j.lower() not in clean, (ch["file"], j)
        for t in ch["traps"]:
            assert t in ch["body"], (ch["file"], t)
        assert re.fullmatch(r"\d+(\.5)?", ch["number"])
    assert odd <= len(truth) * 3


# --------------------------------------------------------------------------- generator


@pytest.mark.parametrize(
    "seed,fmt,families,enc",
    [
        (1, "txt", None, False),
        (2, "md", None, False),
        (3, "txt", None, True),
        (4, "md", None, True),
        (5, "txt", ["novelbuddy"], False),
        (6, "txt", ["lightnovelpub", "unknown"], True),
        (7, "md", ["cjk", "webnovel", "freewebnovel", "novelfull"], True),
    ],
)
def test_dirty_text_matches_truth(tmp_path, seed, fmt, families, enc):
    truth = dirtybook.make_book(tmp_path, 60, seed, fmt, families, encodings=enc, inserted=2)
    assert len(truth) == 62
    on_disk = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert on_disk == truth
    assert "language: en" in (tmp_path / "book.yaml").read_text(encoding="utf-8")
    check_book(tmp_path, truth)


def test_deterministic(tmp_path):
    a = dirtybook.make_book(tmp_path / "a", 30, 9, encodings=True, inserted=1, volumes=2)
    b = dirtybook.make_book(tmp_path / "b", 30, 9, encodings=True, inserted=1, volumes=2)
    c = dirtybook.make_book(tmp_path / "c", 30, 10, encodings=True, inserted=1, volumes=2)
    assert a == b and a != c
    for ch in a:
        assert (tmp_path / "a/chapters" / ch["file"]).read_bytes() == (
            tmp_path / "b/chapters" / ch["file"]
        ).read_bytes()


def test_every_trap_kind_appears(tmp_path):
    truth = dirtybook.make_book(tmp_path, 40, 11)
    traps = {t for ch in truth for t in ch["traps"]}
    body = "\n".join(p for ch in truth for p in ch["body"])
    assert dirtybook.CATCHPHRASE in traps and dirtybook.QUEST_DING in traps
    assert sum(dirtybook.CATCHPHRASE in ch["traps"] for ch in truth) >= 5  # recurring
    assert sum(dirtybook.QUEST_DING in ch["traps"] for ch in truth) >= 5
    for needle in [
        "* * *",
        "<Level Up!>",
        "www.example.org",
        "of the sect rules forbids this",
        "Read it at your own risk",
        "backup_final_2",
        "14th*,",
        " **** ",
    ]:
        assert any(needle in t for t in traps), needle
    assert any(re.match(r"Chapter \d of the contract", t) for t in traps)
    assert traps & {"Next.", "Previous owner: Zhao."}
    assert "* * *" in body.split("\n")


@pytest.mark.parametrize(
    "family,mark",
    [
        ("novelbuddy", "©NovelBuddy"),
        ("novelfull", "Next Chapter"),
        ("lightnovelpub", "lightnovelpub"),
        ("webnovel", "Find authorized novels in Webnovel"),
        ("freewebnovel", "keyboard keys"),
        ("unknown", "zzz.net"),
        ("cjk", "第"),
        ("plain", "Chapter "),
    ],
)
def test_each_family(tmp_path, family, mark):
    truth = dirtybook.make_book(tmp_path, 12, 3, families=[family])
    texts = [dirtybook.read_dirty(tmp_path / "chapters" / ch["file"]) for ch in truth]
    text = unicodedata.normalize("NFKC", "\n".join(texts))
    assert mark.lower() in text.lower() or (family == "lightnovelpub" and "ʟɪɢʜᴛ" in text)
    if family == "unknown":  # on every chapter, in small variations
        assert all("zzz.net" in t for t in texts)
        assert len({ln for t in texts for ln in t.splitlines() if "zzz.net" in ln}) > 1
    if family == "plain":
        for ch, t in zip(truth, texts, strict=True):  # only the header (and its repeat)
            assert ch["junk"][0] == t.splitlines()[0]
            assert all(re.match(r"(Chapter|Ch\.|Volume) \d", j) for j in ch["junk"]), ch["junk"]
    check_book(tmp_path, truth)


def test_encodings_mix(tmp_path):
    truth = dirtybook.make_book(tmp_path, 120, 4, encodings=True)
    kinds = set()
    for ch in truth:
        data = (tmp_path / "chapters" / ch["file"]).read_bytes()
        if data.startswith(b"\xff\xfe"):
            kinds.add("utf-16")
        elif data.startswith(b"\xef\xbb\xbf"):
            kinds.add("utf-8-sig")
        else:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                kinds.add("cp1252")
        if b"\r\n" in data or b"\r\x00\n\x00" in data:
            kinds.add("crlf")
        if b"\n\n" in data:
            kinds.add("blank-lines")
        if "â€" in dirtybook.read_dirty(tmp_path / "chapters" / ch["file"]):
            kinds.add("mojibake")
    assert kinds >= {"utf-16", "utf-8-sig", "cp1252", "crlf", "blank-lines", "mojibake"}, kinds
    check_book(tmp_path, truth)


@pytest.mark.parametrize("fmt,restart", [("txt", True), ("txt", False), ("md", True)])
def test_volumes_and_inserted_reading_order(tmp_path, fmt, restart):
    truth = dirtybook.make_book(
        tmp_path, 30, 8, fmt, volumes=3, inserted=3, restart_numbering=restart
    )
    assert len(truth) == 33
    assert sum("." in ch["number"] for ch in truth) == 3
    key = [(int(ch["file"].split("/")[0].split()[1]), float(ch["number"])) for ch in truth]
    assert key == sorted(key)
    vols = [k[0] for k in key]
    assert vols[0] == 1 and vols[-1] == 3
    first_of_2 = truth[vols.index(2)]["number"]
    assert (first_of_2 == "1") == restart
    for ch in truth:
        stem = Path(ch["file"]).name.rsplit(".", 1)[0]
        assert float(stem.replace("Chapter ", "")) == float(ch["number"])
    check_book(tmp_path, truth)


def test_natural_order_names(tmp_path):
    truth = dirtybook.make_book(tmp_path, 12, 2)
    files = [ch["file"] for ch in truth]
    assert files.index("Chapter 2.txt") < files.index("Chapter 10.txt")
    assert sorted(files) != files  # a plain sort would be wrong


def test_refuses_to_overwrite(tmp_path):
    dirtybook.make_book(tmp_path, 3, 1)
    with pytest.raises(FileExistsError):
        dirtybook.make_book(tmp_path, 3, 1)
    assert len(dirtybook.make_book(tmp_path, 4, 1, force=True)) == 4
    assert len(list((tmp_path / "chapters").iterdir())) == 4


# --------------------------------------------------------------------------- scorer


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    dest = tmp_path_factory.mktemp("book")
    dirtybook.make_book(dest, 40, 21, encodings=True, inserted=2, volumes=2)
    return dest


def _truth(book):
    return json.loads((book / "truth.json").read_text(encoding="utf-8"))


def test_score_perfect(book, tmp_path):
    for hr in (False, True):
        r = scoring.score(book, fake_epub(book, tmp_path / f"p{hr}.epub", hr=hr))
        assert scoring.passed(r), scoring.summary(r)
        assert r["recall"] == 1 and r["precision"] == 1 and r["worst"] == []
        assert r["paragraph_recall"] == 1
        assert r["chapters_found"] == r["chapters_expected"] == 42


def test_score_junk_left(book, tmp_path):
    truth = _truth(book)
    i = 5
    probe = truth[i]["junk"][0]

    def paras(k, ch):
        return ch["body"][:3] + [probe] + ch["body"][3:] if k == i else ch["body"]

    r = scoring.score(book, fake_epub(book, tmp_path / "j.epub", paras=paras))
    assert not scoring.passed(r)
    assert r["junk_left"] == 1 and r["junk_examples"][0][:2] == (truth[i]["number"], probe)
    assert r["recall"] == 1 and r["precision"] < 1
    assert r["worst"][0]["number"] == truth[i]["number"]


def test_score_junk_spliced_obfuscated(book, tmp_path):
    truth = _truth(book)
    j = next(k for k, ch in enumerate(truth) if len(ch["body"][0].split()) > 5)

    def paras(k, ch):
        if k != j:
            return ch["body"]
        return [ch["body"][0] + " ｌｉｇｈｔｎｏｖｅｌｐｕｂ.com"] + ch["body"][1:]

    truth[j]["junk"].append("lightnovelpub.com")
    tb = book.parent / "spliced"
    tb.mkdir()
    (tb / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    r = scoring.score(tb, fake_epub(tb, tmp_path / "s.epub", paras=paras))
    assert r["junk_left"] == 1 and not scoring.passed(r)  # found through NFKC


def test_score_trap_lost(book, tmp_path):
    truth = _truth(book)
    i = next(k for k, ch in enumerate(truth) if dirtybook.QUEST_DING in ch["traps"])

    def paras(k, ch):
        return [p for p in ch["body"] if p != dirtybook.QUEST_DING] if k == i else ch["body"]

    r = scoring.score(book, fake_epub(book, tmp_path / "t.epub", paras=paras))
    assert not scoring.passed(r)
    assert r["traps_lost"] == [(truth[i]["number"], dirtybook.QUEST_DING)]
    assert r["recall"] < 1


def test_score_scene_break_lost(book, tmp_path):
    truth = _truth(book)
    i = next(k for k, ch in enumerate(truth) if "* * *" in ch["traps"])

    def paras(k, ch):
        return [p for p in ch["body"] if p != "* * *"] if k == i else ch["body"]

    r = scoring.score(book, fake_epub(book, tmp_path / "sb.epub", paras=paras, hr=True))
    assert (truth[i]["number"], "* * *") in r["traps_lost"] and not scoring.passed(r)


def test_score_titles_order_missing(book, tmp_path):
    truth = _truth(book)
    titled = next(k for k, ch in enumerate(truth) if ch["title"])
    r = scoring.score(
        book,
        fake_epub(
            book,
            tmp_path / "l.epub",
            labels=lambda k, ch: f"Chapter {ch['number']}" if k == titled else label_of(ch),
        ),
    )
    assert r["titles_ok"] == len(truth) - 1 and not scoring.passed(r)
    r = scoring.score(
        book,
        fake_epub(
            book,
            tmp_path / "m.epub",
            labels=lambda k, ch: f"MTL - Book-{label_of(ch)}" if k == 3 else label_of(ch),
        ),
    )
    assert r["titles_ok"] == len(truth) - 1
    order = list(range(len(truth)))
    order[7], order[8] = order[8], order[7]
    r = scoring.score(book, fake_epub(book, tmp_path / "o.epub", order=order))
    assert not r["order_ok"] and r["recall"] == 1 and not scoring.passed(r)
    order = [k for k in range(len(truth)) if k != 12]
    r = scoring.score(book, fake_epub(book, tmp_path / "x.epub", order=order))
    assert r["missing"] == [truth[12]["number"]] and r["order_ok"] and not scoring.passed(r)


def test_score_words(book, tmp_path):
    truth = _truth(book)

    def drop1(k, ch):
        return ch["body"][:5] + ch["body"][6:] if k == 2 else ch["body"]

    r = scoring.score(book, fake_epub(book, tmp_path / "d1.epub", paras=drop1))
    assert r["recall"] < 1 and r["worst"][0]["number"] == truth[2]["number"]
    assert r["worst"][0]["lost_words"] == len(scoring.norm(truth[2]["body"][5]).split())

    def drop(k, ch):
        return ch["body"][6:] if k in (2, 3, 4) else ch["body"]

    r = scoring.score(book, fake_epub(book, tmp_path / "d.epub", paras=drop))
    assert r["recall"] < 0.999 and not scoring.passed(r)

    k4 = next(k for k, ch in enumerate(truth) if "* * *" not in ch["traps"])

    def merged(k, ch):  # paragraphs run together: words still count
        return (
            [" ".join(ch["body"])]
            if k == k4
            else ch["body"] + (["An extra line."] if k == 6 else [])
        )

    r = scoring.score(book, fake_epub(book, tmp_path / "g.epub", paras=merged))
    assert r["recall"] == 1 and r["extra_words"] == 3 and scoring.passed(r)
    assert r["truth_paragraphs"] - r["paragraphs_whole"] == len(truth[k4]["body"])


def test_cli(tmp_path):
    dest = tmp_path / "b"
    run = [
        sys.executable,
        "-m",
        "tests.support.dirtybook",
        str(dest),
        "-n",
        "15",
        "--seed",
        "3",
        "--format",
        "md",
        "--families",
        "novelbuddy,unknown",
        "--encodings",
    ]
    p = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len(json.loads((dest / "truth.json").read_text(encoding="utf-8"))) == 15
    epub = fake_epub(dest, tmp_path / "b.epub")
    p = subprocess.run(
        [sys.executable, "-m", "tests.support.scoring", str(dest), str(epub)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0 and p.stdout.startswith("PASS"), p.stdout + p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "tests.support.scoring", str(dest), str(epub), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert json.loads(p.stdout)["recall"] == 1
