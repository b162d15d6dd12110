"""A typographic cover for books that bring none: without one, e-reader libraries show a
grey tile, and Kobo and Kindle take the thumbnail from the cover image.

generated_cover(title, authors, series, series_index) -> PNG bytes, 1600x2560 (the size
Amazon's KDP cover guidelines call ideal: 1.6:1, 2560 px high), the same bytes for the same
input and the same Pillow/zlib. Light text on a dark colour picked from the title, with a
contrast ratio checked against WCAG 2 AA (4.5:1). The font is DejaVu Serif Condensed Bold,
shipped in ebookgen/templates (Bitstream Vera licence, see DejaVu-LICENSE.txt); text it
cannot draw (CJK, for one) falls back to a system font that can, when one is installed.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported when a cover is drawn: a rebuild reads it from the cache
    from PIL import ImageDraw, ImageFont

COVER_VERSION = "2"  # bump when the drawing changes (the build caches covers by their inputs)
WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
LEADING = 1.12
TEXT = (247, 243, 232)  # warm white
INK = 255  # full coverage in the drawing (see generated_cover)
# Dark backgrounds, each >= 10:1 against TEXT; the title's hash picks one.
PALETTE = (
    (24, 46, 72),  # ink blue
    (70, 28, 36),  # oxblood
    (22, 60, 52),  # jade
    (48, 36, 72),  # plum
    (36, 40, 44),  # slate
    (86, 44, 20),  # rust
)
FONT_FILE = "DejaVuSerifCondensed-Bold.ttf"
# System fonts tried, in order, for text the bundled font has no glyphs for.
FALLBACK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def relative_luminance(rgb: Sequence[int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Sequence[int], b: Sequence[int]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def background_for(title: str) -> tuple[int, int, int]:
    """A colour from the palette, chosen by the title: the same book keeps its colour."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


@cache
def _font_path(name: str) -> str:
    return str(resources.files("ebookgen.templates").joinpath(name))


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def _has_glyph(path: str, char: str) -> bool:
    """FreeType draws a missing character as the font's .notdef box: compare with it."""
    if char.isspace():
        return True
    font = _font(path, 48)
    notdef = font.getmask("\U0010fffd")
    mask = font.getmask(char)
    return mask.size != notdef.size or bytes(mask) != bytes(notdef)


def font_for(text: str) -> str:
    """The bundled font when it can draw every character, else the first installed
    fallback that can, else the bundled font anyway (missing glyphs show as boxes)."""
    bundled = _font_path(FONT_FILE)
    if all(_has_glyph(bundled, ch) for ch in text):
        return bundled
    for candidate in FALLBACK_FONTS:
        if Path(candidate).is_file() and all(_has_glyph(candidate, ch) for ch in text):
            return candidate
    return bundled


def _is_cjk(text: str) -> bool:
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking at spaces; text without spaces (CJK) breaks between characters;
    a single word wider than the line is broken between characters too."""
    units = list(text) if _is_cjk(text) and " " not in text.strip() else text.split()
    joiner = "" if units and len(units) == len(text) and " " not in text else " "
    lines: list[str] = []
    line = ""
    for unit in units:
        trial = unit if not line else line + joiner + unit
        if font.getlength(trial) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        if font.getlength(unit) <= width:
            line = unit
            continue
        line = ""
        for ch in unit:  # a word too long for a line: break it anywhere
            if line and font.getlength(line + ch) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
    if line:
        lines.append(line)
    return lines


def fit(
    text: str, path: str, width: int, max_lines: int, largest: int, smallest: int,
    max_height: int | None = None,
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size (in steps of 4 px) at which the text wraps into max_lines lines
    (and fits max_height); at the smallest size, the lines past max_lines are cut."""
    size = largest
    while True:
        font = _font(path, size)
        lines = wrap(text, font, width)
        fits = len(lines) <= max_lines and (
            max_height is None or _block_height(lines, font, LEADING) <= max_height
        )
        if fits:
            return font, lines
        if size <= smallest:
            if len(lines) > max_lines:
                lines = lines[:max_lines]
                lines[-1] = lines[-1].rstrip() + "…"
            return font, lines
        size -= 4


def _draw_block(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, top: int, leading: float) -> int:
    """Centred lines from `top`; returns the y just below the last line."""
    ascent, descent = font.getmetrics()
    step = int((ascent + descent) * leading)
    y = top
    for line in lines:
        w = font.getlength(line)
        draw.text(((WIDTH - w) / 2, y), line, font=font, fill=INK)
        y += step
    return y - step + ascent + descent


def _block_height(lines: list[str], font: ImageFont.FreeTypeFont, leading: float) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * leading) * (len(lines) - 1) + ascent + descent


def series_line(series: str | None, series_index: float | None) -> str | None:
    if not series:
        return None
    if series_index is None:
        return series
    return f"{series} · Book {series_index:g}"


def generated_cover(
    title: str,
    authors: Sequence[str],
    series: str | None = None,
    series_index: float | None = None,
    volume_label: str | None = None,
) -> bytes:
    """The cover as PNG bytes: series (and number) at the top, the title large in the upper
    half, an optional volume label under it, the authors at the foot."""
    background = background_for(title)
    assert contrast_ratio(background, TEXT) >= 4.5  # WCAG 2 AA, large and normal text
    # Drawn as ink coverage (0 = background, INK = text, anti-aliased edges between), then
    # given a palette of the blends of the two colours: the same picture as drawing in RGB,
    # one byte a pixel instead of three, so the PNG encodes ~4x faster.
    from PIL import Image, ImageDraw

    image = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    rule = (MARGIN + 200, WIDTH - MARGIN - 200)

    # Frame: a thin light border keeps the cover's edge visible on white library pages
    # (KDP's cover guidelines suggest a border for light covers; it costs nothing here).
    draw.rectangle((60, 60, WIDTH - 61, HEIGHT - 61), outline=INK, width=4)

    top = 300
    label = series_line(series, series_index)
    if label:
        font, lines = fit(label, font_for(label), inner, 2, 72, 40)
        top = _draw_block(draw, lines, font, top, LEADING) + 60
        draw.line((rule[0], top, rule[1], top), fill=INK, width=4)
        top += 100
    else:
        top = 480

    title_path = font_for(title)
    title_room = HEIGHT - 700 - top - (220 if volume_label else 0)
    title_font, title_lines = fit(title, title_path, inner, 7, 200, 64, title_room)
    bottom_of_title = _draw_block(draw, title_lines, title_font, top, LEADING)

    if volume_label:
        font, lines = fit(volume_label, font_for(volume_label), inner, 2, 96, 48)
        _draw_block(draw, lines, font, bottom_of_title + 90, LEADING)

    names = ", ".join(a for a in authors if a.strip())
    if names:
        font, lines = fit(names, font_for(names), inner, 3, 96, 48)
        height = _block_height(lines, font, LEADING)
        author_top = HEIGHT - 300 - height
        draw.line((rule[0], author_top - 100, rule[1], author_top - 100), fill=INK, width=4)
        _draw_block(draw, lines, font, author_top, LEADING)

    image.putpalette([round(b + (t - b) * ink / INK) for ink in range(256) for b, t in zip(background, TEXT, strict=True)])
    out = io.BytesIO()
    # No pnginfo: Pillow then writes no tIME/tEXt chunks, so no clock in the bytes.
    image.save(out, format="PNG", optimize=False, compress_level=6)  # 9: 2x the time, 3% smaller
    return out.getvalue()
