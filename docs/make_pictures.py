"""Refresh the README's pictures from the sample book:

    docs/sample-page.png   the first chapter's opening page, as MuPDF renders the EPUB
    docs/report.png        the cleaning report, as headless Chromium shows it

Run from anywhere: python docs/make_pictures.py   (needs mutool and chromium: Debian's
mupdf-tools and chromium). The sample book is built in a temporary copy; the repository's
build/ is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
DPI = "110"  # MuPDF's page is A5-ish: ~640 x 900 px at this resolution
WINDOW = "1200,1000"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        sys.exit(f"{tool} not found: apt-get install {'mupdf-tools' if tool == 'mutool' else tool}")
    return path


def build_sample(tmp: Path) -> tuple[Path, Path]:
    book = tmp / "book"
    shutil.copytree(REPO / "chapters", book / "chapters")
    shutil.copy(REPO / "book.yaml", book / "book.yaml")
    subprocess.run([sys.executable, "-m", "ebookgen", "build", str(book)], check=True, cwd=tmp)
    epub = next((book / "build").glob("*.epub"))
    report = next((book / "build").glob("*-report.html"))
    return epub, report


def first_chapter_page(mutool: str, epub: Path) -> int:
    """The page where the first chapter starts (after the cover and the contents)."""
    for page in range(1, 12):
        text = subprocess.run(
            [mutool, "draw", "-F", "txt", "-o", "-", str(epub), str(page)], capture_output=True, text=True, check=True
        ).stdout
        if text.lstrip().startswith("Chapter 1"):
            return page
    return 1


def main() -> None:
    mutool, chromium = need("mutool"), need("chromium")
    with tempfile.TemporaryDirectory(prefix="ebookgen-pictures-") as tmp:
        epub, report = build_sample(Path(tmp))
        page = first_chapter_page(mutool, epub)
        subprocess.run(
            [mutool, "draw", "-r", DPI, "-o", str(DOCS / "sample-page.png"), str(epub), str(page)], check=True
        )
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--user-data-dir={profile}", f"--window-size={WINDOW}",
                f"--screenshot={DOCS / 'report.png'}", report.as_uri(),
            ],
            check=True, capture_output=True, env={**os.environ, "HOME": tmp},
        )
    for name in ("sample-page.png", "report.png"):
        print(f"wrote {(DOCS / name).relative_to(REPO)}")


if __name__ == "__main__":
    main()
