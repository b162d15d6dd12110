"""ebookgen watch: rebuild whenever chapters or book.yaml change, until Ctrl-C."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ebookgen.cli import error_line, shown
from ebookgen.commands.build import output_path
from ebookgen.errors import BookError

DEBOUNCE_MS = 400


def add_parser(sub) -> None:
    w = sub.add_parser("watch", help="rebuild when chapters or book.yaml change (Ctrl-C stops)")
    w.add_argument("book_dir", nargs="?", default=".", metavar="BOOK_DIR")
    w.add_argument("-o", "--output", metavar="FILE", help="write the EPUB here instead")
    w.set_defaults(func=run)


def _relevant(change_path: str, build_dir: Path) -> bool:
    """Our own output (build/) and hidden or editor files never trigger a rebuild."""
    path = Path(change_path)
    if build_dir in path.parents or path == build_dir:
        return False
    return not any(part.startswith(".") or part.endswith("~") for part in path.parts[-2:])


def once(book_dir: Path, output: Path | None) -> str:
    """One build, summed up in one line (errors included: watching goes on)."""
    from ebookgen.build import build

    stamp = time.strftime("%H:%M:%S")
    try:
        result = build(book_dir, output)
    except BookError as err:
        return f"[{stamp}] error: {error_line(err)}"
    if result.up_to_date:
        return f"[{stamp}] up to date"
    warn = f", {len(result.warnings)} warnings" if result.warnings else ""
    return (
        f"[{stamp}] rebuilt {shown(result.output)}: {result.chapters} chapters "
        f"({result.processed} processed{warn}) in {result.seconds:.1f} s"
    )


def run(args) -> int:
    from watchfiles import watch

    book_dir = Path(args.book_dir).resolve()
    output = output_path(args.output)
    if not (book_dir / "book.yaml").is_file():
        raise BookError(book_dir / "book.yaml", "not found: nothing to watch")
    build_dir = (output.parent if output else book_dir / "build").resolve()
    print(once(book_dir, output), flush=True)
    print(f"watching {shown(book_dir)} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        for changes in watch(
            book_dir,
            debounce=DEBOUNCE_MS,
            watch_filter=lambda _change, path: _relevant(path, build_dir),
            raise_interrupt=False,
        ):
            if changes:
                print(once(book_dir, output), flush=True)
    except KeyboardInterrupt:
        pass
    print("stopped watching", file=sys.stderr)
    return 0
