"""Atomic output: a build killed with SIGKILL at any moment leaves the previous EPUB intact
and readable; two builds of one book at once leave one complete EPUB; temporaries from
killed builds do not pile up for ever."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import Epub, one_epub, write_book

CHAPTERS = 300
KILLS = 20
WORDS = "the river sword lantern elder quietly mountain old sect rain moon jade scholar walked".split()


def write_big_book(root: Path) -> Path:
    rng = random.Random(5)
    chapters = {}
    for n in range(1, CHAPTERS + 1):
        lines = [f"Chapter {n}: Part {n}"] + [
            " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + f" {n}.{i}." for i in range(12)
        ]
        chapters[f"Chapter {n}.txt"] = "\n".join(lines) + "\n"
    return write_book(root, chapters, "title: Atomic\nauthor: A. Writer\nlanguage: en\n")


def start_build(book: Path) -> subprocess.Popen:
    """`ebookgen build` in its own process group, so SIGKILL reaches its workers too."""
    exe = shutil.which("ebookgen") or str(Path(sys.executable).with_name("ebookgen"))
    return subprocess.Popen([exe, "build", str(book)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def force_full_build(book: Path) -> None:
    """Drop the chapter cache, so the next build does all the work again."""
    shutil.rmtree(book / "build" / ".cache", ignore_errors=True)


def readable(epub: Path) -> bool:
    with zipfile.ZipFile(epub) as z:
        return z.testzip() is None and z.read("mimetype") == b"application/epub+zip"


def temporaries(build: Path) -> list[Path]:
    return sorted(p for p in build.rglob("*.tmp"))


@pytest.fixture(scope="module")
def big_book(tmp_path_factory) -> tuple[Path, bytes, float]:
    book = write_big_book(tmp_path_factory.mktemp("atomic") / "book")
    proc = start_build(book)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    force_full_build(book)
    started = time.perf_counter()  # to spread the kills over a build, not an assertion
    proc = start_build(book)
    assert proc.wait(timeout=300) == 0
    duration = time.perf_counter() - started
    return book, one_epub(book).read_bytes(), duration


def test_sigkill_at_random_moments_leaves_the_old_epub_intact(big_book):
    book, good, duration = big_book
    epub = one_epub(book)
    rng = random.Random(20240501)
    finished = 0
    mid_write = 0
    for i in range(KILLS):
        before = len(temporaries(book / "build"))
        force_full_build(book)
        proc = start_build(book)
        if i % 3 == 2:
            # Aimed at the ~40 ms in which the new EPUB is written (random delays rarely hit
            # it): wait for the temporary file to appear, then kill within 10 ms.
            delay = rng.uniform(0.0, 0.01)
            left = set((book / "build").glob(f".{epub.name}.*.tmp"))
            while proc.poll() is None and not set((book / "build").glob(f".{epub.name}.*.tmp")) - left:
                time.sleep(0.001)
        else:
            delay = rng.uniform(0.0, duration * 1.1)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            finished += 1
        proc.wait(timeout=60)
        mid_write += len(temporaries(book / "build")) > before
        # Same bytes (builds are reproducible, so a finished build also gives these bytes).
        assert epub.read_bytes() == good, f"kill {i} after {delay:.2f} s changed the EPUB"
        assert readable(epub), f"kill {i} after {delay:.2f} s"
    print(f"\nkill -9: {KILLS} builds of {CHAPTERS} chapters (~{duration:.1f} s each), "
          f"{KILLS - finished} killed mid-build ({mid_write} while writing a file), {finished} "
          f"finished first; EPUB intact every time; {len(temporaries(book / 'build'))} temporaries left")
    assert KILLS - finished >= KILLS // 2  # the kills really landed inside builds
    # After the kills, a normal build still works and gives the same book.
    force_full_build(book)
    assert start_build(book).wait(timeout=300) == 0
    assert epub.read_bytes() == good


def test_two_builds_at_once_leave_one_complete_epub(big_book):
    book, good, _ = big_book
    force_full_build(book)
    first, second = start_build(book), start_build(book)
    codes = first.wait(timeout=300), second.wait(timeout=300)
    assert codes == (0, 0), (first.stderr.read(), second.stderr.read())
    epub = one_epub(book)
    assert epub.read_bytes() == good and readable(epub)
    assert len(Epub(epub).chapters()) == CHAPTERS
    # The cache both wrote to is still sound: an incremental build gives the same bytes.
    (book / "chapters" / "Chapter 1.txt").write_text("Chapter 1: Part 1\nA new first line.\n")
    assert start_build(book).wait(timeout=300) == 0
    assert readable(epub) and len(Epub(epub).chapters()) == CHAPTERS


def test_stale_temporary_files_from_killed_builds_are_pruned(big_book):
    """assemble.py removes `.NAME.*.tmp` beside the EPUB when older than an hour (a younger
    one may belong to a build running now)."""
    book, _, _ = big_book
    build = book / "build"
    epub = one_epub(book)
    old = build / f".{epub.name}.killed1.tmp"
    young = build / f".{epub.name}.running.tmp"
    for path in (old, young):
        path.write_bytes(b"partial zip")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    force_full_build(book)
    assert start_build(book).wait(timeout=300) == 0
    assert not old.exists()
    assert young.exists()
    young.unlink()
