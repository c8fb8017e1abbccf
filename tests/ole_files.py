"""OLE compound files (MS-CFB, version 3) for the tests: what a workbook embeds as
``xl/embeddings/oleObject1.bin``. A stream under 4096 bytes lies in the mini stream, as the
format wants; ``scattered`` lays every chain's sectors out back to front, as a file edited in
place has them (a stream's bytes are then not in the file's order)."""

from __future__ import annotations

import struct

END, FREE, FAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


class _Sectors:
    def __init__(self, size: int, scattered: bool) -> None:
        self.size, self.scattered = size, scattered
        self.blobs: list[bytes] = []
        self.table: list[int] = []

    def add(self, data: bytes) -> int:
        """``data``'s chain; its first sector (END if empty)."""
        chunks = [data[i:i + self.size].ljust(self.size, b"\0")
                  for i in range(0, len(data), self.size)]
        if not chunks:
            return END
        first = len(self.blobs)
        places = list(range(first, first + len(chunks)))
        if self.scattered:
            places.reverse()
        self.blobs += [b""] * len(chunks)
        self.table += [END] * len(chunks)
        for k, place in enumerate(places):
            self.blobs[place] = chunks[k]
            self.table[place] = places[k + 1] if k + 1 < len(places) else END
        return places[0]


def _entry(name: str, kind: int, start: int, size: int, child: int = FREE,
           right: int = FREE) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", FREE, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", start, size))


def compound_file(streams: dict[str, bytes], *, scattered: bool = False) -> bytes:
    regular, mini = _Sectors(512, scattered), _Sectors(64, scattered)
    starts = {name: (mini if len(data) < 4096 else regular).add(data)
              for name, data in streams.items()}
    mini_stream = b"".join(mini.blobs)
    root_start = regular.add(mini_stream)
    minifat = regular.add(struct.pack(f"<{len(mini.table)}I", *mini.table))
    names = list(streams)
    entries = [_entry("Root Entry", 5, root_start, len(mini_stream), child=1 if names else FREE)]
    entries += [_entry(n, 2, starts[n], len(streams[n]),
                       right=i + 2 if i + 1 < len(names) else FREE)
                for i, n in enumerate(names)]
    directory = regular.add(b"".join(entries))
    n_fat = (len(regular.blobs) + 127) // 128 + 1
    fat_at = len(regular.blobs)
    table = regular.table + [FAT_SECTOR] * n_fat
    table += [FREE] * (n_fat * 128 - len(table))
    fat = struct.pack(f"<{len(table)}I", *table)
    difat = list(range(fat_at, fat_at + n_fat)) + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, n_fat, directory, 0, 4096, minifat,
                            1 if mini.table else 0, END, 0)
              + struct.pack("<109I", *difat))
    return header + b"".join(regular.blobs) + fat
