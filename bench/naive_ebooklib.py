"""The floor: the EPUB a user could write in ~30 lines with ebooklib and no cleaning.

bench.py times this against `ebookgen build` on the same .txt chapters, so the ratio says
what ebookgen's cleaning, validation and reproducibility cost over the simplest thing.

usage: python bench/naive_ebooklib.py BOOK_DIR OUT.epub [--title TITLE]
"""

import argparse
import html
import re
from pathlib import Path

from ebooklib import epub


def natural(path: Path) -> list:
    """'Chapter 2' before 'Chapter 10', as any user would sort them."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("book_dir", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--title", default="Untitled")
    args = p.parse_args()

    book = epub.EpubBook()
    book.set_identifier("naive-" + re.sub(r"\W+", "-", args.title.lower()))
    book.set_title(args.title)
    book.set_language("en")
    chapters = []
    for i, path in enumerate(sorted((args.book_dir / "chapters").glob("*.txt"), key=natural), 1):
        lines = path.read_text(encoding="utf-8").splitlines()
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())
        chapter = epub.EpubHtml(title=path.stem, file_name=f"c{i:05d}.xhtml", lang="en")
        chapter.content = f"<h1>{html.escape(path.stem)}</h1>{body}"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(args.out), book)


if __name__ == "__main__":
    main()
