"""Accessibility metadata derived from what the book really contains (EPUB Accessibility
1.1 discovery metadata), with the user's `accessibility:` overrides on top."""

from __future__ import annotations

from ebookgen.assemble import Accessibility
from ebookgen.model import Book, Chapter

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


def derive(book: Book, chapters: list[Chapter]) -> Accessibility:
    images = sum(len(ch.images) for ch in chapters)
    missing_alt = sum(ch.images_without_alt for ch in chapters)
    modes = ["textual"] + (["visual"] if images else [])
    if not images:
        sufficient = ["textual"]
    elif missing_alt:
        sufficient = ["textual,visual"]
    else:
        sufficient = ["textual", "textual,visual"]
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if images and not missing_alt:
        features.append("alternativeText")
    conforms = not missing_alt
    parts = ["A text book with a table of contents, headings for every chapter, and a reading order that follows the text"]
    if images:
        parts.append(
            "its images have text alternatives" if not missing_alt
            else f"{missing_alt} of its {images} images lack a text alternative"
        )
    parts.append("text can be resized and restyled by the reader; no known hazards")
    summary = "; ".join(parts) + "."
    if conforms:
        summary += f" Meets {CONFORMANCE} as checked by ebookgen."
    o = book.accessibility
    return Accessibility(
        access_modes=tuple(o.access_modes or modes),
        sufficient=tuple(sufficient),
        features=tuple(o.features or features),
        hazards=tuple(o.hazards or ("none",)),
        summary=o.summary or summary,
        conforms_to=CONFORMANCE if conforms else None,
    )
