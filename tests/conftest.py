"""Shared test helpers: write small books, run the CLI, open an EPUB as a reader would."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from posixpath import dirname, join, normpath

import pytest
from lxml import etree

from ebookgen.commands.check import NS as CHECK_NAMESPACES

REPO = Path(__file__).resolve().parents[1]
BOOKS = Path(__file__).parent / "books"
SHARED = REPO.parent / "shared"
NS = CHECK_NAMESPACES  # the EPUB namespaces, as `ebookgen check` reads them
# Plain story lines, for chapters the tests dirty with one junk line at a time.
STORY = [
    "Shen Yao swept the courtyard twice before the sun rose over the east cliff.",
    "The elder watched him from the window and said nothing at all.",
    "By noon the rumours had reached even the kitchen staff.",
    "Xu Lan laughed at the broom in his hands, then offered him a bun.",
    "The pill furnace hissed in the corner like an old cat.",
    "Somewhere above the pavilion, thunder rolled across a cloudless sky.",
    "It took four tries before the formation finally hummed to life.",
    "Nobody at the mission board had expected him to survive the first week.",
    "He counted the spirit stones twice and still came up short.",
    "The wind carried the smell of pine resin and iron.",
    "Three disciples in grey robes were already waiting at the gate.",
    "Whatever the System wanted, it wanted it before sunset.",
]


def write_book(root: Path, chapters: dict[str, str | bytes], yaml: str | None = None) -> Path:
    """A book folder: book.yaml plus chapters/<name> for each entry (text is UTF-8)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "book.yaml").write_text(
        yaml if yaml is not None else "title: Test Book\nauthor: A. Writer\nlanguage: en\n",
        encoding="utf-8",
    )
    for name, content in chapters.items():
        path = root / "chapters" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> CliResult:
    """Run `ebookgen ARGS` in-process (fast); the exit code is what main() returns."""
    from ebookgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str, cwd: Path | None = None) -> CliResult:
    """Run the installed console script in a real process."""
    exe = shutil.which("ebookgen") or str(Path(sys.executable).with_name("ebookgen"))
    proc = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class OpenedChapter:
    href: str
    title: str  # the TOC label from the nav
    heading: str
    paragraphs: list[str]
    root: etree._Element


class Epub:
    """An EPUB opened the way a reading system opens it: container -> OPF -> spine."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.find(".//c:rootfile", NS).get("full-path")
        self.opf = etree.fromstring(self.zip.read(self.opf_path))
        self.base = dirname(self.opf_path)
        self.manifest = {
            i.get("id"): i for i in self.opf.find("opf:manifest", NS)
        }
        self.spine_ids = [r.get("idref") for r in self.opf.find("opf:spine", NS)]
        nav_id = next(i for i, it in self.manifest.items() if "nav" in (it.get("properties") or ""))
        self.nav_path = self.href(nav_id)
        self.nav = etree.fromstring(self.zip.read(self.nav_path))

    def href(self, item_id: str) -> str:
        return normpath(join(self.base, self.manifest[item_id].get("href")))

    def read(self, path: str) -> bytes:
        return self.zip.read(path)

    def metadata(self, tag: str) -> list[str]:
        return [e.text for e in self.opf.iterfind(f"opf:metadata/dc:{tag}", NS)]

    def meta_property(self, prop: str) -> list[str]:
        return [e.text for e in self.opf.iterfind("opf:metadata/opf:meta", NS) if e.get("property") == prop]

    def toc(self) -> list[tuple[str, str]]:
        """(label, href) of every TOC entry, depth first."""
        out = []
        toc_nav = next(
            n for n in self.nav.iter(f"{{{NS['x']}}}nav") if n.get(f"{{{NS['ep']}}}type") == "toc"
        )
        for a in toc_nav.iter(f"{{{NS['x']}}}a"):
            href = normpath(join(dirname(self.nav_path), a.get("href").split("#")[0]))
            out.append(("".join(a.itertext()).strip(), href))
        return out

    def chapters(self) -> list[OpenedChapter]:
        labels = {href: label for label, href in self.toc()}
        out = []
        for item_id in self.spine_ids:
            href = self.href(item_id)
            root = etree.fromstring(self.zip.read(href))
            section = root.find(".//x:section", NS)
            if section is None or section.get(f"{{{NS['ep']}}}type") != "chapter":
                continue
            heading = section.find("x:h1", NS)
            if heading is None:
                heading = section.find("x:h2", NS)
            paragraphs = ["".join(p.itertext()) for p in section.iter(f"{{{NS['x']}}}p")]
            out.append(
                OpenedChapter(href, labels.get(href, ""), "".join(heading.itertext()), paragraphs, root)
            )
        return out


@pytest.fixture
def open_epub():
    return Epub


def one_epub(book_dir: Path) -> Path:
    found = sorted((book_dir / "build").glob("*.epub"))
    assert len(found) == 1, found
    return found[0]
