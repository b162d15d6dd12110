"""The build cache, next to the output (build/.cache/): per chapter, what cleaning and
rendering produced, keyed by everything that determines it, plus the chapter already
deflated for the ZIP. A rebuild re-does only new or changed chapters and re-compresses
nothing else.

Two files, written atomically, blobs first: `index.json` (entries and the SHA-256 of the
blob file) and `blobs.bin` (deflated XHTML, back to back). A cache that fails any check
(format, version, checksums, a malformed entry) is ignored as a whole: it can cost time,
never correctness. No pickle: a cache file is data, never code."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ebookgen import __version__
from ebookgen.atomic import atomic_file, atomic_write
from ebookgen.zipwriter import Deflated

FORMAT = 4
INDEX, BLOBS, STATE = "index.json", "blobs.bin", "state.json"


@dataclass
class Entry:
    """One chapter's cached result (everything but the source text)."""

    meta: dict  # number, title, label, key, file_name, words, removals, candidates, ...
    deflated: Deflated


@dataclass
class Cache:
    folder: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    signatures: dict[str, dict] = field(default_factory=dict)  # source digest -> signature
    used: set[str] = field(default_factory=set)
    dirty: bool = False

    # -- reading ---------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path) -> Cache:
        cache = cls(folder)
        try:
            index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
            if index.get("format") != FORMAT or index.get("ebookgen") != __version__:
                return cache
            blobs = (folder / BLOBS).read_bytes()
            if hashlib.sha256(blobs).hexdigest() != index["blobs_sha256"]:
                return cache
            entries = {}
            for key, raw in index["entries"].items():
                start, length = raw["blob"]
                entries[key] = Entry(
                    raw["meta"], Deflated(raw["crc"], raw["size"], blobs[start : start + length])
                )
            cache.entries = entries
            cache.signatures = dict(index.get("signatures", {}))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(folder)  # missing, corrupt or foreign: start empty
        return cache

    def get(self, key: str) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        self.used.add(key)
        self.dirty = True

    def signature(self, digest: str) -> dict | None:
        return self.signatures.get(digest)

    def put_signature(self, digest: str, sig: dict) -> None:
        self.signatures[digest] = sig
        self.dirty = True

    # -- writing ---------------------------------------------------------------------

    def save(self, live_digests: set[str]) -> None:
        """Keep what this build used; drop the rest (deleted or changed chapters)."""
        keep = {k: e for k, e in self.entries.items() if k in self.used}
        sigs = {d: s for d, s in self.signatures.items() if d in live_digests}
        if not self.dirty and len(keep) == len(self.entries) and len(sigs) == len(self.signatures):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # Streamed to disk, blobs first: a 5,000-chapter cache is tens of MB, and building
        # it as one string would double the build's peak memory.
        offset, raw_entries, digest = 0, {}, hashlib.sha256()
        with atomic_file(self.folder / BLOBS) as f:
            for key in sorted(keep):
                e = keep[key]
                f.write(e.deflated.data)
                digest.update(e.deflated.data)
                raw_entries[key] = {
                    "meta": e.meta,
                    "crc": e.deflated.crc,
                    "size": e.deflated.size,
                    "blob": [offset, len(e.deflated.data)],
                }
                offset += len(e.deflated.data)
        index = {
            "format": FORMAT,
            "ebookgen": __version__,
            "blobs_sha256": digest.hexdigest(),
            "entries": raw_entries,
            "signatures": sigs,
        }
        with atomic_file(self.folder / INDEX) as f:
            # One entry at a time through the C encoder: neither one huge string nor the
            # pure-Python streaming encoder (ten times slower).
            head = {k: v for k, v in index.items() if k != "entries"}
            f.write(json.dumps(head, ensure_ascii=False)[:-1].encode("utf-8") + b', "entries": {')
            for i, (key, entry) in enumerate(raw_entries.items()):
                sep = b", " if i else b""
                f.write(sep + json.dumps(key).encode() + b": " + json.dumps(entry, ensure_ascii=False).encode("utf-8"))
            f.write(b"}}")


def load_state(folder: Path) -> dict | None:
    """What the last successful build saw (for 'up to date'); None if unknown."""
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return state if state.get("format") == FORMAT and state.get("ebookgen") == __version__ else None
    except (OSError, ValueError):
        return None


def save_state(folder: Path, state: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / STATE, json.dumps({"format": FORMAT, "ebookgen": __version__, **state}).encode())
