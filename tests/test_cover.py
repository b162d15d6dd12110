"""The generated cover: e-reader sized, the same bytes every time, readable (WCAG AA
contrast), and, once the build uses it, page 1 of the book as MuPDF renders it."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import REPO, Epub, one_epub, run_cli
from PIL import Image
from support import readers

from ebookgen.cover import (
    HEIGHT,
    MARGIN,
    PALETTE,
    TEXT,
    WIDTH,
    background_for,
    contrast_ratio,
    generated_cover,
)

SAMPLE = ("The System Made Me a Sect Janitor", ["Yun Moxi"], "Sect Janitor", 1.0)


def colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(count, colour) pairs: Image.getcolors, without a cap on distinct colours."""
    return image.getcolors(maxcolors=image.width * image.height)


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_same_input_same_bytes():
    assert generated_cover(*SAMPLE) == generated_cover(*SAMPLE)
    assert generated_cover(*SAMPLE) != generated_cover("Another Book", ["Yun Moxi"], "Sect Janitor", 1.0)


def test_png_of_ereader_size_without_clock_chunks():
    data = generated_cover(*SAMPLE)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = _image(data)
    assert image.size == (WIDTH, HEIGHT) == (1600, 2560)
    assert image.mode == "P"  # a palette of the two colours and their blends
    for chunk in (b"tIME", b"tEXt", b"iTXt", b"zTXt"):
        assert chunk not in data, f"{chunk!r} chunk would carry a date or tool name"
    assert len(data) < 1_000_000


def test_text_is_drawn_in_the_title_area():
    image = _image(generated_cover(*SAMPLE)).convert("RGB")
    background = background_for(SAMPLE[0])
    title_band = image.crop((MARGIN, 500, WIDTH - MARGIN, 1400))
    ink = sum(n for n, colour in colours(title_band) if contrast_ratio(colour, background) > 3)
    assert ink > 20_000, "no title drawn"
    author_band = image.crop((MARGIN, HEIGHT - 420, WIDTH - MARGIN, HEIGHT - 200))
    assert any(contrast_ratio(c, background) > 3 for _, c in colours(author_band))


def test_every_background_meets_wcag_aa_against_the_text():
    for colour in PALETTE:
        assert contrast_ratio(colour, TEXT) >= 7, colour  # AAA, above the AA 4.5 asked for


def test_a_very_long_title_stays_inside_the_margins():
    title = "Reincarnated as the Strongest Demon Lord's Unemployed Cousin " * 4
    image = _image(generated_cover(title.strip(), ["A. Writer"], None, None, "Volume 12")).convert("RGB")
    background = background_for(title.strip())
    inside_frame = 80  # the frame line sits at 60 px, 4 px wide
    for box in ((inside_frame, inside_frame, MARGIN - 10, HEIGHT - inside_frame),
                (WIDTH - MARGIN + 10, inside_frame, WIDTH - inside_frame, HEIGHT - inside_frame)):
        strip = image.crop(box)
        assert [c for _, c in colours(strip)] == [background], f"text spills into the margin {box}"


def test_same_colour_for_the_same_title():
    assert background_for("Internet 2010") == background_for("Internet 2010")
    assert background_for("Internet 2010") in PALETTE


@pytest.fixture(scope="module")
def sample_epub(tmp_path_factory):
    root = tmp_path_factory.mktemp("cover") / "book"
    shutil.copytree(REPO / "chapters", root / "chapters")
    shutil.copy(REPO / "book.yaml", root / "book.yaml")
    result = run_cli("build", str(root))
    assert result.code == 0, result.err
    return one_epub(root)


def assert_page_one_is_generated_cover(epub, title: str, tmp_path) -> None:
    """Skips until the build adds the generated cover; then page 1 of MuPDF's render must
    be the cover: mostly the cover's background colour, with text on it."""
    book = Epub(epub)
    if not any("cover-image" in (item.get("properties") or "") for item in book.manifest.values()):
        pytest.skip("the build does not add a generated cover yet (build.py integration pending)")
    pages = readers.mutool_render(epub, tmp_path, pages=1)
    assert pages and not readers.png_is_blank(pages[0])
    page = Image.open(pages[0]).convert("RGB")
    expected = background_for(title)
    near = sum(n for n, c in colours(page) if max(abs(a - b) for a, b in zip(c, expected, strict=True)) <= 12)
    assert near > 0.25 * page.width * page.height, "page 1 is not the generated cover"


def test_sample_book_opens_on_its_generated_cover(sample_epub, tmp_path):
    assert_page_one_is_generated_cover(sample_epub, SAMPLE[0], tmp_path)
