"""Keep every path the user gives inside the book folder: no '..', no absolute paths,
no symlinks that lead out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath


def inside_book(
    root: Path, rel: str, fail: Callable[[str], Exception], must_exist: bool = True
) -> Path:
    """Resolve `rel` against the book folder `root`, refusing anything that escapes it."""
    if "\x00" in rel:
        raise fail("path contains a NUL character: remove it")
    if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute() or rel.startswith("~"):
        raise fail(f"{rel!r} is an absolute path: give a path inside the book folder")
    if ".." in PurePosixPath(rel.replace("\\", "/")).parts:
        raise fail(f"{rel!r} points outside the book folder: copy the file into the book folder")
    try:
        path = (root / rel).resolve()  # follows symlinks
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
        raise fail(f"{rel!r} cannot be resolved ({exc.__class__.__name__}): fix the path") from None
    if path != root and root not in path.parents:
        raise fail(f"{rel!r} leads outside the book folder (a symlink?): copy the file into the book folder")
    return path
