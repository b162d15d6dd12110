"""What a line looks like, independent of any site: a scene break, the words of an
advertisement, the unusual characters in it. Shared by the cleaner, boilerplate learning
and the renderer."""

from __future__ import annotations

import re

from ebookgen.fold import fold

_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\n\t"


def unusual_characters(text: str) -> set[str]:
    """The distinct characters of `text` other than printable ASCII, newline and tab. Found
    at C speed (on the UTF-8 bytes, with the plain ones deleted): one look at this small set
    tells whether a chapter needs any of normalise()'s whole-text passes, or holds CJK."""
    rest = text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_BYTES)
    return set(rest.decode("utf-8", "surrogatepass")) if rest else set()


# A line of only these (and spaces), at least three marks, at most two kinds: a scene break
# ('* * *', '***', '---', '###', '◇◇◇', '~~~').
SCENE_BREAK_CHARS = set("*-_=~#◇◆○●•·※§+◈◎★☆")


def is_scene_break(line: str) -> bool:
    marks = line.strip()
    if marks[:1] not in SCENE_BREAK_CHARS:  # most lines: one look at the first character
        return False
    marks = marks.replace(" ", "")
    return len(marks) >= 3 and set(marks) <= SCENE_BREAK_CHARS and len(set(marks)) <= 2


# A promotional sentence names at least one of these; function words alone are not enough
# ('It is on example.com.' is story).
STRONG_PROMO = re.compile(
    r"read\w*|visit\w*|chapters?|novels?|updates?|updated|latest|website|site|sources?|"
    r"translat\w*|stolen|pirated|faster|free|bookmark|support|original|official|hosted|"
    r"published|extra|bonus|advance|mirror|click|download|app|discord|patreon|ko-?fi|"
    r"webnovel|lightnovel|wuxia|mtl|release[sd]?|subscribe|follow|check|find|search|google|"
    r"continue|keep|bookmark|moving|moved|domain|address|remember|faster|content|taken|stories|"
    r"exclusive|repost\w*|reupload\w*",
    re.IGNORECASE,
)
# What an advertisement leaves beside itself on a line ('Enjoying the story? Visit ...').
LEFTOVER_WORDS = re.compile(
    r"like[sd]?|love[sd]?|enjoy\w*|thanks?|thank|story|novel|please|do|does|it|read\w*|want|"
    r"more|liked|loving|reading|interested|fan|fans", re.IGNORECASE
)

# Words of a promotional line: with a site name and few other words, the line is junk.
PROMO = re.compile(
    r"\b(read|reading|visit|latest|chapters?|source|content|novels?|updates?|faster|find|"
    r"support|translat\w*|original|website|site|available|free|click|at|on|from|only|first|"
    r"more|www|com|net|org|for|the|this|is|of|and|please|best|experience|hosted|stolen|"
    r"published|found|full|online|novel\w*|here|to|go|by|our|official|version|visit\w*|"
    r"check|out|extra|bonus|advance|stolen|enjoy\w*|new|now|daily|mirror|link|via|"
    r"you|your|can|if|want|get|and|story|stories|bookmark|follow|updated|release[sd]?|"
    r"every|day|days|week|weekly|fast|fastest|quickly|soon|exclusive|repost\w*|reupload\w*|copy|do|not)\b",
    re.IGNORECASE,
)


def promo_share(text: str) -> tuple[int, float, bool]:
    """(words, share of promotional words, has a strong one) of a line or sentence."""
    words = re.findall(r"[^\W_]+", fold(text))
    if not words:
        return 0, 0.0, False
    share = sum(1 for w in words if PROMO.fullmatch(w)) / len(words)
    return len(words), share, any(STRONG_PROMO.fullmatch(w) for w in words)
