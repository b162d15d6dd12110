"""Chapter headers: 'MTL - Internet 2010-Chapter 332 rising witness' -> (332, 'rising witness').

A header is only looked for in the first lines of a file, and a line that reads like a
sentence ('Chapter 3 of the contract stated ...') is story, not a header."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ebookgen.sources import cjk_number

# 12, 12.5, 12-2 (a part, or chapters 12-13), and 1,234 (a thousands separator)
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?(?:-\d+)?)"
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_UNITS = "|".join(list(_WORD_NUMBERS)[:9])
# "twelve", "twenty", "twenty-one", "one hundred and five"
_WORD = (
    r"(?:(?:" + _UNITS + r")\s+hundred(?:\s+and)?\s*)?"
    r"(?:(?:" + "|".join(_TENS) + r")(?:[\s-]?(?:" + _UNITS + r"))?|" + "|".join(_WORD_NUMBERS) + r")"
    r"|(?:" + _UNITS + r")\s+hundred"
)
# Roman numerals, upper case only ("CHAPTER XII", "Chapter IV"): 'Chapter I' is ambiguous
# with the pronoun, so a lone 'I' needs a separator or the end of the line after it.
_ROMAN = r"(?P<roman>(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))"
# English, then the words of the languages web novels are most often translated into.
_CHAPTER_WORD = (
    r"(?:chapter|chapt?\.?|chp\.?|ch\.?|episode|ep\.?|part"
    r"|chapitre|cap[ií]tulo|capitolo|kapitel|hoofdstuk|rozdzia[łl]|глава|chương|bölüm)"
)
_VOLUME = (
    r"(?:(?:volume|vol\.?|book|arc|season|s(?=\d))\s*(?P<vol>\d+|[ivxlc]+|(?:" + _WORD + r")(?![a-z]))\s*[,:\-–—.]?\s*)"
)
# What separates a chapter number from its title: 'Chapter 12: The Gate', '- ', '| ', '/ ', a
# full-width colon, and the decorations some sites use ('12 ~ The Gate', '12 » ', '12 • ').
_SEP_CHARS = ":\\-–—.|/：~»•·>="
_NUMBER_SIGN = r"\s*(?:(?:#|no\.|n[º°]\.?|[-_](?=\s*\d))\s*)?"  # 'Chapter #12', 'Chapter No. 12', 'Chapter-12'
# "[prefix -] [Volume 2] Chapter 12[.5] [sep] [title]"
_HEADER = re.compile(
    r"(?P<prefix>.{0,120}?(?:[-–—:|]\s*|\s))??"
    + _VOLUME + "?"
    + _CHAPTER_WORD + _NUMBER_SIGN + r"(?:" + _NUM + r"|(?P<word>" + _WORD + r")|(?-i:" + _ROMAN + r"))\b"
    r"(?P<rest>.*)",
    re.IGNORECASE,
)
# "[Chapter 12] Title", "【Chapter 12】 Title", "(Ch. 12) Title"
_BRACKETED = re.compile(r"[\[【(〔]\s*(?P<head>[^\]】)〕]{1,60}?)\s*[\]】)〕]\s*(?P<rest>.*)")
_CJK_HEADER = re.compile(
    r"(?P<prefix>.{0,60}?\s)??(?:第|제)\s*(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*[章回话話節节화장]"
    r"(?P<rest>.*)"
)
_SPECIAL = re.compile(
    r"(?P<title>prologue|epilogue|afterword|interlude|side story|(?:bonus|extra|special|side) chapter|extra(?=\s*(?:$|\d|[:\-–—.|]))"
    r"|author'?s note|preface)"
    r"\b(?P<rest>.*)",
    re.IGNORECASE,
)
# What every header holds, found by a quick search before the costly patterns: a chapter
# word not inside another word, then a number (digits, a word, a Roman numeral); '第'; an
# opening bracket first;
# or one of the special titles (_SPECIAL is anchored, so matching it is cheap).
# The lookaheads name the letters a chapter word and a number can start with: most
# positions of a line fail there, before the long alternations are tried.
_HEADER_HINT = re.compile(
    r"(?=[cepkhrгb])(?<![a-z])" + _CHAPTER_WORD + _NUMBER_SIGN
    + r"(?=[\divxlcdmotfsen])(?:\d|[ivxlcdm]|" + _WORD + ")",
    re.IGNORECASE,
)
_BRACKETS = "[【(〔"
# A title that starts like the middle of a sentence is a sentence.
_SENTENCE_START = re.compile(
    r"(of|in|on|at|to|was|is|were|and|or|but|had|has|have|said|says|from|with|by|for|"
    r"stated|states|forbids|says|which|that|when|as|will|would|could|should|must)\b",
    re.IGNORECASE,
)
_MAX_TITLE_WORDS = 16


@dataclass(frozen=True)
class Header:
    number: str | None
    title: str | None
    volume: str | None = None


def _clean_title(text: str) -> str:
    """Separators trimmed. Quotes or brackets around the whole title stay: they may be part
    of it ('“Run!”', '(1/2)'), and a reader sees them in the source too."""
    text = text.strip()
    text = re.sub(rf"^[\s,{_SEP_CHARS}]+", "", text)
    text = re.sub(r"[\s\-–—|:：~=]+$", "", text)
    return text


def word_number(words: str) -> int:
    """'twelve' -> 12, 'Twenty-One' -> 21, 'one hundred and five' -> 105."""
    total, current = 0, 0
    for w in re.findall(r"[a-z]+", words.lower()):
        if w in _WORD_NUMBERS:
            current += _WORD_NUMBERS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
    return total + current


def roman_number(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = values[a]
        total += -v if b != " " and values.get(b, 0) > v else v
    return total


def _normal_number(num: str) -> str:
    num = num.replace(",", "")  # '1,234'
    if "-" in num:  # '012-02' -> '12-2'
        return "-".join(_normal_number(part) for part in num.split("-"))
    if "." in num:
        whole, frac = num.split(".", 1)
        return f"{int(whole)}.{frac}"
    return str(int(num))


def _prefix_ok(prefix: str | None, book_title: str) -> bool:
    """What may come before 'Chapter': nothing, a site tag, the book's own title, or any
    short text ending in a separator ('MTL - Internet 2010-')."""
    if not prefix or not prefix.strip():
        return True
    p = prefix.strip()
    if book_title and book_title.lower() in p.lower():
        return True
    if re.fullmatch(r"#{1,6}", p):
        return True
    return bool(re.search(r"[-–—:|]$", p)) and len(p.split()) <= 12


@functools.lru_cache(maxsize=16384)
def parse_header(line: str, book_title: str = "") -> Header | None:
    """The chapter number and title from a header line, or None if it is not one.
    Remembered: the edge lines asked about most are the same site lines in every chapter."""
    text = line.strip().lstrip("#").strip() if line.lstrip().startswith("#") else line.strip()
    emphasis = re.fullmatch(r"(\*{1,3}|_{1,3})(.+?)\1", text)
    if emphasis:  # a Markdown header in bold: **Chapter 12: Title**
        text = emphasis.group(2).strip()
    if not text or len(text) > 200:
        return None
    if not (_HEADER_HINT.search(text) or "第" in text or "제" in text or text[0] in _BRACKETS or _SPECIAL.match(text)):
        return None
    m = _CJK_HEADER.fullmatch(text)
    if m and _prefix_ok(m.group("prefix"), book_title):
        raw = m.group("num")
        number = _normal_number(raw) if raw[0].isdigit() else str(cjk_number(raw))
        title = _clean_title(m.group("rest"))
        return Header(number, title or None)
    m = _BRACKETED.fullmatch(text)
    if m:
        inner = parse_header(m.group("head"), book_title)
        if inner is not None and inner.number is not None and not inner.title:
            title = _clean_title(m.group("rest"))
            if len(title.split()) <= _MAX_TITLE_WORDS and not re.search(r"[.,;]$", title):
                return Header(inner.number, title or None, inner.volume)
    m = _HEADER.fullmatch(text)
    if m and _prefix_ok(m.group("prefix"), book_title):
        rest = m.group("rest")
        if m.group("num"):
            number = _normal_number(m.group("num"))
        elif m.group("word"):
            number = str(word_number(m.group("word")))
        else:
            roman = m.group("roman")
            if not roman or (roman == "I" and rest.strip() and not re.match(r"\s*[:\-–—.|]", rest)):
                return None
            number = str(roman_number(roman))
        stripped = rest.strip()
        has_sep = bool(re.match(rf"\s*[{_SEP_CHARS}]", rest)) and not re.match(r"\.\d", rest)
        title = _clean_title(rest)
        if title:
            if not has_sep:
                # 'Chapter 3 of the contract stated the terms.' is a sentence.
                if _SENTENCE_START.match(title) or re.search(r"[.,;]$", stripped):
                    return None
            if len(title.split()) > _MAX_TITLE_WORDS:
                return None
            if re.search(r"[.;]\s+\S", title) and len(title.split()) > 8:
                return None
            again = parse_header(title, book_title) if re.match(_CHAPTER_WORD, title, re.I) else None
            if again is not None and again.number == number:
                title = again.title or ""  # 'Chapter 12 - Chapter 12: The Gate'
        return Header(number, title or None, m.group("vol"))
    m = _SPECIAL.fullmatch(text)
    if m:
        rest = _clean_title(m.group("rest"))
        if len(rest.split()) <= 10 and not re.search(r"[.,;]$", rest):
            name = m.group("title").strip().title()
            num = re.match(r"(\d+(?:\.\d+)?)\s*(?:[:\-–—.|]\s*)?(.*)", rest)
            if num:  # 'Side Story 2: Rain'
                name, rest = f"{name} {num.group(1)}", num.group(2)
            title = name + (f": {rest}" if rest else "")
            return Header(None, title)
    return None


# "12. The Gate", "[12] The Gate", "12 - The Gate": a number with no chapter word.
# The number is bracketed or followed by a separator: '12 apples fell' is a sentence.
_NUMBERED = re.compile(
    r"(?:[\[【(]\s*(\d+(?:\.\d+)?)\s*[\]】)]\s*[.:\-–—|]?|#?\s*(\d+(?:\.\d+)?)\s*[.:\-–—|)])\s*(\S.*)"
)


def numbered_title(line: str, expected: str | None) -> Header | None:
    """A header made of a bare number and a title, taken only when the number is the one
    the file name gives: without a chapter word, '12. The Gate' could be story."""
    m = _NUMBERED.fullmatch(line.strip())
    if not m or expected is None or _normal_number(m.group(1) or m.group(2)) != expected:
        return None
    title = _clean_title(m.group(3))
    if len(title.split()) > _MAX_TITLE_WORDS or re.search(r"[.,;]$", title):
        return None
    return Header(expected, title or None)


_PLAIN_STEM = re.compile(r"\s*(?:chapter\s*)?(\d+)\s*", re.IGNORECASE)


def header_from_filename(stem: str) -> Header:
    """'Chapter 12 - The Test' -> (12, 'The Test'); '00012' -> (12, None); '00012-2' -> (12-2,
    None), a part, as 'Chapter 12-2' in the text; else no number."""
    plain = _PLAIN_STEM.fullmatch(stem)
    if plain:  # 'Chapter 12', '00012': most books' names, without the header patterns' cost
        return Header(str(int(plain.group(1))), None)
    h = parse_header(stem)
    if h:
        return h
    m = re.fullmatch(r"\s*(\d+-\d+)\s*()", stem) or re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:[-–—_.:)]\s*(.*))?", stem)
    if m:
        title = _clean_title(m.group(2) or "")
        return Header(_normal_number(m.group(1)), title or None)
    return Header(None, None)


def title_like(line: str) -> bool:
    """Could this line be a chapter title standing on its own line ('The Gate' after 'Chapter
    12')? A few words, opening with a letter or digit (not dialogue, a game message or a
    scene break), no colon or dot (a status line, a sentence, an address), no trailing comma
    or dash. Whether such lines are titles is decided per book (boilerplate.detect)."""
    text = line.strip().lstrip("#").strip()
    words = text.split()
    return (
        0 < len(words) <= 8
        and len(text) <= 60
        and text[0].isalnum()
        and ":" not in text
        and "." not in text
        and text[-1] not in ",;…\"”’'—–-"
    )


_TITLE_CASE_WORD = re.compile(r"(?:[^\w]*[A-Z0-9\u00c0-\u024f][\w'’.-]*|of|the|a|an|in|on|at|to|and|or|for|with|from|by|vs\.?)[,:]?")


def prefixed_header(line: str, expected: str | None) -> Header | None:
    """'Martial Peak Chapter 12: Rain': a header behind a title book.yaml does not know (another
    edition's name, a series name), taken only when the number is the one the file name gives
    and the words before it read as a title (Title Case, no sentence punctuation): 'He opened
    Chapter 12: the forbidden arts' is story."""
    if expected is None:
        return None
    text = line.strip()
    m = _HEADER.fullmatch(text) if len(text) <= 200 and _HEADER_HINT.search(text) else None
    prefix = m.group("prefix") if m else None
    if not prefix or not prefix.strip() or re.search(r"[.!?\"“”‘’]", prefix):
        return None
    words = prefix.split()
    if len(words) > 10 or not all(_TITLE_CASE_WORD.fullmatch(w) for w in words) or not words[0][0].isupper():
        return None
    header = parse_header(text[m.end("prefix"):])
    return header if header is not None and header.number == expected else None
