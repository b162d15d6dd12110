"""Cleaning judged on whole books against their clean truth: the project's own dirty books
(several seeds, junk families, txt and Markdown), the sample book, the real sample chapter,
and the shared make_corpus.py/score_epub.py pair when ../shared is there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BOOKS, REPO, SHARED, Epub, one_epub, run_cli
from support.dirtybook import make_book
from support.scoring import passed, score, summary

from ebookgen.build import build

DIRTY_BOOKS = [
    # (seed, format, families, extra make_book options)
    (1, "txt", None, {"encodings": True, "inserted": 1}),
    (2, "md", None, {"inserted": 1}),
    (3, "txt", ["novelbuddy", "lightnovelpub", "unknown"], {"volumes": 2}),
    (4, "md", ["novelfull", "webnovel", "freewebnovel", "cjk"], {}),
    (5, "txt", ["cjk", "plain", "unknown"], {"encodings": True}),
    (6, "md", ["novelbuddy", "lightnovelpub"], {"volumes": 2, "restart_numbering": False}),
]


@pytest.mark.parametrize(
    "seed, fmt, families, options", DIRTY_BOOKS, ids=[f"seed{s}-{f}-{'+'.join(fam or ['all'])}" for s, f, fam, _ in DIRTY_BOOKS]
)
def test_dirty_book_scores_clean(tmp_path, seed, fmt, families, options):
    book = tmp_path / "book"
    make_book(book, 16, seed, fmt, families, **options)
    result = score(book, build(book).output)
    assert passed(result), summary(result)
    assert result["junk_left"] == 0 and result["traps_kept"] == result["traps_total"]


def test_sample_book_matches_its_truth(tmp_path):
    book = tmp_path / "sample"
    book.mkdir()
    shutil.copy(REPO / "book.yaml", book / "book.yaml")
    shutil.copytree(REPO / "chapters", book / "chapters")
    shutil.copy(BOOKS / "sample.truth.json", book / "truth.json")
    result = score(book, build(book).output)
    assert passed(result), summary(result)


@pytest.mark.skipif(not (SHARED / "samples").is_dir(), reason="../shared/samples not present")
def test_real_sample_chapter_is_exactly_its_clean_text(tmp_path):
    """The real NovelBuddy chapter, built alone: body line for line, 332, 'rising witness'."""
    raw = SHARED / "samples" / "000_e28bda1f78944acb.txt"
    want = [ln for ln in (SHARED / "samples" / "000_e28bda1f78944acb.clean.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    book = tmp_path / "b"
    (book / "chapters").mkdir(parents=True)
    (book / "book.yaml").write_text("title: Internet 2010\nauthor: Unknown\nlanguage: en\n", encoding="utf-8")
    shutil.copy(raw, book / "chapters" / raw.name)
    assert run_cli("build", str(book)).code == 0
    (ch,) = Epub(one_epub(book)).chapters()
    assert ch.paragraphs == want
    assert ch.title == "Chapter 332: rising witness"
    assert raw.read_bytes() == (book / "chapters" / raw.name).read_bytes()


@pytest.mark.skipif(not (SHARED / "tools" / "make_corpus.py").is_file(), reason="../shared/tools not present")
@pytest.mark.parametrize("seed, fmt", [(1, "txt"), (2, "md"), (3, "txt")])
def test_shared_corpus_scores_pass(tmp_path, seed, fmt):
    book = tmp_path / "corpus"
    tools = SHARED / "tools"
    subprocess.run([sys.executable, tools / "make_corpus.py", "-n", "30", "--seed", str(seed), "--format", fmt, book], check=True, capture_output=True)
    epub = build(book).output
    proc = subprocess.run([sys.executable, tools / "score_epub.py", book, epub], capture_output=True, text=True)
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("PASS"), proc.stdout[-2000:]
    assert "junk_left=0/" in last and "recall=1.0000" in last


# --- a book of junk families, header styles and traps the generators do not have -----------

STORY = [
    "Lin Feng pressed his palm against the cold stone and waited for the formation to answer.",
    "“You’re late again,” Elder Qin said, not looking up from the ledger.",
    "The market below the mountain gate was loud with hawkers and the smell of fried dough.",
    "Mei Ling counted the coins twice and frowned at the total.",
    "A gust of wind rattled the shutters of the old library.",
    "He remembered the winter the river froze all the way to the sea.",
    "“Some things cannot be bought,” Bai Lu said. “Not even here.”",
    "The bell rang three times, then the courtyard fell silent.",
    "Old Sun had hidden the bronze key under the floorboards years ago.",
    "Nobody asked where the extra rice had come from.",
]
TRAPS = [
    "“Just search www.example.org if you don’t believe me,” Xu Lan said.",
    "Translated by the monk, the scripture finally made sense.",
    "He read the chapter on sword qi twice before dawn.",
    "The novel he was reading had no ending, which suited him.",
    "Send your answer to lin.feng@example.com before dawn.",
    "Chapter 3 of the contract stated that the loser would sweep the floors.",
    "<Level Up!>",
    "That **** steward had doubled the fee again.",
    "Next.",
]
HEADERS = [
    ("[Chapter {n}] {t}", "{t}"),
    ("CHAPTER {r}: {t}", "{t}"),
    ("Episode {n} - {t}", "{t}"),
    ("Ch {n}:{t}", "{t}"),
    ("[Jade Coins] Chapter {n} {t}", "{t}"),
    ("Chapter {n} (1/2)", "(1/2)"),
]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
JUNK_HEAD = ["Translated by Nyoi | Edited by Bao", "TL: Nyoi, ED: Bao", "ᴛʀᴀɴsʟᴀᴛᴇᴅ ᴀᴛ ɴᴏᴠᴇʟᴢᴢᴢ.ɴᴇᴛ"]
JUNK_TAIL = [
    "Thanks for reading! Don't forget to vote.",
    "Visit n.o.v.e.l.z.z.z.net for extra chapters",
    "Support us on Patreon for 10 advance chapters!",
    "If you are reading this on any other site, it has been stolen.",
]
JUNK_MID = ["Please read on novelzzz(.)net", "&nbsp;", "Read the original at n o v e l z z z . n e t"]


def unseen_book(root: Path) -> list[dict]:
    """Twelve chapters, each with a header style, junk and traps of its own; truth beside."""
    truth = []
    (root / "chapters").mkdir(parents=True)
    (root / "book.yaml").write_text("title: Jade Coins\nauthor: A\nlanguage: en\n", encoding="utf-8")
    for n in range(1, 13):
        title = ["Market Day", "The Ledger", "Cold Stone", "A Bronze Key"][n % 4]
        form, want_title = HEADERS[n % len(HEADERS)]
        header = form.format(n=n, t=title, r=ROMAN[n - 1])
        body = [s.replace("three", f"{n + 2}") for s in STORY]
        body.insert(n % 7 + 1, TRAPS[n % len(TRAPS)])
        dirty = list(body)
        dirty[4] = dirty[4].replace(" the ", " the\u200b ", 1)  # zero-width junk inside
        dirty[2] = dirty[2].replace("market ", "market~novelzzz.net~ ", 1)
        dirty[6] = dirty[6].replace(". ", ". Please read on novelzzz.net. ", 1)
        dirty.insert(5, JUNK_MID[n % len(JUNK_MID)])
        lines = [JUNK_HEAD[n % len(JUNK_HEAD)], header, *dirty, JUNK_TAIL[n % len(JUNK_TAIL)]]
        (root / "chapters" / f"{n:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        truth.append({
            "file": f"{n:03d}.txt", "number": str(n), "title": want_title.format(t=title), "body": body,
            "junk": ["novelzzz", "Nyoi", "vote", "Patreon", "stolen", "&nbsp;"], "traps": [TRAPS[n % len(TRAPS)]],
        })
    (root / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


# --- a second such book: a site no rule knows in every disguise, page-title headers ----------

HEADERS_2 = [
    # (header lines, expected title); '{t}' is the chapter's title
    (["Chapter {n}", "{t}"], "{t}"),  # the title on its own line: this book's habit
    (["Chapter {n} | {t} | WuxiaLeague"], "{t}"),  # a page title with the site's name
    (["Chapter {n}", "{n}. {t}"], "{t}"),
    (["Martial Peak Chapter {n}: {t}"], "{t}"),  # another edition's name in front
    (["Chapter {n}", "{t}"], "{t}"),
    (["S2 Chapter {n} - {t}"], "{t}"),
    (["Chapter {n}: {t} - Read Light Novels online for free"], "{t}"),
]
SITE_HEAD_2 = ["©WuxiaLeague", "Remember the URL in one second: www.wuxialeague.com", "WuxiaLeague exclusive — do not repost"]
SITE_TAIL_2 = [
    "Updates every day at w u x i a l e a g u e . c o m",
    "Search the WuxiaLeague website on Google to access chapters of novels early and in the highest quality.",
    "(adsbygoogle = window.adsbygoogle || []).push({});",
    "Read Jade Coins on WuxiaLeague",
]
TRAPS_2 = [
    "Three days later, the gate opened.",
    "“Remember the URL in one second,” the scribe joked, tapping the jade slip.",
    "He traded three power stones for the map.",
    "Every day he checked the mission board, and every day it was empty.",
    "Do not copy the formation, Elder Qin warned; it would burn your hands.",
]


def unseen_book_2(root: Path) -> list[dict]:
    """Fourteen chapters of a site no rule knows ('wuxialeague', spliced as 'wuxialeague(.)com',
    spaced, as a brand line) under page-title headers; truth beside."""
    truth = []
    (root / "chapters").mkdir(parents=True)
    (root / "book.yaml").write_text("title: Jade Coins\nauthor: A\nlanguage: en\n", encoding="utf-8")
    titles = ["Market Day", "The Ledger", "Cold Stone", "A Bronze Key", "Night Rain", "First Snow", "The Wager"]
    for n in range(1, 15):
        title = titles[n % len(titles)]
        form, want = HEADERS_2[n % len(HEADERS_2)]
        body = [s.replace("three", f"{n + 2}") for s in STORY]
        body.insert(n % 6 + 2, TRAPS_2[n % len(TRAPS_2)])
        dirty = list(body)
        dirty[3] = dirty[3] + " wuxialeague(.)com " + dirty[4]  # spliced between two sentences
        body[3] = body[3] + " " + body[4]
        del dirty[4], body[4]
        lines = [SITE_HEAD_2[n % 3], *(f.format(n=n, t=title) for f in form), *dirty, SITE_TAIL_2[n % 4]]
        (root / "chapters" / f"{n:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        truth.append({
            "file": f"{n:03d}.txt", "number": str(n), "title": want.format(t=title), "body": body,
            "junk": ["wuxialeague", "w u x i a", "adsbygoogle", "Read Light Novels", "one second:"],
            "traps": [TRAPS_2[n % len(TRAPS_2)]],
        })
    (root / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


@pytest.mark.parametrize("make_unseen", [unseen_book, unseen_book_2])
def test_unseen_junk_headers_and_traps(tmp_path, make_unseen):
    book = tmp_path / "unseen"
    truth = make_unseen(book)
    result = score(book, build(book).output)
    assert passed(result), summary(result)
    assert result["titles_ok"] == len(truth) and result["junk_left"] == 0
