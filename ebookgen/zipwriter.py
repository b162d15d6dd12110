"""A small ZIP writer for reproducible EPUBs: fixed timestamps and attributes, entries in
the order given, `mimetype` stored first, and entries that arrive already deflated (from
the build cache) written as they are, so a rebuild compresses only what changed."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

# 1980-01-01 00:00:00, the earliest time a ZIP can hold; the real build time lives in
# dcterms:modified, never in the archive.
DOS_DATE, DOS_TIME = (0 << 9) | (1 << 5) | 1, 0
COMPRESS_LEVEL = 6
MADE_BY = (3 << 8) | 20  # Unix, so the 0644 permissions below mean what they say
MAX_ENTRIES = 65535  # without ZIP64


@dataclass(frozen=True)
class Deflated:
    """An entry's data, compressed once and reusable: CRC-32, sizes and raw deflate bytes."""

    crc: int
    size: int
    data: bytes | memoryview  # a view into the cache's blob file when it came from there


def deflate(data: bytes) -> Deflated:
    c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return Deflated(zlib.crc32(data), len(data), c.compress(data) + c.flush())


class ZipWriter:
    def __init__(self, fileobj):
        self.f = fileobj
        self.central: list[bytes] = []
        self.offset = 0
        self.names: set[str] = set()

    def _write(self, data: bytes) -> None:
        self.f.write(data)
        self.offset += len(data)

    def add(self, name: str, data: bytes | Deflated, store: bool = False) -> None:
        if name in self.names:
            raise ValueError(f"duplicate zip entry {name}")
        if len(self.names) >= MAX_ENTRIES:
            raise ValueError("more than 65,535 files in one EPUB")
        self.names.add(name)
        raw_name = name.encode("utf-8")
        if store:
            assert isinstance(data, bytes)
            crc, size, payload, method = zlib.crc32(data), len(data), data, 0
        else:
            d = data if isinstance(data, Deflated) else deflate(data)
            crc, size, payload, method = d.crc, d.size, d.data, 8
        if size >= 0xFFFFFFFF or len(payload) >= 0xFFFFFFFF:
            raise ValueError(f"{name} is too large for a ZIP without ZIP64")
        flags = 0x800 if not name.isascii() else 0  # UTF-8 names
        local = struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, DOS_TIME, DOS_DATE,
            crc, len(payload), size, len(raw_name), 0,
        )
        header_offset = self.offset
        self._write(local + raw_name)
        self._write(payload)
        self.central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", MADE_BY, 20, flags, method, DOS_TIME,
                DOS_DATE, crc, len(payload), size, len(raw_name), 0, 0, 0, 0,
                0o100644 << 16, header_offset,
            )
            + raw_name
        )

    def close(self) -> None:
        start = self.offset
        for entry in self.central:
            self._write(entry)
        size = self.offset - start
        n = len(self.central)
        self._write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, size, start, 0))
