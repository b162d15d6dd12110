"""Measure ebookgen's cold and incremental builds against the naive ebooklib floor and pandoc.

usage: python bench/bench.py [--sizes 500,3000,5000] [--runs 3] [--quick] [--write]
                             [--no-pandoc] [--pandoc-max 3000] [--seed 7] [--keep]

For each size N it writes a dirty N-chapter book with the project's own generator
(tests/support/dirtybook.py) into a temporary folder, then times, each as a subprocess of
this Python (`sys.executable -m ebookgen`, so the ebookgen installed in it is measured):

  cold         `ebookgen build` on a fresh copy (no build/ folder, no cache)
  no-change    `ebookgen build` again on the same copy
  add 10       10 more chapters (the generator's next 10) copied in, then `ebookgen build`
  naive        bench/naive_ebooklib.py on the same .txt chapters
  pandoc       `pandoc -o out.epub chapters/*.md` on the Markdown variant (single run)

and checks that the incremental outputs are byte-identical to a clean full build of the
same input. Peak memory: see peak_mb() below and bench/README.md. Times are medians of
--runs runs (pandoc: one run). It prints a Markdown table of seconds, MB and the ratios of
issue 4; --write also saves it to bench/results.md.

Standard library only (plus ebooklib for the naive script); POSIX only (os.wait4); the
multi-process memory sampler needs Linux's /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NAIVE = HERE / "naive_ebooklib.py"
RESULTS = HERE / "results.md"
TITLE = "The System Made Me a Sect Janitor"
ADDED = 10  # chapters appended for the incremental rebuild
# The Spawner's loop, run as `python -I -S -c` so that it imports next to nothing (~12 MB):
# one JSON request per line in; {"pid"} as soon as the command runs, then its result.
SPAWNER_CODE = """
import json, os, subprocess, sys, time
try:
    for line in sys.stdin:
        req = json.loads(line)
        with open(req["out"], "wb") as out, open(req["err"], "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(req["cmd"], cwd=req["cwd"], env=req["env"], stdout=out,
                                    stderr=err, stdin=subprocess.DEVNULL)
        print(json.dumps({"pid": proc.pid}), flush=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"code": code, "seconds": seconds, "maxrss": usage.ru_maxrss,
                          "cpu": usage.ru_utime + usage.ru_stime}), flush=True)
except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C reaches the whole process group
    sys.exit(130)
"""

# Targets from issue 4: (ratio key, comparison, bound, size it is judged at)
TARGETS = {
    "cold/naive": ("<=", 1.5, 3000),
    "pandoc/cold": (">=", 30.0, 3000),
    "add10/naive": ("<=", 0.5, 3000),
    "nochange/naive": ("<=", 0.2, 3000),
    "peak_mb": ("<=", 150.0, 5000),
}


class BenchError(Exception):
    """A problem the user can fix (missing tool, failed build): printed as one line."""


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    seconds: float  # wall clock, spawn to reap
    cpu: float  # user + system seconds of the process and its reaped children
    peak_mb: float  # see peak_mb()
    rss_sum_mb: float  # sampled peak of the tree's summed RSS: errs high for forked workers
    processes: int  # most processes seen at once in the measured tree
    code: int
    out: str
    err: str


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    return kids


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KB; PSS splits shared pages among the processes sharing them, so the
    PSS of a tree of forked workers adds up to what it really costs the machine."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    """Polls /proc every `interval` s for the summed PSS (and RSS) of a process and all its
    descendants, so a build that fans out to worker processes is charged for all of them
    at once (os.wait4's ru_maxrss only gives the largest single process)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0  # summed RSS
        self.peak_pss_kb = 0
        self.processes = 1
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            tree, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo += _children(p)
            sizes = [_memory_kb(p) for p in tree]
            if not self._halt.is_set():  # the pid may be reaped (and reused) after halt
                self.peak_kb = max(self.peak_kb, sum(r for r, _ in sizes))
                self.peak_pss_kb = max(self.peak_pss_kb, sum(p for _, p in sizes))
                self.processes = max(self.processes, len(tree))
            self._halt.wait(self.interval)

    def halt(self) -> None:
        self._halt.set()
        self.join()


def peak_mb(ru_maxrss: int, sampled_kb: int) -> float:
    """Peak memory in MB (2**20 bytes): the larger of the kernel's exact high-water mark of
    the largest single process in the tree (wait4 ru_maxrss, which also covers reaped
    children) and the sampled peak of the tree's summed PSS (matters only when the build
    runs several processes at once; PSS shares each page among the processes mapping it)."""
    exact_kb = ru_maxrss / 1024 if sys.platform == "darwin" else ru_maxrss  # bytes on macOS
    return max(exact_kb, sampled_kb) / 1024


class Spawner:
    """A small helper process that starts every measured command and reaps it with wait4.

    Why not spawn from here: on Linux a child's ru_maxrss starts from the RSS of the process
    it was forked from (exec counts the high-water mark of the memory it replaces), so a
    command started by this process, which grows while generating 5,000-chapter books,
    would report this process's peak instead of its own. The spawner starts before anything
    is generated and stays ~12 MB, below any command measured (a bare Python is ~10 MB)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", SPAWNER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError("the bench's spawner process died")
        return json.loads(line)

    def start(self, cmd: list[str], cwd: Path, env: dict[str, str], out: Path, err: Path) -> int:
        request = {"cmd": cmd, "cwd": str(cwd), "env": env, "out": str(out), "err": str(err)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._reply()["pid"]

    def finish(self) -> dict:
        return self._reply()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


_spawner: Spawner | None = None


def spawner() -> Spawner:
    global _spawner
    if _spawner is None:
        _spawner = Spawner()
    return _spawner


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run cmd to completion; wall time from spawn to reap, peak memory as peak_mb()."""
    with tempfile.TemporaryDirectory(prefix="ebookgen-bench-run-") as tmp:
        out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
        pid = spawner().start(cmd, cwd, dict(env if env is not None else os.environ), out, err)
        sampler = TreeSampler(pid)
        sampler.start()
        try:
            result = spawner().finish()
        except BaseException:  # Ctrl-C or kill: do not leave a 3 GB pandoc behind
            sampler.halt()
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            raise
        sampler.halt()
        return Run(
            result["seconds"],
            result["cpu"],
            peak_mb(result["maxrss"], sampler.peak_pss_kb),
            sampler.peak_kb / 1024,
            sampler.processes,
            result["code"],
            out.read_text("utf-8", "replace"),
            err.read_text("utf-8", "replace"),
        )


def checked(run: Run, what: str) -> Run:
    if run.code != 0:
        tail = "\n".join((run.err or run.out).strip().splitlines()[-5:])
        raise BenchError(f"{what} failed (exit {run.code}):\n{tail}")
    return run


# --------------------------------------------------------------------------- tools


@dataclass
class Tools:
    ebookgen: str  # "0.1.0 (/path/to/ebookgen)"
    ebooklib: str
    pandoc: str | None  # version line, None when not installed or not wanted


def find_tools(want_pandoc: bool, scratch: Path) -> Tools:
    """Fail early, in one line, when what the bench measures is missing."""
    probe = subprocess.run(
        [sys.executable, "-c", "import ebookgen; print(ebookgen.__version__, ebookgen.__file__)"],
        cwd=scratch,  # not the repo: measure the ebookgen installed in this Python
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise BenchError(
            f"ebookgen is not installed for {sys.executable}; install it "
            f"(pip install -e {REPO}) or run the bench with the Python that has it"
        )
    version, _, where = probe.stdout.strip().partition(" ")
    package = Path(where).parent
    ebookgen = f"{version} ({package}{_git_state(package)})"
    probe = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m; print(m.version('ebooklib'))"],
        cwd=scratch,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise BenchError(f"ebooklib is not installed for {sys.executable} (the naive script needs it)")
    pandoc = None
    if want_pandoc and shutil.which("pandoc"):
        first = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout
        pandoc = (first.splitlines() or ["pandoc"])[0]
    return Tools(ebookgen, probe.stdout.strip(), pandoc)


def _git_state(folder: Path) -> str:
    """', git abc1234[+changes]' when the measured ebookgen is a git checkout (read-only)."""
    try:
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "."], capture_output=True, text=True)
    except OSError:  # no git
        return ""
    return f", git {head.stdout.strip()}" + ("+uncommitted changes" if dirty.stdout.strip() else "")


def load_generator():
    """The project's own dirty-book generator; the repo root goes on sys.path for it."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from tests.support.dirtybook import make_book
    except ImportError as err:
        raise BenchError(f"cannot import tests/support/dirtybook.py from {REPO}: {err}") from err
    return make_book


# --------------------------------------------------------------------------- books


@dataclass
class Books:
    """One size's inputs: the N-chapter .txt book, the generator's next 10 chapter files,
    and (for pandoc) the same N chapters as Markdown."""

    txt: Path
    extras: list[Path]
    md: Path | None


def make_books(make_book, n: int, seed: int, root: Path, with_md: bool) -> Books:
    """Generate N+10 chapters and hold the last 10 back, so the added chapters are exactly
    what the generator would have written next (same families, numbering continues)."""

    def split(fmt: str) -> tuple[Path, list[Path]]:
        book = root / f"{fmt}-{n}"
        truth = make_book(book, chapters=n + ADDED, seed=seed, fmt=fmt, title=TITLE)
        (book / "truth.json").unlink()
        held = root / f"{fmt}-{n}-extra"
        held.mkdir()
        extras = []
        for entry in truth[-ADDED:]:
            target = held / Path(entry["file"]).name
            shutil.move(book / "chapters" / entry["file"], target)
            extras.append(target)
        return book, extras

    txt, extras = split("txt")
    md = split("md")[0] if with_md else None
    return Books(txt, extras, md)


def copy_book(src: Path, dest: Path, extras: list[Path] = ()) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("build"))
    for f in extras:
        shutil.copy2(f, dest / "chapters" / f.name)
    return dest


def epub_digests(book: Path) -> dict[str, str]:
    """sha256 of every EPUB in BOOK/build/ (several when the book is split in volumes)."""
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((book / "build").glob("*.epub"))}
    if not found:
        raise BenchError(f"ebookgen build wrote no EPUB in {book / 'build'}")
    return found


def epub_stamps(book: Path) -> dict[str, tuple[int, int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in (book / "build").glob("*.epub")}


# --------------------------------------------------------------------------- one size


@dataclass
class SizeResult:
    n: int
    cold: list[Run] = field(default_factory=list)
    nochange: list[Run] = field(default_factory=list)
    add10: list[Run] = field(default_factory=list)
    naive: list[Run] = field(default_factory=list)
    pandoc: Run | None = None
    pandoc_note: str = ""
    cold_reproducible: bool = True
    nochange_identical: bool = True
    nochange_untouched: bool = True
    nochange_said_up_to_date: bool = True
    add10_identical: bool = True

    @property
    def identical(self) -> bool:
        return self.nochange_identical and self.add10_identical

    def median(self, kind: str, cpu: bool = False) -> float | None:
        runs = getattr(self, kind)
        return statistics.median(r.cpu if cpu else r.seconds for r in runs) if runs else None

    @property
    def ebookgen_peak(self) -> float:
        return max(r.peak_mb for r in self.cold + self.nochange + self.add10)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ebookgen_build(book: Path, env: dict[str, str], what: str) -> Run:
    return checked(measure([sys.executable, "-m", "ebookgen", "build", str(book)], book.parent, env), what)


def bench_size(n: int, args, tools: Tools, make_book, root: Path) -> SizeResult:
    res = SizeResult(n)
    run_pandoc = tools.pandoc is not None and n <= args.pandoc_max
    log(f"[{n}] generating {n}+{ADDED} chapters (txt{' and md' if run_pandoc else ''}) ...")
    books = make_books(make_book, n, args.seed, root, with_md=run_pandoc)

    cold_digests, add_digests = [], []
    for i in range(args.runs):  # naive and ebookgen interleaved, so both see the same load
        tag = f"[{n}] run {i + 1}/{args.runs}"
        out = root / "naive.epub"
        run = checked(
            measure([sys.executable, str(NAIVE), str(books.txt), str(out), "--title", TITLE], root),
            f"naive ebooklib script on {n} chapters",
        )
        out.unlink()
        res.naive.append(run)
        log(f"{tag} naive ebooklib: {run.seconds:.2f} s, {run.peak_mb:.0f} MB")

        work = root / f"work-{n}-{i}"
        book = copy_book(books.txt, work / "book")
        # a private XDG cache too, in case ebookgen ever keeps one outside build/
        env = dict(os.environ, XDG_CACHE_HOME=str(work / "xdg-cache"))

        run = ebookgen_build(book, env, f"ebookgen cold build of {n} chapters")
        res.cold.append(run)
        cold = epub_digests(book)
        cold_digests.append(cold)
        log(f"{tag} cold: {run.seconds:.2f} s, {run.peak_mb:.0f} MB")

        before = epub_stamps(book)
        run = ebookgen_build(book, env, f"ebookgen no-change rebuild of {n} chapters")
        res.nochange.append(run)
        res.nochange_identical &= epub_digests(book) == cold
        res.nochange_untouched &= epub_stamps(book) == before
        res.nochange_said_up_to_date &= "up to date" in (run.out + run.err).lower()
        log(f"{tag} no-change rebuild: {run.seconds:.2f} s, {run.peak_mb:.0f} MB")

        for f in books.extras:
            shutil.copy2(f, book / "chapters" / f.name)
        run = ebookgen_build(book, env, f"ebookgen rebuild after adding {ADDED} chapters to {n}")
        res.add10.append(run)
        add_digests.append(epub_digests(book))
        log(f"{tag} add {ADDED} + rebuild: {run.seconds:.2f} s, {run.peak_mb:.0f} MB")
        shutil.rmtree(work)

    # the reference: a clean full build of the N+10 input, in a fresh copy
    work = root / f"work-{n}-ref"
    book = copy_book(books.txt, work / "book", books.extras)
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "xdg-cache"))
    ebookgen_build(book, env, f"ebookgen clean full build of {n}+{ADDED} chapters")
    reference = epub_digests(book)
    shutil.rmtree(work)
    res.cold_reproducible = all(d == cold_digests[0] for d in cold_digests)
    res.add10_identical = all(d == reference for d in add_digests)
    log(f"[{n}] byte-identical to clean builds: no-change {yes(res.nochange_identical)}, add {ADDED} {yes(res.add10_identical)}")

    if run_pandoc:
        # the generator names Markdown chapters 00001.md ... (12.5 would be 00012.5.md)
        names = sorted((p.name for p in (books.md / "chapters").glob("*.md")), key=lambda m: float(m[:-3]))
        log(f"[{n}] pandoc on {len(names)} Markdown chapters (single run) ...")
        cmd = ["pandoc", "-o", str(root / "pandoc.epub"), "--metadata", f"title={TITLE}"]
        res.pandoc = checked(measure(cmd + [f"chapters/{m}" for m in names], books.md), f"pandoc on {n} chapters")
        (root / "pandoc.epub").unlink()
        log(f"[{n}] pandoc: {res.pandoc.seconds:.1f} s, {res.pandoc.peak_mb:.0f} MB")
    elif tools.pandoc is None:
        res.pandoc_note = "not run" if args.no_pandoc else "not installed"
    else:
        res.pandoc_note = f"skipped (> {args.pandoc_max:,} chapters)"

    for d in root.glob(f"*-{n}-extra"):  # the generated books and their held-back chapters
        shutil.rmtree(d)
    for d in (books.txt, books.md):
        if d is not None:
            shutil.rmtree(d)
    return res


# --------------------------------------------------------------------------- report


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def ratios(r: SizeResult) -> dict[str, float | None]:
    cold, naive = r.median("cold"), r.median("naive")
    return {
        "cold/naive": cold / naive,
        "pandoc/cold": r.pandoc.seconds / cold if r.pandoc else None,
        "add10/naive": r.median("add10") / naive,
        "nochange/naive": r.median("nochange") / naive,
        "peak_mb": r.ebookgen_peak,
    }


def fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def machine_info(tools: Tools) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- machine: {usable} usable cores (nproc), {cpu}, {platform.system()} {platform.release()}",
        f"- python {platform.python_version()} ({sys.executable})",
        f"- ebookgen {tools.ebookgen}; ebooklib {tools.ebooklib}; {tools.pandoc or 'pandoc: not run'}",
    ]


def render(results: list[SizeResult], tools: Tools, args, started: float, load: tuple) -> str:
    runs = "single runs" if args.runs == 1 else f"median of {args.runs} runs"
    lines = [
        "# ebookgen benchmark",
        "",
        "`python bench/bench.py " + shlex.join(sys.argv[1:]) + "`",
        f"on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{time.monotonic() - started:.0f} s end to end.",
        "",
        *([f"> {args.note}", ""] if args.note else []),
        *machine_info(tools),
        f"- load average at start {load[0]:.2f}, at end {os.getloadavg()[0]:.2f} (the machine is shared: read ratios, not seconds)",
        "",
        f"## Seconds and peak MB ({runs}; pandoc: one run, {args.pandoc_max:,} chapters at most)",
        "",
        "| chapters | ebookgen cold | no-change rebuild | add 10 + rebuild | naive ebooklib | pandoc (md) "
        "| ebookgen peak MB | naive peak MB | pandoc peak MB | byte-identical |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        pandoc_s = fmt(r.pandoc.seconds, 1) if r.pandoc else r.pandoc_note
        pandoc_mb = fmt(r.pandoc.peak_mb, 0) if r.pandoc else "—"
        lines.append(
            f"| {r.n:,} | {fmt(r.median('cold'))} | {fmt(r.median('nochange'))} | {fmt(r.median('add10'))} "
            f"| {fmt(r.median('naive'))} | {pandoc_s} | {r.ebookgen_peak:.0f} "
            f"| {max(x.peak_mb for x in r.naive):.0f} | {pandoc_mb} | {yes(r.identical)} |"
        )
    sizes = [r.n for r in results]
    lines += [
        "",
        "## Ratios (issue 4 targets)",
        "",
        "| ratio | target | " + " | ".join(f"{n:,}" for n in sizes) + " | target met |",
        "|---|---|" + "---:|" * len(sizes) + ":---:|",
    ]
    names = {
        "cold/naive": "ebookgen cold / naive full",
        "pandoc/cold": "pandoc / ebookgen cold",
        "add10/naive": "add-10 rebuild / naive full",
        "nochange/naive": "no-change rebuild / naive full",
        "peak_mb": "ebookgen peak MB (any build)",
    }
    table = {r.n: ratios(r) for r in results}
    for key, label in names.items():
        op, bound, at = TARGETS[key]
        digits = 0 if key == "peak_mb" else 2
        cells = [fmt(table[n][key], digits) for n in sizes]
        value = table.get(at, {}).get(key)
        if value is None:
            met = f"n/a ({at:,} not measured)"
        else:
            met = yes(value <= bound if op == "<=" else value >= bound)
        lines.append(f"| {label} | {op} {bound:g} at {at:,} | " + " | ".join(cells) + f" | {met} |")
    ident = all(r.identical for r in results)
    lines.append("| byte-identical to a clean full build | yes at all sizes | " + " | ".join(yes(r.identical) for r in results) + f" | {yes(ident)} |")
    lines.append(
        "| *for noise: ebookgen cold / naive in CPU seconds* | — | "
        + " | ".join(fmt(r.median("cold", cpu=True) / r.median("naive", cpu=True)) for r in results)
        + " | — |"
    )
    lines += [
        "",
        "## Checks",
        "",
        "| chapters | cold builds reproducible | no-change: said \"up to date\" | no-change: EPUB untouched "
        "| no-change = cold bytes | add 10 = clean full build bytes | most processes seen | peak MB as summed RSS |",
        "|---:|:---:|:---:|:---:|:---:|:---:|---:|---:|",
    ]
    for r in results:
        builds = r.cold + r.nochange + r.add10
        lines.append(
            f"| {r.n:,} | {yes(r.cold_reproducible)} | {yes(r.nochange_said_up_to_date)} | {yes(r.nochange_untouched)} "
            f"| {yes(r.nochange_identical)} | {yes(r.add10_identical)} | {max(x.processes for x in builds)} "
            f"| {max(x.rss_sum_mb for x in builds):.0f} |"
        )
    lines += ["", "## Every run (wall seconds / CPU seconds / peak MB)", ""]
    for r in results:
        for kind, label in (("cold", "ebookgen cold"), ("nochange", "no-change rebuild"), ("add10", "add 10 + rebuild"), ("naive", "naive ebooklib")):
            each = ", ".join(f"{x.seconds:.2f}/{x.cpu:.2f}/{x.peak_mb:.0f}" for x in getattr(r, kind))
            lines.append(f"- {r.n:,} {label}: {each}")
        if r.pandoc:
            lines.append(f"- {r.n:,} pandoc: {r.pandoc.seconds:.2f}/{r.pandoc.cpu:.2f}/{r.pandoc.peak_mb:.0f}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark ebookgen builds against naive ebooklib and pandoc.")
    p.add_argument("--sizes", default="500,3000,5000", help="chapter counts, comma-separated (default 500,3000,5000)")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement, median reported (default 3; pandoc always 1)")
    p.add_argument("--quick", action="store_true", help="smoke test: 500 chapters, one run of each")
    p.add_argument("--write", action="store_true", help=f"also write the table to {RESULTS.relative_to(REPO)}")
    p.add_argument("--no-pandoc", action="store_true", help="skip pandoc even when installed")
    p.add_argument("--pandoc-max", type=int, default=3000, help="largest size pandoc runs on (default 3000; it needs GBs)")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--note", help="a line to put under the title of the results (e.g. what is being measured)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes: expected numbers like 500,3000, got {args.sizes!r}")
    if args.quick:
        args.sizes, args.runs = [500], 1
    if not args.sizes or min(args.sizes) < 1 or args.runs < 1:
        p.error("--sizes and --runs must be positive")
    return args


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not hasattr(os, "wait4"):
        print("bench: error: needs a POSIX system (os.wait4)", file=sys.stderr)
        return 1
    started, load = time.monotonic(), os.getloadavg()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` cleans up like Ctrl-C does
    spawner()  # now, while this process is small
    root = Path(tempfile.mkdtemp(prefix="ebookgen-bench-"))
    try:
        tools = find_tools(not args.no_pandoc, root)
        make_book = load_generator()
        results = [bench_size(n, args, tools, make_book, root) for n in args.sizes]
    except BenchError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        spawner().close()
        if args.keep:
            log(f"bench: kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    text = render(results, tools, args, started, load)
    print(text, end="")
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
        log(f"bench: wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
