"""Rebuilding as chapters arrive: cache, identity, byte-identity, volumes, watch."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Epub, one_epub, run_cli, write_book
from support import readers

from ebookgen.build import PARALLEL_MIN, build


def chapter_text(n: str) -> str:
    return (
        f"Chapter {n}: Day {n}\n"
        f"Lin Feng woke on day {n} and counted the coins again.\n"
        f"“Not enough,” he said to nobody, on the {n} morning.\n"
        f"The ledger on the table had {n} pages of debts in it.\n"
    )


def make(root: Path, numbers) -> Path:
    return write_book(root, {f"Chapter {n}.txt": chapter_text(str(n)) for n in numbers})


def fresh_copy(book: Path, dest: Path) -> Path:
    """The same input in a new folder with no build/ (no cache): a clean full build."""
    shutil.copytree(book / "chapters", dest / "chapters")
    shutil.copy(book / "book.yaml", dest / "book.yaml")
    assert run_cli("build", str(dest)).code == 0
    return one_epub(dest)


def manifest(epub: Path) -> dict[str, str]:
    return {i: item.get("href") for i, item in Epub(epub).manifest.items()}


def test_existing_chapters_keep_identity_when_chapters_are_added_and_inserted(tmp_path):
    book = make(tmp_path / "book", range(1, 21))
    assert run_cli("build", str(book)).code == 0
    before = Epub(one_epub(book))
    old_manifest, old_toc = manifest(before.path), before.toc()
    old_id = before.metadata("identifier")
    (book / "chapters" / "Chapter 21.txt").write_text(chapter_text("21"))
    (book / "chapters" / "Chapter 22.txt").write_text(chapter_text("22"))
    (book / "chapters" / "Chapter 12.5.txt").write_text(chapter_text("12.5"))
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    after = Epub(one_epub(book))
    new_manifest = manifest(after.path)
    for item_id, href in old_manifest.items():
        assert new_manifest.get(item_id) == href, item_id
    assert after.metadata("identifier") == old_id
    new_toc = after.toc()
    assert [t for t in new_toc if t in old_toc] == old_toc  # same labels, same anchors
    assert len(new_toc) == len(old_toc) + 3
    labels = [label for label, _ in new_toc]
    assert labels.index("Chapter 12.5: Day 12.5") == labels.index("Chapter 12: Day 12") + 1


def test_rebuild_after_adding_chapters_is_byte_identical_to_a_clean_build(tmp_path):
    book = make(tmp_path / "book", range(1, 31))
    assert run_cli("build", str(book)).code == 0
    for n in range(31, 41):
        (book / "chapters" / f"Chapter {n}.txt").write_text(chapter_text(str(n)))
    (book / "chapters" / "Chapter 3.txt").write_text(chapter_text("3") + "A line added later.\n")
    assert run_cli("build", str(book)).code == 0
    assert one_epub(book).read_bytes() == fresh_copy(book, tmp_path / "clean").read_bytes()


def test_only_changed_chapters_are_processed(tmp_path):
    book = make(tmp_path / "book", range(1, 11))
    first = build(book)
    assert first.processed == 10
    (book / "chapters" / "Chapter 11.txt").write_text(chapter_text("11"))
    second = build(book)
    assert second.processed == 1 and second.chapters == 11


def test_no_change_says_up_to_date_and_leaves_the_epub_untouched(tmp_path):
    book = make(tmp_path / "book", range(1, 6))
    assert run_cli("build", str(book)).code == 0
    epub = one_epub(book)
    stat = epub.stat()
    result = run_cli("build", str(book))
    assert result.code == 0 and result.out.startswith("up to date")
    for f in (book / "chapters").iterdir():  # touched, not changed: still up to date
        os.utime(f, (2_000_000_000, 2_000_000_000))
    result = run_cli("build", str(book))
    assert result.out.startswith("up to date")
    assert epub.stat().st_mtime_ns == stat.st_mtime_ns and epub.stat().st_ino == stat.st_ino


def test_deleted_output_is_rebuilt(tmp_path):
    book = make(tmp_path / "book", range(1, 4))
    assert run_cli("build", str(book)).code == 0
    data = one_epub(book).read_bytes()
    one_epub(book).unlink()
    result = run_cli("build", str(book))
    assert not result.out.startswith("up to date")
    assert one_epub(book).read_bytes() == data


@pytest.mark.parametrize(
    "damage",
    [
        "garbage index", "truncated index", "truncated blobs", "flipped blob byte", "foreign cache", "wrong types",
        "empty files", "well-formed but wrong signature",
    ],
)
def test_a_corrupt_or_foreign_cache_still_gives_a_correct_book(tmp_path, damage):
    book = make(tmp_path / "book", range(1, 9))
    assert run_cli("build", str(book)).code == 0
    good = one_epub(book).read_bytes()
    cache = next((book / "build" / ".cache").iterdir())
    index, blobs = cache / "index.jsonl", cache / "blobs.bin"
    if damage == "garbage index":
        index.write_text("{not json")
    elif damage == "truncated index":  # a line lost: the counts in the header disagree
        lines = index.read_text().split("\n")
        index.write_text("\n".join(lines[:2] + lines[3:]))
    elif damage == "truncated blobs":
        blobs.write_bytes(blobs.read_bytes()[:50])
    elif damage == "flipped blob byte":
        data = bytearray(blobs.read_bytes())
        data[len(data) // 2] ^= 0xFF
        blobs.write_bytes(bytes(data))
    elif damage == "foreign cache":
        other = make(tmp_path / "other", range(100, 109))
        assert run_cli("build", str(other)).code == 0
        other_cache = next((other / "build" / ".cache").iterdir())
        shutil.copy(other_cache / "index.jsonl", index)
        shutil.copy(other_cache / "blobs.bin", blobs)
    elif damage == "wrong types":
        index.write_text('{"format": 1, "ebookgen": "0.1.0", "blobs_sha256": 5, "entries": []}')
    elif damage == "well-formed but wrong signature":  # valid JSON, counts right: only a checksum tells
        lines = index.read_bytes().split(b"\n")
        lines = [ln.split(b"\t")[0] + b"\t" + ln.split(b"\t")[1] + b'\t{"edge": []}' if ln.startswith(b"S\t") else ln for ln in lines]
        index.write_bytes(b"\n".join(lines))
    elif damage == "empty files":
        index.write_text("")
        blobs.write_bytes(b"")
    (cache / "state.json").unlink()  # force a real rebuild
    (book / "chapters" / "Chapter 2.txt").write_text(chapter_text("2") + "Changed.\n")
    (book / "chapters" / "Chapter 2.txt").write_text(chapter_text("2"))
    assert run_cli("build", str(book)).code == 0
    assert one_epub(book).read_bytes() == good


def test_parallel_and_serial_builds_are_identical(tmp_path):
    n = PARALLEL_MIN + 20
    book = make(tmp_path / "book", range(1, n + 1))
    serial = build(book, tmp_path / "serial.epub", workers=1)
    parallel = build(book, tmp_path / "parallel.epub", workers=2)
    assert serial.chapters == parallel.chapters == n
    assert (tmp_path / "serial.epub").read_bytes() == (tmp_path / "parallel.epub").read_bytes()


def test_gaps_duplicates_and_same_text_are_warned(tmp_path):
    chapters = {f"Chapter {n}.txt": chapter_text(str(n)) for n in (1, 2, 4, 5, 9)}
    chapters["Chapter 5 (copy).txt"] = chapter_text("5")
    chapters["Chapter 2b.txt"] = chapter_text("2").replace("Chapter 2: Day 2", "Chapter 2: Again")
    book = write_book(tmp_path / "book", chapters)
    result = run_cli("build", str(book))
    assert result.code == 0
    assert "chapter 3 is missing (between Chapter 2b.txt and Chapter 4.txt)" in result.err or (
        "chapter 3 is missing" in result.err
    )
    assert "chapters 6-8 are missing" in result.err
    assert "chapter 5 appears 2 times: Chapter 5.txt, Chapter 5 (copy).txt" in result.err
    assert "same text twice: Chapter 5.txt and Chapter 5 (copy).txt" in result.err


def test_split_every_n_chapters_writes_valid_grouped_volumes(tmp_path):
    yaml = "title: Long Road\nauthor: Mo Ren\nlanguage: en\nsplit: 4\n"
    book = write_book(tmp_path / "book", {f"Chapter {n}.txt": chapter_text(str(n)) for n in range(1, 11)}, yaml)
    result = run_cli("build", str(book))
    assert result.code == 0, result.err
    vols = sorted((book / "build").glob("*.epub"))
    assert [v.name for v in vols] == ["long-road-vol-1.epub", "long-road-vol-2.epub", "long-road-vol-3.epub"]
    opened = [Epub(v) for v in vols]
    assert opened[1].metadata("title") == ["Long Road \u2014 Vol. 2 (5\u20138)"]
    assert [len(e.chapters()) for e in opened] == [4, 4, 2]
    ids = {e.metadata("identifier")[0] for e in opened}
    assert len(ids) == 3
    for i, e in enumerate(opened, 1):
        assert e.meta_property("belongs-to-collection") == ["Long Road"]
        assert e.meta_property("group-position") == [str(i)]
        calibre = {m.get("name"): m.get("content") for m in e.opf.iter("{*}meta") if m.get("name")}
        assert calibre["calibre:series"] == "Long Road" and calibre["calibre:series_index"] == str(i)
    assert all(v == [] for v in readers.epubcheck(vols).values())


def test_split_by_folder(tmp_path):
    yaml = "title: Two Parts\nlanguage: en\nsplit: folder\n"
    chapters = {f"Part {p}/Chapter {n}.txt": chapter_text(str(n)) for p in (1, 2) for n in (1, 2, 3)}
    book = write_book(tmp_path / "book", chapters, yaml)
    assert run_cli("build", str(book)).code == 0
    vols = sorted((book / "build").glob("*.epub"))
    assert len(vols) == 2
    assert Epub(vols[1]).metadata("title") == ["Two Parts \u2014 Part 2"]


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path):
    book = make(tmp_path / "book", range(1, 4))
    result = run_cli("build", str(book))
    assert "ch/s" not in result.err and "%" not in result.err


def test_watch_rebuilds_on_change_and_stops_cleanly_on_ctrl_c(tmp_path):
    book = make(tmp_path / "book", range(1, 4))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ebookgen", "watch", str(book)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "rebuilt" in first, first
        time.sleep(1.0)  # let the watcher start
        (book / "chapters" / "Chapter 4.txt").write_text(chapter_text("4"))
        second = proc.stdout.readline()
        assert "rebuilt" in second and "4 chapters" in second, second
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(Epub(one_epub(book)).chapters()) == 4
