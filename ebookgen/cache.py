"""The build cache, next to the output (build/.cache/): per chapter, what cleaning and
rendering produced, keyed by everything that determines it, plus the chapter already
deflated for the ZIP. A rebuild re-does only new or changed chapters and re-compresses
nothing else.

Two files, written atomically, blobs first: `index.jsonl` and `blobs.bin` (deflated XHTML,
back to back). The index is one JSON line per entry and per chapter signature, after a
header line (format, version, counts, the SHA-256s of the blob file and of the lines after
the header, so a damaged line that is still valid JSON is caught too): a rebuild parses it
line by line and writes the lines of unchanged chapters back as they were read, so saving
costs what changed. A cache that fails any check (format, version, counts, checksums, a
malformed line) is ignored as a whole: it can cost time, never correctness. No pickle: a
cache file is data, never code."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ebookgen import __version__
from ebookgen.atomic import atomic_file, atomic_write
from ebookgen.zipwriter import Deflated

FORMAT = 8
INDEX, BLOBS, STATE = "index.jsonl", "blobs.bin", "state.json"


@dataclass
class Entry:
    """One chapter's cached result (everything but the source text)."""

    meta: dict  # number, title, label, key, file_name, words, removals, candidates, ...
    deflated: Deflated
    line: bytes = b""  # its index line's JSON in UTF-8, once made or read (entry_json)


def signature_json(sig: dict) -> bytes:
    """A chapter signature as its index line holds it."""
    return json.dumps(sig, ensure_ascii=False).encode()


def entry_json(meta: dict, deflated: Deflated) -> bytes:
    """An entry as its index line holds it (made where the entry is made: in a worker)."""
    return json.dumps({"meta": meta, "crc": deflated.crc, "size": deflated.size}, ensure_ascii=False).encode()


@dataclass
class Cache:
    folder: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    signatures: dict[str, dict] = field(default_factory=dict)  # source digest -> signature
    signature_lines: dict[str, bytes] = field(default_factory=dict)  # their JSON, as read
    used: set[str] = field(default_factory=set)
    dirty: bool = False

    # -- reading ---------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path) -> Cache:
        cache = cls(folder)
        try:
            # Bytes, not str: a str holding one curly quote takes two bytes a character.
            lines = (folder / INDEX).read_bytes().split(b"\n")
            head = json.loads(lines[0])
            if head.get("format") != FORMAT or head.get("ebookgen") != __version__:
                return cache
            body = hashlib.sha256()
            for line in lines[1:-1]:  # (the file ends with a newline: the last is empty)
                body.update(line)
                body.update(b"\n")
            if body.hexdigest() != head["index_sha256"]:
                return cache
            n_entries, n_sigs = int(head["entries"]), int(head["signatures"])
            if len(lines) != 1 + n_entries + n_sigs + 1 or lines[-1]:
                return cache
            # One buffer; each entry's blob is a view into it, not a copy.
            blobs = memoryview((folder / BLOBS).read_bytes())
            if hashlib.sha256(blobs).hexdigest() != head["blobs_sha256"]:
                return cache
            rows = [line.split(b"\t", 4) for line in lines[1 : 1 + n_entries]]
            sig_rows = [line.split(b"\t", 2) for line in lines[1 + n_entries : -1]]
            del lines
            if any(r[0] != b"E" for r in rows) or any(r[0] != b"S" for r in sig_rows):
                return cache
            # Parsed in one call each (as one JSON array): the C parser, not a loop of calls.
            parsed = json.loads(b"[" + b",".join(r[4] for r in rows) + b"]")
            for (_, key, start, length, raw), e in zip(rows, parsed, strict=True):
                start, length = int(start), int(length)
                if start + length > len(blobs) or not isinstance(e["meta"], dict):
                    return cls(folder)
                deflated = Deflated(int(e["crc"]), int(e["size"]), blobs[start : start + length])
                cache.entries[key.decode()] = Entry(e["meta"], deflated, raw)
            sigs = json.loads(b"[" + b",".join(r[2] for r in sig_rows) + b"]")
            for (_, digest, raw), sig in zip(sig_rows, sigs, strict=True):
                if not isinstance(sig, dict):
                    return cls(folder)
                cache.signatures[digest.decode()] = sig
                cache.signature_lines[digest.decode()] = raw
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

    def put_signature(self, digest: str, sig: dict, line: bytes = b"") -> None:
        self.signatures[digest] = sig
        self.signature_lines[digest] = line or signature_json(sig)
        self.dirty = True

    # -- writing ---------------------------------------------------------------------

    def save(self, live_digests: set[str]) -> None:
        """Keep what this build used; drop the rest (deleted or changed chapters)."""
        keep = {k: e for k, e in self.entries.items() if k in self.used}
        sigs = {d: s for d, s in self.signatures.items() if d in live_digests}
        if not self.dirty and len(keep) == len(self.entries) and len(sigs) == len(self.signatures):
            return
        # Streamed to disk, blobs first: a 5,000-chapter cache is tens of MB, and building
        # it as one string would double the build's peak memory.
        offset, places, digest = 0, {}, hashlib.sha256()
        with atomic_file(self.folder / BLOBS) as f:
            for key in sorted(keep):
                data = keep[key].deflated.data
                f.write(data)
                digest.update(data)
                places[key] = (offset, len(data))
                offset += len(data)

        def rows():
            """Each index line after the header, as (its tab-separated fields, its JSON)."""
            for key, (start, length) in places.items():
                e = keep[key]
                yield f"E\t{key}\t{start}\t{length}\t".encode(), e.line or entry_json(e.meta, e.deflated)
            for d in sorted(sigs):
                yield f"S\t{d}\t".encode(), self.signature_lines.get(d) or signature_json(sigs[d])

        body = hashlib.sha256()  # hashed in pieces, then written in pieces: no copies
        for fields, line in rows():
            body.update(fields)
            body.update(line)
            body.update(b"\n")
        head = {"format": FORMAT, "ebookgen": __version__, "blobs_sha256": digest.hexdigest(),
                "index_sha256": body.hexdigest(), "entries": len(keep), "signatures": len(sigs)}
        with atomic_file(self.folder / INDEX) as f:
            f.write(json.dumps(head).encode() + b"\n")
            for fields, line in rows():
                f.write(fields)
                f.write(line)
                f.write(b"\n")


def load_state(folder: Path) -> dict | None:
    """What the last successful build saw (for 'up to date'); None if unknown."""
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return state if state.get("format") == FORMAT and state.get("ebookgen") == __version__ else None
    except (OSError, ValueError):
        return None


def save_state(folder: Path, state: dict) -> None:
    atomic_write(folder / STATE, json.dumps({"format": FORMAT, "ebookgen": __version__, **state}).encode())
