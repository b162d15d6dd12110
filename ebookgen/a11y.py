"""Accessibility metadata derived from what the book really contains (EPUB Accessibility
1.1 discovery metadata), with the user's `accessibility:` overrides on top.

The metadata describes the content, never a wish: `visual` only when there are images,
`alternativeText` only when every content image has alt text, and the conformance claim
(`dcterms:conformsTo`) only when nothing ebookgen checks stands against it. What ebookgen
checks, and what it cannot, is written down in the README (Accessibility)."""

from __future__ import annotations

import re

from ebookgen.assemble import Accessibility
from ebookgen.model import Book, Chapter

# The exact string EPUB Accessibility 1.1 section 5.1 defines (and Ace accepts, see
# ace-core a11y-metadata.js conformsToStrings). WCAG 2.1 AA is what EN 301 549, and so the
# European Accessibility Act, refers to.
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
# EPUB Accessibility 1.1 section 5.2: a conformance claim MUST name who evaluated the
# book (a11y:certifiedBy). Here that is the build's own automated checks, said plainly.
CERTIFIER = "ebookgen (automated checks)"

BASE_FEATURES = ("structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability")

# A user stylesheet that sets colours, transparency or !important rules may break contrast
# or the reader's own settings, which ebookgen cannot verify: the claim is then withdrawn.
_RISKY_CSS = re.compile(
    r"(?:^|[\s;{])(?:color|background(?:-color|-image)?|opacity|filter|mix-blend-mode)\s*:"
    r"|!\s*important",
    re.IGNORECASE,
)


def stylesheet_risks(css: str) -> bool:
    """True when a stylesheet sets anything that could break contrast or override the
    reader's colours and sizes (comments are ignored)."""
    return bool(_RISKY_CSS.search(re.sub(r"/\*.*?\*/", "", css, flags=re.S)))


def _user_css_risky(book: Book) -> bool:
    if book.css is None:
        return False
    try:
        return stylesheet_risks(book.css.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return True  # unreadable: assume the worst (assembly reports the error itself)


def conformance_blockers(book: Book, chapters: list[Chapter]) -> list[str]:
    """Why the book cannot claim EPUB Accessibility 1.1 conformance; empty when it can."""
    reasons = []
    missing = sum(ch.images_without_alt for ch in chapters)
    if missing:
        reasons.append(f"{missing} image{'s' if missing != 1 else ''} without alt text")
    other = sum(
        1 for ch in chapters for _, msg in ch.accessibility_warnings if not msg.startswith("image ")
    )
    if other:
        reasons.append(f"{other} other accessibility warning{'s' if other != 1 else ''} in chapters")
    if _user_css_risky(book):
        reasons.append(
            f"{book.css.name} sets colours, transparency or !important rules that "
            "ebookgen cannot check for contrast"
        )
    return reasons


def book_warnings(book: Book, chapters: list[Chapter]) -> list[str]:
    """One build warning when the conformance claim is withdrawn, saying why (the
    per-chapter details are in each Chapter's accessibility_warnings)."""
    reasons = conformance_blockers(book, chapters)
    if not reasons:
        return []
    return [f"accessibility: no conformance claim ({CONFORMANCE}): " + "; ".join(reasons)]


def summary(
    images: int, missing_alt: int, tables: bool, footnotes: bool, hazards: tuple[str, ...],
    styles_free: bool, conforms: bool,
) -> str:
    """One honest paragraph for schema:accessibilitySummary."""
    parts = [
        "Each chapter starts with a heading, the table of contents links to every chapter, "
        "and the reading order follows the text."
    ]
    if images and not missing_alt:
        parts.append("Its images have text alternatives (or are marked decorative).")
    elif images:
        parts.append(
            f"It contains images; {missing_alt} {'has' if missing_alt == 1 else 'have'} "
            "no text alternative."
        )
    if tables:
        parts.append("Tables have header cells.")
    if footnotes:
        parts.append("Footnotes are linked to and from the text.")
    if styles_free:
        parts.append("No font, size or colour is forced, so the reader's own settings apply.")
    if tuple(hazards) == ("none",):
        parts.append("No known hazards.")
    else:
        parts.append("Hazards declared by the publisher: " + ", ".join(hazards) + ".")
    if conforms:
        parts.append(
            f"Meets {CONFORMANCE} by ebookgen's automated checks; "
            "it has not been reviewed by a person."
        )
    else:
        parts.append("It makes no claim of conformance to an accessibility standard.")
    return " ".join(parts)


def derive(book: Book, chapters: list[Chapter]) -> Accessibility:
    """The discovery metadata for `chapters` (one EPUB's worth: a split book derives it
    per volume), with the user's overrides applied."""
    images = sum(len(ch.images) for ch in chapters)
    missing_alt = sum(ch.images_without_alt for ch in chapters)
    modes = ("textual", "visual") if images else ("textual",)
    if not images:
        sufficient: tuple[str, ...] = ("textual",)
    elif missing_alt:
        sufficient = ("textual,visual",)  # the undescribed images need sight
    else:
        sufficient = ("textual", "textual,visual")
    features = BASE_FEATURES + (("alternativeText",) if images and not missing_alt else ())
    o = book.accessibility
    hazards = tuple(o.hazards or ("none",))
    blockers = conformance_blockers(book, chapters)
    conforms = not blockers
    styles_free = not _user_css_risky(book)
    text = o.summary or summary(
        images, missing_alt, any(ch.has_tables for ch in chapters),
        any(ch.has_footnotes for ch in chapters), hazards, styles_free, conforms,
    )
    return Accessibility(
        access_modes=tuple(o.access_modes or modes),
        sufficient=sufficient,
        features=tuple(o.features or features),
        hazards=hazards,
        summary=text,
        conforms_to=CONFORMANCE if conforms else None,
        certified_by=CERTIFIER if conforms else None,
    )
