"""The cleaning engine's behaviour: what goes (junk of every disguise), what stays (story that
looks like junk), normalisation, the user's own rules, learnt boilerplate, and `ebookgen
clean` listing every removal."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import STORY as STORY_LINES
from conftest import Epub, one_epub, run_cli, write_book

from ebookgen.boilerplate import Boilerplate, detect, signature
from ebookgen.build import prepare
from ebookgen.clean import BookContext, Cleaner, normalise
from ebookgen.model import SCENE_BREAK, CleanOptions, Source
from ebookgen.rulesets import compile_rules

RULES = compile_rules(CleanOptions())
STORY = STORY_LINES[:8]


def clean(text: str, title: str = "Test Book", name: str = "Chapter 1.txt", fmt: str = "txt", boiler=None):
    source = Source(Path(name), name, text, "utf-8", fmt, (), "0")
    return Cleaner(RULES, BookContext(title, boiler or Boilerplate())).clean(source)


def body_with(line: str, at: int = 4, header: str = "Chapter 1: The Start") -> list[str]:
    lines = STORY[:at] + [line] + STORY[at:]
    return list(clean(header + "\n" + "\n".join(lines) + "\n").blocks)


def expect(line: str, at: int = 4) -> list[str]:
    return STORY[:at] + [line] + STORY[at:]


# --- spliced addresses, however disguised ---------------------------------------------------

@pytest.mark.parametrize(
    "dirty",
    [
        "He left.~www.novelbuddy.com~ The door closed behind him.",
        "He left. novelbin.net The door closed behind him.",
        "He left. n.o.v.e.l.b.i.n.net The door closed behind him.",
        "He left. nov/el/bin[.]net The door closed behind him.",
        "He left. [lightnovelpub] The door closed behind him.",
        "He left. lightnovelpub . com The door closed behind him.",
        "He left. ʟɪɢʜᴛɴᴏᴠᴇʟᴘᴜʙ.ᴄᴏᴍ The door closed behind him.",
        "He left. ℓιɢнтησνєℓρυв.¢σм The door closed behind him.",
        "He left. l1ghtn0velpub.c0m The door closed behind him.",
        "He left. ｎｏｖｅｌｂｉｎ．ｎｅｔ The door closed behind him.",
        "He left. (novelbuddy.com) The door closed behind him.",
        "He left. https://www.novelbin.net/b/sect-janitor/chapter-3 The door closed behind him.",
        "He left. Please read on novelzzz.net. The door closed behind him.",
        "He left. Visit n o v e l z z z . n e t for extra chapters! The door closed behind him.",
    ],
)
def test_spliced_address_goes_and_the_sentences_stay(dirty):
    assert body_with(dirty) == expect("He left. The door closed behind him.")


def test_address_glued_to_a_word_is_cut_with_its_wrapping():
    assert body_with("And then again~www.novelbuddy.com~ Meituan is hungry.") == expect("And then again Meituan is hungry.")
    assert body_with("He drew his sword(novelzzz.com) and waited.") == expect("He drew his sword and waited.")


@pytest.mark.parametrize(
    "junk",
    [
        "Read latest chapters at novelbuddy.com",
        "Visit novelzzz.net for extra chapters",
        "Visit novelzzz(.)net for extra chapters!",
        "Find more chapters at n.o.v.e.l.z.z.z.net",
        "Enjoying the story? Check out novelzzz.net",
        "Please go to https://www.novelzzz.net/book/123 to read the latest chapters for free",
        "For the latest updates, visit novelzzz . net",
        "Read 'Test Book' on novelzzz.net",
        "-- novelzzz.net --",
        "[novelzzz.net]",
        "If you are reading this on any other site, it has been stolen.",
        "Click here to report an error",
        "Previous | Index | Next",
        "« Prev | Index | Next »",
        "ʀᴇᴀᴅ ᴍᴏʀᴇ ᴀᴛ ɴᴏᴠᴇʟʙɪɴ.ɴᴇᴛ",
        "&nbsp;",
        "Chapter 12 (1/2) end",
        "Remember the URL in one second: www.biquge.info",
        "The chapter is not over yet, please click on the next page to continue reading the exciting content!",
        "(This chapter is over)",
        "Search the NovelFire.net website on Google to access chapters of novels early and in the highest quality.",
        "Your gift is the motivation for my creation. Give me more motivation!",
        "You're reading novel Test Book Chapter 1 online at LightNovelFree.com. Please use the follow button to get notification about the latest chapter next time when you visit LightNovelFree.com.",
        "Please enable JavaScript to view the comments powered by Disqus.",
        "Copyright © NovelBuddy",
        "(adsbygoogle = window.adsbygoogle || []).push({});",
        "Read Test Book on LightNovelPub",
        "Report this ad",
    ],
)
def test_promotional_lines_go_anywhere_in_a_chapter(junk):
    assert body_with(junk) == STORY


@pytest.mark.parametrize(
    "junk",
    [
        "Translated by Nyoi | Edited by Bao",
        "Translator: Nyoi Editor: Bao",
        "TL: Nyoi, ED: Bao",
        "Thanks for reading! Don't forget to vote.",
        "Support us on Patreon for 10 advance chapters!",
        "Join our Discord: discord.gg/abc123",
        "Like this novel? Rate us on novelupdates!",
        "To be continued...",
        "Become a Patron to read up to 20 chapters ahead!",
        "Font size: A A A",
        "Comments (12)",
    ],
)
def test_translator_notes_go_at_the_chapter_edges_only(junk):
    long_story = STORY * 2  # a middle exists: edges are the first/last six lines
    text = "Chapter 1: Start\n" + junk + "\n" + "\n".join(long_story) + "\n" + junk + "\n"
    assert list(clean(text).blocks) == long_story
    middle = "Chapter 1: Start\n" + "\n".join(long_story[:8] + [junk] + long_story[8:]) + "\n"
    assert junk in clean(middle).blocks  # mid-chapter: could be story, so kept


# --- traps: story that looks like junk ---------------------------------------------------------

@pytest.mark.parametrize(
    "trap",
    [
        "“Just search www.example.org if you don’t believe me,” Xu Lan said.",
        "He wrote www.example.org on the back of the letter and slid it across the table.",
        "“Go to novelcorner.com and see for yourself,” Xu Lan said.",
        "He typed novelzzz.net into the search bar and waited.",
        "Send your answer to lin.feng@example.com before dawn.",
        "“Mail me at shen.yao@novelmail.com,” he said.",
        "It is on example.com.",
        "He was done. Net profits would have to wait.",
        "“Read it at your own risk,” the librarian said.",
        "Read it at your own risk.",
        "He read the chapter on sword qi twice before dawn.",
        "The novel he was reading had no ending.",
        "The site of the old battle was covered in snow.",
        "Chapter 3 of the contract stated that the loser would sweep the floors.",
        "Next.",
        "Previous owner: Zhao.",
        "<Level Up!>",
        "[Ding! Quest complete: +50 EXP]",
        "That **** steward had doubled the fee again.",
        "Translated by the monk, the scripture finally made sense.",
        "Edited by hand, the ledger looked clean.",
        "Thanks for reading my letter, Father wrote.",
        "To be continued, he thought, as the lights went out.",
        "He joined the Discord server his cousin ran, and said nothing for a week.",
        "Join our sect, the recruiter said.",
        "The box novel was heavy.",
        "His buddy from the novel club waved at him.",
        "Next Chapter of his life, he thought, would be quieter.",
        "“Previous chapter!” the teacher shouted.",
        "Support the sect, or leave it.",
        "Visit the library at dawn, the elder said.",
        "He visited www.sect-archive.org every night, hoping for news.",
        "“www.example.org,” he read aloud.",
        "The chapter was stolen from the library, the elder said.",
        "“Remember the URL in one second,” the hacker joked, typing fast.",
        "The chapter is not over yet, the old monk said, and turned the page.",
        "He traded three power stones for the map.",
        "“Vote with your power stones!” the herald cried across the square.",
        "Please bookmark this page of the manual before the exam.",
        "Use F11 button to read novel in full-screen, the System suggested, and Shen Yao laughed.",
        "Dark mode.",
    ],
)
@pytest.mark.parametrize("at", [0, 4, 8])
def test_story_that_looks_like_junk_is_kept_whole(trap, at):
    assert body_with(trap, at) == expect(trap, at)


def test_scene_break_is_a_break_and_censor_marks_are_text():
    blocks = body_with("* * *")
    assert blocks == expect(SCENE_BREAK)
    assert body_with("“Get lost, you ****,” Brother Hao snapped.") == expect("“Get lost, you ****,” Brother Hao snapped.")


def test_catchphrase_and_system_message_recurring_mid_chapter_are_kept(tmp_path):
    catch = "“Heaven is blind, but the System keeps the books,” Fatty Wu muttered."
    ding = "[Ding! Quest complete: +50 EXP]"
    chapters = {}
    for n in range(1, 21):
        story = [f"{s} ({n})" for s in STORY]
        body = story[:3] + [catch] + story[3:6] + [ding] + story[6:]
        chapters[f"Chapter {n}.txt"] = f"Chapter {n}: Day {n}\n" + "\n".join(body) + "\n"
    prep = prepare(write_book(tmp_path / "b", chapters))
    for c in prep.cleaned:
        assert catch in c.blocks and ding in c.blocks


# --- normalisation --------------------------------------------------------------------------

def test_mojibake_is_repaired_and_curly_quotes_stay():
    assert normalise("Itâ€™s a “quote” and naÃ¯ve.") == "It’s a “quote” and naïve."


def test_nfc_invalid_xml_and_invisible_characters():
    assert normalise("cafe\u0301") == "café"
    assert normalise("a\x00b\x0bc\x1fd\ufffe") == "abcd"
    assert normalise("cul\u200btiva\u00adtion\u2060 qi") == "cultivation qi"
    assert normalise("zwj 👨\u200d👩 stays") == "zwj 👨\u200d👩 stays"


def test_html_entities_in_plain_text_are_decoded():
    assert normalise("Tom &amp; Jerry&nbsp;ran &#8220;home&#8221; &lt;Level Up!&gt;") == "Tom & Jerry\u00a0ran “home” <Level Up!>"
    assert normalise("&lt;b&gt; stays escaped &nbsp;in Markdown", "md") == "&lt;b&gt; stays escaped  in Markdown"


def test_whitespace_left_by_an_inline_removal_is_collapsed():
    assert body_with("He sat   down.  ~www.novelbuddy.com~  She stood up.") == expect("He sat down. She stood up.")


# --- the user's rules in book.yaml -----------------------------------------------------------

def test_user_rules_end_to_end(tmp_path):
    yaml = r"""title: Rule Book
author: A
language: en
clean:
  remove_lines: ['Proofread by .*']
  remove_inline: ['\(TL note: [^)]*\)']
  replace: [{pattern: 'Meng Gu', with: 'Menggu'}]
  keep: ['novelbuddy\.com is a word in this story']
  rule_sets: [novelbuddy]
"""
    text = (
        "Chapter 1: Start\nProofread by Wen\nMeng Gu rode north (TL note: a tribe) at dawn.\n"
        "novelbuddy.com is a word in this story.\nRead latest chapters at novelbuddy.com\n"
        "Tip: You can use left, right, A and D keyboard keys to browse between chapters.\n"
    )
    book = write_book(tmp_path / "b", {"Chapter 1.txt": text}, yaml)
    assert run_cli("build", str(book)).code == 0
    (ch,) = Epub(one_epub(book)).chapters()
    assert ch.paragraphs[:2] == ["Menggu rode north at dawn.", "novelbuddy.com is a word in this story."]
    # the generic set was not chosen, so its keyboard tip stays
    assert len(ch.paragraphs) == 3 and "keyboard keys" in ch.paragraphs[2]
    out = run_cli("clean", str(book)).out
    assert "book.yaml:5" in out and "book.yaml:6" in out and "book.yaml:7 (replaced)" in out


def test_detect_boilerplate_off_keeps_recurring_lines(tmp_path):
    chapters = {f"Chapter {n}.txt": f"Chapter {n}\n~ Lazy Turtle Translations ~\n" + "\n".join(STORY) + "\n" for n in range(1, 11)}
    on = prepare(write_book(tmp_path / "on", chapters))
    off = prepare(write_book(tmp_path / "off", chapters, "title: T\nlanguage: en\nclean:\n  detect_boilerplate: false\n"))
    assert all(list(c.blocks) == STORY for c in on.cleaned)
    assert all(c.blocks[0] == "~ Lazy Turtle Translations ~" for c in off.cleaned)


def test_bad_user_regex_is_a_one_line_error_naming_book_yaml(tmp_path):
    book = write_book(tmp_path / "b", {"a.txt": "x"}, "title: T\nlanguage: en\nclean:\n  remove_inline:\n    - 'ok'\n    - '(unclosed'\n")
    r = run_cli("clean", str(book))
    assert r.code == 1
    assert "book.yaml:6" in r.err and "invalid regular expression" in r.err and "Traceback" not in r.err


# --- learnt boilerplate ---------------------------------------------------------------------

def learnt_book(n: int = 30) -> list[str]:
    texts = []
    for i in range(1, n + 1):
        lines = [f"Chapter {i}: Day {i}", "Lazy Turtle Translations presents"] + [f"{s} ({i})" for s in STORY]
        lines.insert(5, "The bell tolled three times.")  # story refrain, mid-chapter
        if i % 13 == 0:
            lines.append("Sect Chronicle continues")  # at the tail of 3 chapters in 40: unsure
        lines.append(f"Edited at the Turtle Den, part {i}")
        texts.append("\n".join(lines) + "\n")
    return texts


def test_lines_recurring_at_chapter_edges_are_learnt_and_removed():
    texts = learnt_book()
    boiler = detect([signature(t) for t in texts])
    for i, t in enumerate(texts, 1):
        c = clean(t, name=f"Chapter {i}.txt", boiler=boiler)
        assert "Lazy Turtle Translations presents" not in c.blocks
        assert f"Edited at the Turtle Den, part {i}" not in c.blocks  # digits vary: still one line
        assert "The bell tolled three times." in c.blocks
        assert any(r.rule == "boilerplate" for r in c.removals)


def test_unsure_lines_are_kept_and_listed_as_candidates():
    texts = learnt_book(40)
    boiler = detect([signature(t) for t in texts])
    assert any("sect chronicle continues" in k for k, _ in boiler.candidates)
    c = clean(texts[12], name="Chapter 13.txt", boiler=boiler)
    assert "Sect Chronicle continues" in c.blocks


def test_recurring_story_sentence_at_edges_is_not_learnt():
    texts = []
    for i in range(1, 31):
        opener = f"Chapter {i % 9 + 2} of the contract stated that the loser would sweep the tower."
        texts.append(f"Chapter {i}: Day {i}\n" + (opener + "\n" if i % 4 == 0 else "") + "\n".join(STORY) + "\n")
    boiler = detect([signature(t) for t in texts])
    assert not boiler.lines
    assert any("contract" in k for k, _ in boiler.candidates)


def test_a_novel_site_spliced_across_the_book_is_learnt():
    story = STORY * 2  # the spliced line sits mid-chapter, not at an edge
    texts = [f"Chapter {i}: Day {i}\n" + "\n".join(story[:8]) + f"\nHe bowed novelqqq.net and left ({i}).\n" + "\n".join(story[8:]) + "\n" for i in range(1, 6)]
    boiler = detect([signature(t) for t in texts])
    assert [s.name for s in boiler.sites] == ["novelqqq"]
    c = clean(texts[0], boiler=boiler)
    assert "He bowed and left (1)." in c.blocks



def test_a_site_the_rules_know_is_not_learnt_again_and_each_removal_is_listed_once(tmp_path):
    """novelbuddy is in the built-in rules: spliced across the book it is cut by its rule,
    once, not also learnt (which listed every cut twice, under two rules)."""
    story = STORY * 2
    chapters = {
        f"Chapter {i}.txt": f"Chapter {i}: Day {i}\n" + "\n".join(story[:8])
        + f"\nHe bowed~www.novelbuddy.com~ and left ({i}).\n" + "\n".join(story[8:]) + "\n"
        for i in range(1, 7)
    }
    book = write_book(tmp_path, chapters)
    prepared = prepare(book)
    assert "novelbuddy" not in [s.name for s in prepared.boilerplate.sites]
    assert "novelbuddy" not in [k for k, _ in prepared.boilerplate.candidates]
    for i, c in enumerate(prepared.cleaned, 1):
        assert f"He bowed and left ({i})." in c.blocks
        cuts = [r for r in c.removals if "novelbuddy" in r.text]
        assert [r.rule for r in cuts] == ["novelbuddy.site"], cuts

# --- the dry run ----------------------------------------------------------------------------

def test_clean_command_lists_every_removal_with_its_rule_and_a_summary(tmp_path):
    chapters = {
        "Chapter 1.txt": "©NovelBuddy\nMTL - Test Book-Chapter 1 the start\n" + "\n".join(STORY[:4])
        + "\nAnd then again~www.novelbuddy.com~ Meituan is hungry.\n:. :\n",
        "Chapter 2.txt": "Chapter 2: Next Day\nPrevious Chapter | Next Chapter\n" + "\n".join(STORY[4:])
        + "\nHe wrote www.example.org on the letter.\n",
    }
    book = write_book(tmp_path / "b", chapters)
    before = {p: p.read_bytes() for p in (book / "chapters").iterdir()}
    r = run_cli("clean", str(book))
    assert r.code == 0
    out = r.out
    for rule, text in [
        ("novelbuddy.watermark", "©NovelBuddy"),
        ("header", "MTL - Test Book-Chapter 1 the start"),
        ("novelbuddy.site", "~www.novelbuddy.com~"),
        ("generic.punctuation_tail", ":. :"),
        ("generic.nav_bar", "Previous Chapter | Next Chapter"),
    ]:
        assert any(rule in ln and text in ln for ln in out.splitlines()), (rule, out)
    assert "Chapter 1.txt: Chapter 1: the start" in out
    assert "kept (candidate)" in out and "www.example.org" in out
    assert "removals in 2 chapters" in out
    assert not (book / "build").exists()  # a dry run writes nothing
    assert before == {p: p.read_bytes() for p in (book / "chapters").iterdir()}


def test_user_remove_lines_are_searched_like_grep(tmp_path):
    """`remove_lines: ['^JUNK']` removes 'JUNK and more' without needing '.*$'."""
    yaml = "title: X\nlanguage: en\nclean:\n  remove_lines: ['^JUNK']\n"
    text = "Chapter 1: One\nJUNK and more junk\nHe saw JUNK on the road and walked on.\n"
    book = write_book(tmp_path, {"Chapter 1.txt": text}, yaml)
    assert run_cli("build", str(book)).code == 0
    assert Epub(one_epub(book)).chapters()[0].paragraphs == ["He saw JUNK on the road and walked on."]


def test_a_site_no_rule_knows_is_learnt_in_all_its_disguises(tmp_path):
    """An unknown site rotating its watermark through fancy letters, spaced letters, '(.)',
    '[dot]', full-width forms and a bare brand line, and spliced into sentences: all of it
    goes, no story text does."""
    junk = [
        "Thank you for reading at ѕтσяуηєѕт.¢σм",
        "Read more at s-t-o-r-y-n-e-s-t dot com",
        "Visit ＳｔｏｒｙＮｅｓｔ．ｃｏｍ for the newest chapters!",
        "This translation is hosted on storynest(.)com",
        "Follow us at storynest [dot] com for updates",
        "Updates every day at s t o r y n e s t . c o m",
        "StoryNest exclusive — do not repost",
    ]
    chapters, bodies = {}, {}
    for n in range(1, 43):
        body = [f"{s} ({n})" for s in STORY_LINES[:6]]
        dirty = list(body)
        if n % 3 == 0:  # spliced between two sentences, its dot in brackets
            dirty[2] = dirty[2] + " storynest(.)com " + dirty[3]
            body[2] = body[2] + " " + body[3]
            del dirty[3], body[3]
        lines = [f"Chapter {n}: Day {n}", junk[n % 7]] + dirty + [junk[(n * 3 + 1) % 7]]
        chapters[f"Chapter {n}.txt"] = "\n".join(lines) + "\n"
        bodies[f"Chapter {n}.txt"] = body
    prepared = prepare(write_book(tmp_path / "b", chapters))
    for c in prepared.cleaned:
        assert list(c.blocks) == bodies[c.source.rel], c.source.rel
    assert "storynest" in {s.name for s in prepared.boilerplate.sites}
