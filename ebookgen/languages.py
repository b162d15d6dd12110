"""BCP 47 language tags: a syntax check plus the ISO 639-1 list, so 'english' gets 'en'."""

from __future__ import annotations

import re

# ISO 639-1 codes (the primary subtag readers and Ace check first).
ISO_639_1 = set(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la
    lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj
    om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv
    sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)
# A few common three-letter codes without a two-letter form.
ISO_639_3_EXTRA = {"fil", "haw", "yue", "cmn", "nan", "hak", "wuu", "ceb", "ast", "gsw", "sco"}

LANGUAGE_NAMES = {
    "english": "en", "chinese": "zh", "mandarin": "zh", "cantonese": "yue", "japanese": "ja",
    "korean": "ko", "french": "fr", "german": "de", "spanish": "es", "portuguese": "pt",
    "italian": "it", "russian": "ru", "arabic": "ar", "hebrew": "he", "hindi": "hi",
    "indonesian": "id", "vietnamese": "vi", "thai": "th", "turkish": "tr", "polish": "pl",
    "dutch": "nl", "swedish": "sv", "norwegian": "nb", "danish": "da", "finnish": "fi",
    "greek": "el", "czech": "cs", "ukrainian": "uk", "romanian": "ro", "hungarian": "hu",
    "filipino": "fil", "tagalog": "tl", "malay": "ms", "persian": "fa", "farsi": "fa",
    "bengali": "bn", "urdu": "ur", "tamil": "ta", "catalan": "ca", "latin": "la",
}

_TAG = re.compile(
    r"(?P<lang>[a-z]{2,3})(-[a-z]{4})?(-([a-z]{2}|\d{3}))?(-([a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(-[a-wyz\d](-[a-z\d]{2,8})+)*(-x(-[a-z\d]{1,8})+)?",
    re.IGNORECASE,
)


def is_language_tag(tag: str) -> bool:
    m = _TAG.fullmatch(tag)
    if not m:
        return False
    lang = m.group("lang").lower()
    return lang in ISO_639_1 or lang in ISO_639_3_EXTRA


def canonical_tag(tag: str) -> str:
    """BCP 47 case conventions (RFC 5646 2.1.1): 'EN' -> 'en', 'zh-hant-tw' -> 'zh-Hant-TW',
    'SR-LATN' -> 'sr-Latn'. Tags compare case-insensitively, but readers and Ace look the
    primary subtag up as written."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    private = False
    for part in parts[1:]:
        if private or len(part) == 1:
            private = private or part.lower() == "x"
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def language_hint(text: str) -> str:
    """The end of the 'not a language tag' message: a suggestion, or what a tag looks like."""
    hint = suggest_language(text)
    if hint:
        return f" (did you mean {hint!r}?)"
    if text.strip().lower().startswith("x-"):
        return (
            " (a private-use tag has no language readers know: put a real one first, "
            f"such as 'en-{text.strip()}')"
        )
    return " (expected a BCP 47 tag such as 'en' or 'zh-Hans')"


def suggest_language(text: str) -> str | None:
    word = text.strip().lower().replace("_", "-")
    if word in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[word]
    for name, code in LANGUAGE_NAMES.items():
        if word.startswith(name[:4]) and len(word) >= 4:
            return code
    if is_language_tag(word):
        return word
    return None
