"""Text folding for matching junk: look-alike letters to ASCII, one character for one, so a
match in the folded text is a match at the same offsets in the original."""

from __future__ import annotations

import functools
import re
import unicodedata

# Look-alikes NFKC does not fold: small capitals, Cyrillic and Greek letters shaped like Latin.
_LOOKALIKES = {
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "ԝ": "w", "х": "x", "у": "y",
    "ԁ": "d", "ɡ": "g", "ո": "n", "ս": "u", "ⅼ": "l", "ı": "i",
    "А": "a", "В": "b", "С": "c", "Е": "e", "Н": "h", "І": "i", "Ј": "j", "К": "k", "М": "m",
    "О": "o", "Р": "p", "Ѕ": "s", "Т": "t", "Х": "x", "У": "y",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k",
    "Μ": "m", "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # "Fancy text" generators: Greek, Cyrillic and IPA letters picked for their shape.
    "ℓ": "l", "η": "n", "σ": "o", "є": "e", "¢": "c", "ω": "w", "и": "n", "п": "n", "я": "r", "г": "r",
    "ш": "w", "ц": "u", "ʋ": "u", "ɩ": "i", "ɑ": "a", "ɒ": "a", "ɓ": "b", "ƈ": "c", "ɗ": "d", "ɛ": "e",
    "ƒ": "f", "ɠ": "g", "ɦ": "h", "ɨ": "i", "ʝ": "j", "ƙ": "k", "ɭ": "l", "ɱ": "m", "ɲ": "n", "ɳ": "n",
    "ƞ": "n", "ɵ": "o", "ø": "o", "ƥ": "p", "ʠ": "q", "ɾ": "r", "ʂ": "s", "ƭ": "t", "ʈ": "t", "ʊ": "u",
    "ⱱ": "v", "ⱳ": "w", "ӽ": "x", "ƴ": "y", "ʐ": "z", "ȥ": "z", "ħ": "h", "ŧ": "t", "ƚ": "l", "ł": "l",
    "đ": "d", "ɖ": "d", "ς": "c", "ϲ": "c", "ժ": "d", "օ": "o", "հ": "h", "ց": "g", "զ": "q",
    "。": ".", "｡": ".", "․": ".", "·": ".", "•": ".", "∙": ".", "⋅": ".",
}
_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"


@functools.lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """ASCII letters lower-cased; every character whose NFKC form is one ASCII letter, digit
    or dot (full-width, mathematical, circled ...) folded to it; look-alikes above; odd spaces
    to a plain space. Built once (~2 ms)."""
    table: dict[int, str] = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for start, end in ((0x80, 0x2FFF), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F100, 0x1F1FF)):
        for cp in range(start, end):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if len(folded) == 1 and folded.isascii() and (folded.isalnum() or folded == "."):
                table[cp] = folded.lower()
    for cp in range(0xC0, 0x250):  # Latin letters with marks: 'ñ', 'ö', 'ĺ' -> n, o, l
        base = unicodedata.normalize("NFKD", chr(cp))[:1]
        if cp not in table and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    for ch, ascii_ch in _LOOKALIKES.items():
        table[ord(ch)] = ascii_ch
    for ch in _SPACES:
        table[ord(ch)] = " "
    for ch in "\u200b\u200c\u200d\u2060\ufeff":
        table[ord(ch)] = "\u200b"  # zero-width: kept as one char so offsets hold
    return table


_ASCII_BYTES = bytes(range(128))


def fold(text: str) -> str:
    """Same length as `text`: offsets in the result are offsets in the original.

    Fast for what books are mostly made of: ASCII letters are lowered in C (as bytes, which
    is many times quicker than str.lower() on a text holding a curly quote), and only the
    few distinct other characters go through the (large) folding table."""
    if text.isascii():
        return text.lower()
    raw = text.encode("utf-8", "surrogatepass")
    if len(text) > 256 and len(raw) > 1.5 * len(text):
        return text.translate(fold_table())  # mostly non-ASCII (CJK): one pass is cheaper
    # The distinct non-ASCII characters, found at C speed: the ASCII bytes deleted from the
    # UTF-8 form leave exactly the non-ASCII characters' bytes, in order.
    others = set(raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
    if "\u0130" in others:  # 'İ'.lower() is the only lower-casing that is two characters
        text = text.replace("\u0130", "I")
        raw = text.encode("utf-8", "surrogatepass")
        others.discard("\u0130")
    folded = raw.lower().decode("utf-8", "surrogatepass")  # bytes.lower(): ASCII letters only
    table = fold_table()
    for ch in others:
        low = ch.lower()  # one character alone: a final 'Σ' folds like any other
        if len(low) != 1:
            low = ch
        new = table.get(ord(low), low)
        if new != ch:
            folded = folded.replace(ch, new)
    return folded


# Digits and symbols that stand in for letters in obfuscated site names ("n0velbuddy").
_CANON = {"0": "o", "1": "l", "i": "l", "!": "l", "|": "l", "3": "e", "4": "a", "@": "a",
          "5": "s", "$": "s", "7": "t", "8": "b", "9": "g"}




_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789!|@$"
_CANON_BYTES = bytes.maketrans(
    "".join(_CANON).encode(), "".join(_CANON.values()).encode()
)
_DROP_BYTES = bytes(b for b in range(256) if b not in _NAME_BYTES)
_DROP_BYTES_KEEP_NEWLINE = _DROP_BYTES.replace(b"\n", b"")


def squash(folded: str) -> str:
    """Folded text with every separator gone and look-alike digits canonical: the form in
    which 'n 0 v e l - b u d d y' and 'novelbuddy' are the same string. For prefiltering."""
    return squash_utf8(folded.encode("utf-8", "surrogatepass")).decode("ascii")


def squash_utf8(folded: bytes, keep_lines: bool = False) -> bytes:
    """squash() of folded text in UTF-8, as ASCII bytes, at C speed (every non-ASCII byte is
    a separator here). keep_lines keeps the newlines, so a match can be traced to its line."""
    return folded.translate(_CANON_BYTES, _DROP_BYTES_KEEP_NEWLINE if keep_lines else _DROP_BYTES)


def canon_name(name: str) -> str:
    """A site name in the same canonical form as `squash` produces."""
    return squash(fold(name))


_WS = re.compile(r"\s+")


def line_key(line: str) -> str:
    """A line's identity for rule matching and boilerplate counting: folded, whitespace
    collapsed, trimmed."""
    return _WS.sub(" ", fold(line)).strip()


def key_of_folded(folded: str) -> str:
    """line_key of a line that is already folded. Every whitespace character but the plain
    space is unprintable, so a printable line without a double space has nothing to collapse
    (str.split() breaks at the same whitespace as the regex's \\s)."""
    if "  " in folded or not folded.isprintable():
        return " ".join(folded.split())
    return folded.strip()
