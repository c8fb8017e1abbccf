"""The streams of an OLE compound file (MS-CFB), as a workbook embeds an object
(``xl/embeddings/oleObject1.bin``): an Excel 97 workbook, a Word document, a packaged file
(an ``Ole10Native`` or ``Package`` stream holding another file, a zip perhaps).

A compound file keeps a stream in sectors (512 or 4096 bytes; a small stream in 64-byte
mini sectors) in the order its allocation table chains them, not the order they lie in the
file: a number's digits can lie in two sectors apart, or behind each other's. The file's
bytes read as text miss it; each stream, its sectors joined in order, does not. No
dependency keeps such a reader well (olefile is not installed), hence these few lines: only
what a scan needs (the streams' names and bytes), every chain and size checked against the
file, so a malformed one is refused (ValueError), not followed in a loop. Pure; Python 3.9."""

from __future__ import annotations

import struct
from collections.abc import Callable

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE  # the last sector of a chain
_FREE = 0xFFFFFFFF
_STREAM, _ROOT = 2, 5
_MINI = 64  # a mini sector's size (the only one MS-CFB allows)


def is_ole(raw: bytes) -> bool:
    return raw[:8] == MAGIC


class _File:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not is_ole(data):
            raise ValueError("no compound file")
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("a sector size MS-CFB does not allow")
        self.data, self.size = data, 1 << shift
        # Sectors after the header; a last one cut short still counts (some writers leave
        # it so), its stream then shorter than it says unless it ends there.
        self.count = max((len(data) - 1) // self.size, 0)
        (n_fat, self.first_dir, _sig, self.cutoff, self.first_minifat, _n_minifat,
         difat, n_difat) = struct.unpack_from("<8I", data, 0x2C)
        # Which sectors hold the allocation table: 109 in the header, more in a chain.
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        for _ in range(min(n_difat, self.count)):
            entries = self._uints(self.sector(difat))
            fat_sectors += entries[:-1]
            difat = entries[-1]
        fat_sectors = [s for s in fat_sectors if s != _FREE][:n_fat]
        if len(fat_sectors) != n_fat:
            raise ValueError("an allocation table cut short")
        self.fat = [n for s in fat_sectors for n in self._uints(self.sector(s))]

    @staticmethod
    def _uints(raw: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(raw) // 4}I", raw))

    def sector(self, n: int) -> bytes:
        if n >= self.count:
            raise ValueError("a sector past the file's end")
        return self.data[(n + 1) * self.size:(n + 2) * self.size]

    def chain(self, start: int, table: list[int]) -> list[int]:
        """A chain's sectors in order; ValueError if it leaves the table or loops."""
        out: list[int] = []
        while start != _END:
            if start >= len(table) or len(out) >= len(table):
                raise ValueError("a broken sector chain")
            out.append(start)
            start = table[start]
        return out

    def read(self, start: int, table: list[int], get: Callable[[int], bytes],
             size: int) -> bytes:
        raw = b"".join(get(n) for n in self.chain(start, table))
        if len(raw) < size:
            raise ValueError("a stream shorter than it says")
        return raw[:size]


def streams(data: bytes, most: int) -> list[tuple[str, bytes]]:
    """Every stream of the compound file, by its name (``Ole10Native``), in the directory's
    order. ValueError if the file is malformed or its streams claim more than ``most``
    bytes together (chains may share sectors: a stream's size is what it is read to)."""
    f = _File(data)
    directory = b"".join(f.sector(n) for n in f.chain(f.first_dir, f.fat))
    entries = []
    for at in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, at + 64)
        start, low, high = struct.unpack_from("<III", directory, at + 116)
        # A 512-byte-sector file keeps only the size's low half (the high one may be junk).
        size = low if f.size == 512 else low | high << 32
        name = directory[at:at + min(name_len, 64)].decode("utf-16-le", "replace")
        entries.append((name.rstrip("\x00"), kind, start, size))
    wanted = sum(size for _n, kind, _s, size in entries if kind in (_STREAM, _ROOT))
    if wanted > most:
        raise ValueError("streams larger than the room left")
    root = next((e for e in entries if e[1] == _ROOT), None)
    if root is None:
        raise ValueError("no root entry")
    mini_stream = f.read(root[2], f.fat, f.sector, root[3]) if root[3] else b""
    # No mini FAT: the end of a chain, as MS-CFB says, or "free", as some writers put it.
    minifat = [] if f.first_minifat in (_END, _FREE) else _File._uints(
        b"".join(f.sector(n) for n in f.chain(f.first_minifat, f.fat)))

    def mini(n: int) -> bytes:
        if (n + 1) * _MINI > len(mini_stream):
            raise ValueError("a mini sector past the mini stream's end")
        return mini_stream[n * _MINI:(n + 1) * _MINI]

    out = []
    for name, kind, start, size in entries:
        if kind != _STREAM:
            continue
        small = size < f.cutoff
        out.append((name, f.read(start, minifat if small else f.fat,
                                 mini if small else f.sector, size) if size else b""))
    return out
