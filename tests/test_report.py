"""The cleaning report page, opened in a real headless browser (Debian's chromium): it loads,
shows the removals highlighted with their rule names, and its filter works."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_cli, write_book
from lxml import html as lxml_html
from support import readers

STORY = [
    "Shen Yao swept the courtyard twice before the sun rose over the east cliff.",
    "The elder watched him from the window and said nothing at all.",
    "By noon the rumours had reached even the kitchen staff.",
    "He wrote www.example.org on the back of the letter.",
]


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    exe = readers.require("chromium")
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", *extra, url,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    chapters = {}
    for n in range(1, 7):
        chapters[f"Chapter {n}.txt"] = (
            f"©NovelBuddy\nMTL - Report Book-Chapter {n} day {n}\n{STORY[0]}\n"
            f"And then again~www.novelbuddy.com~ Meituan is hungry ({n}).\n" + "\n".join(STORY[1:]) + "\n:. :\n"
        )
    chapters["Chapter 7.txt"] = "\n".join(STORY) + "\n"  # no header: a warning-free plain chapter
    chapters["Chapter 8.txt"] = "©NovelBuddy\n:. :\n"  # all junk: a warning
    book = write_book(root / "book", chapters, "title: Report Book <&>\nauthor: A\nlanguage: en\n")
    assert run_cli("build", str(book)).code == 0
    page = book / "build" / "report-book-report.html"
    assert page.is_file()
    return page


def test_report_is_well_formed_html(report):
    class Checker(HTMLParser):
        VOID = {"meta", "input", "br", "hr", "img", "link"}

        def __init__(self):
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_startendtag(self, tag, attrs):
            assert tag in self.VOID, tag

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()

    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = Checker()
    checker.feed(text)
    assert checker.stack == []
    assert "http://" not in text and "https://" not in text.replace("https://www", "")  # nothing fetched
    assert "Report Book &lt;&amp;&gt;" in text


def test_report_loads_in_chromium_and_shows_the_highlights(report, tmp_path):
    dom = chromium(report.as_uri(), tmp_path / "profile", "--dump-dom").stdout.decode("utf-8")
    root = lxml_html.fromstring(dom)
    marks = root.xpath("//mark")
    dels = root.xpath("//del")
    assert any(m.get("title") == "novelbuddy.site" and m.text == "~www.novelbuddy.com~" for m in marks)
    assert any(d.get("title") == "novelbuddy.watermark" and d.text == "©NovelBuddy" for d in dels)
    rules = {c.text for c in root.xpath("//code[@class='rule']")}
    assert {"header", "novelbuddy.watermark", "novelbuddy.site", "generic.punctuation_tail"} <= rules
    assert len(root.xpath("//details[@class='chapter']")) == 8
    # the script ran: every chapter shown, the count written
    assert root.xpath("//output[@id='shown']")[0].text == "8 of 8 chapters shown"
    # summary table first, with counts per rule
    cells = [td.text_content() for td in root.xpath("//table//td")]
    assert "novelbuddy.watermark" in cells and "7" in cells  # 7 watermark lines in 7 chapters
    # detected number and title per chapter
    assert "number 3 · title day 3" in root.xpath("//details[@id='c3']/summary")[0].text_content()


def test_report_filter_in_chromium(report, tmp_path):
    url = report.as_uri() + "#filter=all%20junk"
    root = lxml_html.fromstring(chromium(url, tmp_path / "profile", "--dump-dom").stdout.decode("utf-8"))
    visible = [d.get("id") for d in root.xpath("//details[@class='chapter']") if d.get("hidden") is None]
    assert visible == ["c8"]
    assert root.xpath("//output[@id='shown']")[0].text == "1 of 8 chapters shown"


def test_report_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    chromium(report.as_uri(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,800")
    assert shot.stat().st_size > 1000
    assert not readers.png_is_blank(shot)
