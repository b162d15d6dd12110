"""Synthetic "dirty" web-novel books with their clean truth, for tests and benchmarks.

A book is a folder laid out the way a reader's scraper leaves it::

    DEST/book.yaml               title, author, language
    DEST/chapters/Chapter 7.txt  (or 00007.md, Volume 2/Chapter 3.txt, Chapter 12.5.txt)
    DEST/truth.json              what a clean build must contain

truth.json is a list with one entry per chapter, in reading order::

    {"file": path under chapters/, "number": "12" or "12.5", "title": header title ("" if none),
     "body": [clean paragraphs], "junk": [probes that must not survive],
     "traps": [story text that looks like junk and must survive]}

The prose is generated (a cultivation / "system" / litRPG pastiche) and deterministic for a
seed. Site dirt comes from *junk families*, one function per aggregator style, chosen per run
of chapters. Only the standard library is used, so a fresh clone can run it.

CLI: python -m tests.support.dirtybook DEST -n 50 --seed 1 --format txt [--families a,b]
     [--encodings] [--inserted K] [--volumes V] [--continue-numbering] [--force]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
import unicodedata
from pathlib import Path

__all__ = ["make_book", "FAMILIES", "TRAP_KINDS", "SPLICE_TOKENS", "read_dirty"]

# --------------------------------------------------------------------------- vocabulary

HEROES = ["Shen Yao", "Mo Tiankai", "Brother Hao", "Little Bean", "Steward Fang", "Lu Qingge"]
ALLIES = ["Xu Lan", "Qiao Yue", "Senior Sister Ning", "Fatty Wu", "Madam Rui", "Elder Gu"]
PLACES = [
    "the Azure Cloud Pavilion",
    "the outer sect dormitories",
    "the spirit herb garden",
    "the fifth floor of the Trial Tower",
    "the beast valley",
    "the alchemy hall",
    "Black Pine Market",
    "the sword-washing pool",
    "the mission board",
    "the east cliff",
]
ITEMS = [
    "a Foundation Pill",
    "the rusted halberd",
    "a low-grade spirit stone",
    "the bone flute",
    "the Frostbite Talisman",
    "a cracked jade slip",
    "a bag of beast cores",
    "the sect token",
    "a storage ring",
    "the copper pill furnace",
]
SKILLS = [
    "Cloud Step",
    "Iron Skin",
    "Flowing Palm",
    "Ember Sight",
    "Quiet Heart Sutra",
    "Nine Turns Breathing",
    "Thousand Needle Rain",
]
REALMS = [
    "Qi Condensation",
    "Foundation Establishment",
    "Core Formation",
    "Body Tempering",
    "Nascent Soul",
]
BEASTS = ["Ironback Boar", "Shadow Lynx", "Thunderhorn Ox", "Venom Toad", "Stone Ape", "Ash Crow"]
HERBS = ["Moonlight Lotus", "Bloodvine", "Frost Ginseng", "Dragon Whisker Grass"]
EPITHETS = ["Floor Sweeper", "Pill Thief", "Boar Slayer", "Unlucky Genius", "Night Owl"]

NARRATION = [
    "{a} circulated qi through every meridian until the ache in the bones faded.",
    "The blue screen flickered in front of {a} again, patient as ever.",
    "Nobody at {p} had expected {a} to survive the first week.",
    "{b} tossed {i} onto the table as if it were worthless.",
    "It took {n} tries before the formation finally hummed to life.",
    "The {m} lunged, and {a} slid sideways with {s}.",
    "{a} didn’t bother answering; the numbers spoke for themselves.",
    "Somewhere above {p}, thunder rolled across a cloudless sky.",
    "{b} counted the spirit stones twice and still came up {n} short.",
    "The smell of burnt herbs drifted out of {p}.",
    "{a} checked the status window out of habit, then closed it.",
    "Three disciples in grey robes were already waiting at {p}.",
    "Every step up the stairs cost {a} another sliver of qi.",
    "The elders had a saying about {p}, and none of it was kind.",
    "{b}’s expression didn’t change, yet the air around {p} grew colder.",
    "The {m} collapsed with a sound like a sack of wet rice.",
    "{a} pocketed {i} and walked off before anyone could object.",
    "By the time the incense burned out, the pill furnace had cracked.",
    "A notification chimed, soft and unwelcome.",
    "{a} had learned long ago that the System never explained its jokes.",
    "Rumours about {i} had reached even the kitchen staff.",
    "The breakthrough to {r} felt less like a wave and more like a door being kicked in.",
    "Dust fell from the rafters of {p} as the tremor passed.",
    "{b} wrote something in a small notebook and said nothing.",
    "The wind carried the smell of pine resin and iron.",
    "{a} couldn’t remember the last time {b} had looked that pleased.",
    "The bidding for {i} climbed past {k} spirit stones.",
    "Half the outer sect had gathered to watch, and the other half pretended not to.",
    "The trial would begin at dawn, and there were {n} names on the list.",
    "{a} flexed one hand; the new strength hadn’t settled in yet.",
    "The formation flags snapped in the wind, {n} of them in a perfect ring.",
    "A crack ran through the stone floor of {p}, thin as a hair.",
    "{b} had already worked out the odds, and they weren’t good.",
    "The {m} had left tracks the size of washbasins.",
    "The jade slip warmed in {a}’s palm as the map unfolded.",
    "Whatever the System wanted, it wanted it before sunset.",
    "It was day {n} of the month, and the stipend still hadn’t arrived.",
    "A faint golden light seeped from {i}, then went out.",
    "{a} ate standing up, one eye on the door.",
    "The steward’s abacus clicked like hail on a roof.",
    "{b} pointed at the {m}’s hide and named a price of {k} stones.",
    "Nobody mentioned the missing {h}, which was a kind of answer.",
    "The pill came out of the furnace smelling of smoke and {h}.",
    "{a} slept for {n} hours and woke up hungrier than before.",
]
ACCENTED = [
    "{a} wasn’t naïve enough to believe the elder’s promise.",
    "The little café by the mountain gate served tea that tasted faintly of smoke.",
    "{b}’s former fiancé had apparently joined the Crimson Lotus Sect.",
    "There was a strange sense of déjà vu as {a} climbed toward {p}.",
    "A hidden master sweeping floors was a cliché, but {a} couldn’t argue with the results.",
    "The visiting envoy wore a beret and called everyone “monsieur” with a straight face.",
]
DIALOGUE = [
    "“You’re late,” {b} said without looking up.",
    "“How many spirit stones?” {a} asked. “Exactly how many?”",
    "“If the {m} comes back, we run,” {b} said. “No heroics.”",
    "“I’m not here to fight,” {a} said. “I’m here to collect.”",
    "“That isn’t how cultivation works,” {b} said flatly.",
    "“Give me {n} days,” {a} said, “and I’ll reach {r}.”",
    "“Do you even know what {i} is worth?” {b} asked.",
    "“Again,” Elder Gu ordered. “And this time, breathe.”",
    "“Let them talk,” {a} said. “Talk is cheap; pills are not.”",
    "“We could sell it,” {b} suggested, eyeing {i}.",
    "“Who taught you that technique?” someone whispered at the back.",
    "“Don’t,” {b} said, catching {a}’s sleeve. “Not here.”",
    "“The rankings will be posted at {p},” the steward announced.",
    "“Fine,” {a} said. “Then we do it the hard way.”",
    "“{k} stones for {i}? Robbery,” {b} muttered.",
]
SYSTEM = [
    "[Skill acquired: {s} (Lv. {n})]",
    "[Warning: qi reserves at {x}%]",
    "[New quest: gather {n} {h}. Reward: {k} EXP]",
    "[Status — Name: {a} | Realm: {r} | EXP: {k}/{k2}]",
    "[Achievement unlocked: Survivor of {p}]",
    "[{m} defeated. +{n} EXP]",
    "[Inventory updated: {i} ×1]",
    "[Title gained: {e}]",
    "[System notice: daily sign-in reward available]",
    "[Affinity with {b} +{n}]",
]
TITLES = [
    "A Janitor with a System",
    "The Mission Board",
    "Ironback Boar",
    "Pills Are Not Cheap",
    "The Trial Tower: Fifth Floor",
    "Black Pine Market",
    "An Unwelcome Notification",
    "Debts and Spirit Stones",
    "Breaking Through",
    "The Steward’s Ledger",
    "Cloud Step",
    "Whispers in the Alchemy Hall",
    "Frost Ginseng",
    "Quiet Heart",
    "Thunder Without Clouds",
    "The Rankings",
    "Sect Rules",
    "A Crack in the Floor",
    "Night Shift",
    "Hidden Master, Swept Floors",
    "Auction Fever",
    "The Bone Flute",
    "Counting Stones",
    "Dawn Trial",
    "Inventory Full",
    "The Crimson Lotus Envoy",
    "Old Debts",
    "The Sword-Washing Pool",
    "An Honest Merchant",
    "Rain on the Mountain Gate",
    "The Shadow Lynx",
    "Side Effects",
    "Beast Cores",
    "The Copper Furnace",
    "Borrowed Strength",
]
CJK_TITLES = [
    "初入宗门",
    "系统觉醒",
    "坊市风波",
    "试炼之塔",
    "灵石之债",
    "夜雨",
    "丹房",
    "突破",
    "兽谷",
    "拍卖会",
    "外门大比",
    "借来的力量",
]

# --------------------------------------------------------------------------- traps

CATCHPHRASE = "“Heaven is blind, but the System keeps the books,” Fatty Wu muttered."
QUEST_DING = "[Ding! Quest complete: +50 EXP]"


def _trap(kind, rng):
    """One trap line of the given kind (a whole paragraph of story text)."""
    if kind == "url":
        return rng.choice(
            [
                "“Just search www.example.org if you don’t believe me,” Xu Lan said, "
                "tapping the jade slip.",
                "Someone had carved www.example.org into the pillar, which made no sense "
                "in a world without the internet.",
            ]
        )
    if kind == "rules":
        return f"“Chapter {rng.randint(3, 19)} of the sect rules forbids this,” Elder Gu said."
    if kind == "risk":
        return (
            "“Read it at your own risk,” the librarian said, sliding the manual across the counter."
        )
    if kind == "catchphrase":
        return CATCHPHRASE
    if kind == "ding":
        return QUEST_DING
    if kind == "scene":
        return "* * *"
    if kind == "censor":
        return rng.choice(
            [
                "That **** steward had doubled the fee again.",
                "“Get lost, you ****,” Brother Hao snapped, and slammed the door.",
                "Shen Yao stared at the bill and felt a little **** again.",
            ]
        )
    if kind == "contract":
        return (
            f"Chapter {rng.randint(2, 9)} of the contract stated that the loser would sweep "
            "the Trial Tower for a year."
        )
    if kind == "levelup":
        return "<Level Up!>"
    if kind == "underscore":
        return "Xu Lan labelled the jade slip backup_final_2 and hid it under the floorboards."
    if kind == "asterisk":
        return "The ranking board listed Shen Yao as 14th*, the asterisk meaning pending review."
    if kind == "short":
        return rng.choice(["Next.", "Previous owner: Zhao."])
    raise ValueError(kind)


# kind -> probability per chapter (each kind is also forced into at least one chapter)
TRAP_KINDS = {
    "url": 0.08,
    "rules": 0.1,
    "risk": 0.07,
    "catchphrase": 0.35,
    "ding": 0.3,
    "scene": 0.25,
    "censor": 0.12,
    "contract": 0.1,
    "levelup": 0.1,
    "underscore": 0.07,
    "asterisk": 0.07,
    "short": 0.12,
}

# --------------------------------------------------------------------------- junk families

NB_SPLICE = "~www.novelbuddy.com~"
LNP_SPLICES = [
    "ʟɪɢʜᴛɴᴏᴠᴇʟᴘᴜʙ.ᴄᴏᴍ",
    "l1ghtn0velpub.c0m",
    "lightnovelpub . com",
    "[lightnovelpub]",
    "ℓιɢнтησνєℓρυв.¢σм",
]
SPLICE_TOKENS = [NB_SPLICE] + LNP_SPLICES
NF_NAV = ["Previous Chapter | Next Chapter", "<< Prev Chapter Table of Contents Next Chapter >>"]
NF_REPORT = (
    "If you find any errors ( broken links, non-standard content, etc.. ), Please let us "
    "know < report chapter > so we can fix it as soon as possible."
)
LNP_LINES = [
    "The source of this content is lightnovelpub.com",
    "The source of this content is lightnovelpub.com.",
    "This content is taken from lightnovelpub.com",
]
WN_LINES = [
    "Find authorized novels in Webnovel, faster updates, better experience, Please click "
    "www.webnovel.com for visiting.",
    "Find authorized novels in Webnovel，faster updates, better experience，Please click "
    "www.webnovel.com  for visiting.",
    "Find authorized novels in Webnovel, faster updates, better experience, Please click "
    '<a href="http://www.webnovel.com">www.webnovel.com</a> for visiting.',
]
FWN_TIP = "Tip: You can use left, right, A and D keyboard keys to browse between chapters."
FWN_LINES = [
    "Visit freewebnovel.com for the best novel reading experience",
    "Read latest Chapters at freewebnovel.com Only",
    "This chapter is updated by freewebnovel.com",
    "The latest novels are published on freewebnovel.com",
]
ZZZ_LINES = [
    "novelzzz.net",
    "Read the latest chapters at n0velzzz.net",
    "Visit novelzzz.net for more chapters",
    "Read more chapters at novelzzz.net!",
    "This chapter is brought to you by novelzzz.net",
]
CJK_LINES = [
    "请记住本书首发域名：biquge.info。笔趣阁手机版阅读网址：m.biquge.info",
    "天才一秒记住本站地址：www.biquge.info",
]
CJK_END = ["（本章完）", "(本章完)"]


class _Chapter:
    """A chapter being dirtied: its clean body plus the junk that families add around it."""

    def __init__(self, rng, book, num, title, body, traps, fmt, style, volume):
        self.rng, self.book, self.num, self.title = rng, book, num, title
        self.body, self.traps, self.fmt, self.style, self.volume = body, traps, fmt, style, volume
        self.dirty = list(body)  # body with splices / mojibake applied, same indexes as body
        self.pre: list[str] = []  # lines above the header
        self.post: list[str] = []  # lines right under the header
        self.tail: list[str] = []  # lines after the last paragraph
        self.mid: dict[int, list[str]] = {}  # index -> junk paragraphs put before body[index]
        self.junk: list[str] = []
        self.header: str | None = None

    def probe(self, *probes):
        for p in probes:
            if p not in self.junk:
                self.junk.append(p)

    def insert(self, line, lo=1):
        i = self.rng.randint(min(lo, len(self.body) - 1), len(self.body) - 1)
        self.mid.setdefault(i, []).append(line)

    def _spliceable(self):
        return [
            i
            for i, p in enumerate(self.body)
            if p not in self.traps and not p.startswith("[") and ". " in p and self.dirty[i] == p
        ]

    def splice_word(self, token):
        """Glue token onto the end of a word: 'again~www.x.com~ Meituan'."""
        cand = self._spliceable()
        if not cand:
            return False
        i = self.rng.choice(cand)
        p = self.dirty[i]
        spaces = [k for k, c in enumerate(p) if c == " "]
        k = self.rng.choice(spaces)
        self.dirty[i] = p[:k] + token + p[k:]
        return True

    def splice_sentence(self, token):
        """Drop a token between two sentences: 'He left. TOKEN The door...'."""
        cand = self._spliceable()
        if not cand:
            return False
        i = self.rng.choice(cand)
        p = self.dirty[i]
        ends = [k for k in range(len(p) - 1) if p[k] in ".!?”" and p[k + 1] == " "]
        k = self.rng.choice(ends)
        self.dirty[i] = p[: k + 1] + " " + token + p[k + 1 :]
        return True

    def generic_header(self):
        n, t = self.num, self.title
        if self.volume and self.rng.random() < 0.5:
            return (
                f"Volume {self.volume} Chapter {n}: {t}"
                if t
                else f"Volume {self.volume} Chapter {n}"
            )
        if not t:
            return f"Chapter {n}"
        return self.style.format(n=n, t=t)


def fam_plain(c: _Chapter):
    c.header = c.generic_header()


def fam_novelbuddy(c: _Chapter):
    c.pre.append("©NovelBuddy")
    if c.fmt == "md":
        c.header = c.generic_header()
    else:
        c.title = c.title.lower()
        c.header = f"MTL - {c.book}-Chapter {c.num} {c.title}".rstrip()
        c.probe("MTL - ")
    if c.rng.random() < 0.6:
        c.splice_word(NB_SPLICE)
    c.tail.append(":. :")
    c.probe("novelbuddy", ":. :")


def fam_novelfull(c: _Chapter):
    c.header = c.generic_header() if c.volume or "." in c.num else f"Chapter {c.num}: {c.title}"
    nav = NF_NAV[c.rng.random() < 0.5]
    c.post.append(nav)
    c.tail.append(nav)
    if c.rng.random() < 0.7:
        c.tail.insert(0, NF_REPORT)
        c.probe("report chapter", "broken links")
    c.probe(nav, "Next Chapter")


def fam_lightnovelpub(c: _Chapter):
    c.header = c.generic_header()
    for _ in range(c.rng.randint(1, 2)):
        tok = c.rng.choice(LNP_SPLICES)
        if c.splice_sentence(tok):
            c.probe(tok)
    if c.rng.random() < 0.6:
        line = c.rng.choice(LNP_LINES)
        (c.tail.append if c.rng.random() < 0.5 else c.insert)(line)
        c.probe("lightnovelpub.com")


def fam_webnovel(c: _Chapter):
    c.header = c.generic_header()
    for _ in range(c.rng.randint(1, 3)):
        c.insert(c.rng.choice(WN_LINES))
    c.probe("webnovel", "authorized novels")


def fam_freewebnovel(c: _Chapter):
    c.header = c.generic_header() if c.volume or "." in c.num else f"Chapter {c.num} - {c.title}"
    (c.post if c.rng.random() < 0.5 else c.tail).append(FWN_TIP)
    for _ in range(c.rng.randint(1, 2)):
        c.insert(c.rng.choice(FWN_LINES))
    c.probe("freewebnovel", "keyboard keys")


def fam_unknown(c: _Chapter):
    c.header = c.generic_header()
    where = c.book_state.setdefault("zzz_where", c.rng.choice(["head", "tail", "both"]))
    for spot in ["head", "tail"] if where == "both" else [where]:
        line = c.rng.choice(ZZZ_LINES)
        (c.post if spot == "head" else c.tail).append(line)
        c.probe(line)


def fam_cjk(c: _Chapter):
    if not c.title or c.volume:
        c.header = c.generic_header()
    else:
        c.title = c.rng.choice(CJK_TITLES)
        c.header = f"第{c.num}章 {c.title}"
        c.probe(f"第{c.num}章")
    if c.rng.random() < 0.5:
        c.pre.append(c.rng.choice(CJK_LINES))
        c.probe("biquge")
    c.tail.append(c.rng.choice(CJK_END))
    c.probe("本章完")


FAMILIES = {
    "novelbuddy": fam_novelbuddy,
    "novelfull": fam_novelfull,
    "lightnovelpub": fam_lightnovelpub,
    "webnovel": fam_webnovel,
    "freewebnovel": fam_freewebnovel,
    "unknown": fam_unknown,
    "cjk": fam_cjk,
    "plain": fam_plain,
}
HEADER_STYLES = ["Chapter {n}: {t}", "Chapter {n} - {t}", "Ch. {n} {t}", "Chapter {n} {t}"]

# --------------------------------------------------------------------------- prose


def _paragraph(rng, accent_rate=0.03):
    rnd = rng.random  # random() indexing: several times faster than choice()

    def pick(seq):
        return seq[int(rnd() * len(seq))]

    slots = {
        "a": pick(HEROES),
        "b": pick(ALLIES),
        "p": pick(PLACES),
        "i": pick(ITEMS),
        "s": pick(SKILLS),
        "r": pick(REALMS),
        "m": pick(BEASTS),
        "h": pick(HERBS),
        "e": pick(EPITHETS),
        "n": 2 + int(rnd() * 39),
        "k": 100 + int(rnd() * 9900),
        "k2": 10000 + int(rnd() * 10001),
        "x": 3 + int(rnd() * 95),
    }
    if rnd() < 0.07:
        return pick(SYSTEM).format_map(slots)
    out, used = [], set()
    for _ in range(2 + int(rnd() * 4)):
        for _try in range(4):
            u = rnd()
            tpl = pick(ACCENTED if u < accent_rate else DIALOGUE if u < 0.3 else NARRATION)
            if tpl not in used:
                break
        used.add(tpl)
        out.append(tpl.format_map(slots))
    return " ".join(out)


def _mojibake(s):
    """The text as it looks after UTF-8 bytes were decoded as cp1252 (repairable both ways)."""
    return s.encode("utf-8").decode("cp1252")


def _mojibake_ok(s):
    if s.isascii():
        return False
    try:
        return _mojibake(s).encode("cp1252").decode("utf-8") == s
    except UnicodeError:
        return False


# --------------------------------------------------------------------------- the book


def _numbering(chapters, inserted, volumes, restart, rng):
    """[(volume or 0, number string)] in reading order."""
    vol_of = [0] * chapters
    if volumes > 1:
        size = -(-chapters // volumes)
        vol_of = [i // size + 1 for i in range(chapters)]
    plan, local = [], 0
    for i in range(chapters):
        if i and vol_of[i] != vol_of[i - 1] and restart:
            local = 0
        local += 1
        plan.append((vol_of[i], str(local)))
    for k in sorted(rng.sample(range(chapters), min(inserted, chapters)), reverse=True):
        v, n = plan[k]
        plan.insert(k + 1, (v, f"{n}.5"))
    return plan


def _file_name(fmt, vol, num):
    if fmt == "md":
        whole, _, frac = num.partition(".")
        name = f"{int(whole):05d}" + (f".{frac}" if frac else "") + ".md"
    else:
        name = f"Chapter {num}.txt"
    return f"Volume {vol}/{name}" if vol else name


def _yaml_str(s):
    return json.dumps(s, ensure_ascii=False)


def make_book(
    dest: Path,
    chapters: int = 50,
    seed: int = 1,
    fmt: str = "txt",
    families: list[str] | None = None,
    title: str = "The System Made Me a Sect Janitor",
    author: str = "Yun Moxi",
    *,
    encodings: bool = False,
    inserted: int = 0,
    volumes: int = 0,
    restart_numbering: bool = True,
    dup_header: float = 0.15,
    force: bool = False,
) -> list[dict]:
    """Write a dirty book into dest and return its truth list (also written as truth.json).

    chapters: regular chapters; `inserted` extra "N.5" chapters go after random ones.
    families: junk family names (see FAMILIES); default all. Chapters take families in runs.
    encodings: mix cp1252 / UTF-16 / UTF-8-BOM / CRLF files, blank-line vs one-line-per-
      paragraph layout, indented lines, and a few mojibake paragraphs (truth has them repaired).
    volumes: split into `volumes` folders "Volume k/"; restart_numbering restarts at 1 each.
    dup_header: chance that the header is repeated as the first body line.
    """
    if fmt not in ("txt", "md"):
        raise ValueError("fmt must be 'txt' or 'md'")
    fams = list(families) if families else list(FAMILIES)
    for f in fams:
        if f not in FAMILIES:
            raise ValueError(f"unknown family {f!r}; known: {', '.join(FAMILIES)}")
    dest = Path(dest)
    chap_dir = dest / "chapters"
    if chap_dir.exists() and any(chap_dir.iterdir()):
        if not force:
            raise FileExistsError(f"{chap_dir} is not empty (use force=True)")
        shutil.rmtree(chap_dir)
    chap_dir.mkdir(parents=True, exist_ok=True)
    (dest / "book.yaml").write_text(
        f"title: {_yaml_str(title)}\nauthor: {_yaml_str(author)}\nlanguage: en\n", encoding="utf-8"
    )

    rng = random.Random(seed)
    erng = random.Random(f"enc-{seed}")  # dirt decisions don't shift the prose
    plan = _numbering(chapters, inserted, volumes, restart_numbering, rng)
    total = len(plan)
    style = {f: rng.choice(HEADER_STYLES) for f in FAMILIES}
    book_state: dict = {}
    forced = {kind: (j * 7 + 3) % total for j, kind in enumerate(TRAP_KINDS)} if total else {}
    truth, fam_run, run_left = [], None, 0
    carry_cp1252 = carry_moji = False
    made_dirs = set()

    for idx, (vol, num) in enumerate(plan):
        if run_left <= 0:
            fam_run, run_left = rng.choice(fams), rng.randint(2, 9)
        run_left -= 1
        if "." in num:
            ctitle = rng.choice(["", "Side Story: " + rng.choice(TITLES)])
        else:
            ctitle = rng.choice(TITLES)
        body = [_paragraph(rng) for _ in range(rng.randint(25, 40))]
        traps = []
        for kind, prob in TRAP_KINDS.items():
            if forced.get(kind) == idx or rng.random() < prob:
                t = _trap(kind, rng)
                if kind in ("contract", "short") and rng.random() < 0.25:
                    pos = 0 if kind == "contract" else len(body)  # first / last line
                else:
                    pos = rng.randint(2, len(body) - 2)
                body.insert(pos, t)
                if t not in traps:
                    traps.append(t)

        c = _Chapter(
            rng,
            title,
            num,
            ctitle,
            body,
            traps,
            fmt,
            style["plain" if fam_run == "cjk" else fam_run],
            vol,
        )
        c.book_state = book_state
        FAMILIES[fam_run](c)
        header = c.header
        head_probe = header
        if fmt == "md":
            header = "# " + header
        c.probe(head_probe)
        lines = c.pre + [header]
        if rng.random() < dup_header:
            dup = (
                head_probe
                if rng.random() < 0.5 or fam_run == "cjk"
                else (f"Chapter {num}: {c.title}" if c.title else f"Chapter {num}")
            )
            if fmt == "md" and rng.random() < 0.5:
                lines.append(f"**{dup}**")
            else:
                lines.append(dup)
            c.probe(dup)
        lines += c.post

        # dirty encodings: decide now, some need a suitable paragraph
        enc, crlf, layout, indent = "utf-8", False, "lines" if fmt == "txt" else "blank", ""
        if encodings:
            r = erng.random()
            enc = (
                "cp1252"
                if carry_cp1252 or r < 0.10
                else "utf-16"
                if r < 0.16
                else "utf-8-sig"
                if r < 0.28
                else "utf-8"
            )
            crlf = erng.random() < 0.15
            if fmt == "txt" and erng.random() < 0.35:
                layout = "blank"
            if fmt == "txt" and erng.random() < 0.08:
                indent = erng.choice(["  ", "\u3000\u3000", "\t"])
            if carry_moji or erng.random() < 0.06:
                cand = [
                    i
                    for i, p in enumerate(c.body)
                    if p not in traps and c.dirty[i] == p and _mojibake_ok(p)
                ]
                carry_moji = not cand
                for i in erng.sample(cand, min(len(cand), erng.randint(1, 3))):
                    c.dirty[i] = _mojibake(c.body[i])
                if cand and enc == "cp1252":  # keep the two kinds of dirt apart
                    enc, carry_cp1252 = "utf-8", True
        out = []
        for i, p in enumerate(c.dirty):
            out += c.mid.get(i, [])
            out.append(p)
        lines += out + c.tail
        if indent:
            lines = [indent + ln for ln in lines]
        text = ("\n\n" if layout == "blank" else "\n").join(lines) + "\n"
        if crlf:
            text = text.replace("\n", "\r\n")
        if enc == "cp1252":
            try:
                data = text.encode("cp1252")
                carry_cp1252 = False
            except UnicodeEncodeError:  # CJK or small capitals: try the next chapter
                enc, carry_cp1252 = "utf-8", True
        if enc != "cp1252":
            data = text.encode(enc)

        rel = _file_name(fmt, vol, num)
        if vol and vol not in made_dirs:
            (chap_dir / f"Volume {vol}").mkdir(exist_ok=True)
            made_dirs.add(vol)
        (chap_dir / rel).write_bytes(data)

        clean = "\n".join(c.body).lower()
        clean_k = unicodedata.normalize("NFKC", clean)
        junk = [
            j
            for j in c.junk
            if j.lower() not in clean and unicodedata.normalize("NFKC", j.lower()) not in clean_k
        ]
        truth.append(
            {
                "file": rel,
                "number": num,
                "title": c.title,
                "body": c.body,
                "junk": junk,
                "traps": traps,
            }
        )

    with open(dest / "truth.json", "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in truth) + "\n]\n")
    return truth


def read_dirty(path: Path) -> str:
    """Decode a generated chapter file the way a careful reader would (for tests)."""
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    return text.replace("\r\n", "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m tests.support.dirtybook",
        description="Write a synthetic dirty web-novel book and its truth.json.",
    )
    ap.add_argument("dest", type=Path)
    ap.add_argument("-n", "--chapters", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["txt", "md"], default="txt")
    ap.add_argument("--families", help=f"comma list of: {','.join(FAMILIES)} (default all)")
    ap.add_argument("--encodings", action="store_true", help="mix encodings, line endings, layouts")
    ap.add_argument("--inserted", type=int, default=0, help="extra N.5 chapters")
    ap.add_argument("--volumes", type=int, default=0)
    ap.add_argument(
        "--continue-numbering",
        action="store_true",
        help="with --volumes: numbering runs on across volumes",
    )
    ap.add_argument("--title", default="The System Made Me a Sect Janitor")
    ap.add_argument("--author", default="Yun Moxi")
    ap.add_argument("--force", action="store_true", help="replace an existing chapters/ folder")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    truth = make_book(
        a.dest,
        a.chapters,
        a.seed,
        a.format,
        a.families.split(",") if a.families else None,
        a.title,
        a.author,
        encodings=a.encodings,
        inserted=a.inserted,
        volumes=a.volumes,
        restart_numbering=not a.continue_numbering,
        force=a.force,
    )
    print(f"wrote {len(truth)} chapters to {a.dest} in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    main()
