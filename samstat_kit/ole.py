"""The streams of an OLE compound file (MS-CFB), as a workbook embeds an object
(``xl/embeddings/oleObject1.bin``): an Excel 97 workbook, a Word document, a packaged file
(an ``Ole10Native`` or ``Package`` stream holding another file, a zip perhaps).

A compound file keeps a stream in sectors in the order its allocation table chains them, not
the order they lie in the file: a number's digits can lie in two sectors apart. The file's
bytes read as text miss it; each stream, its sectors joined in order, does not. The reading
is olefile's (the well-kept reader oletools and many mail scanners are built on); this module
only bounds it for a scan: the streams' sizes are checked against the room left before any is
read, and every defect olefile finds (a chain that loops or leaves the file, a cut-short
table) refuses the file (ValueError). Pure; Python 3.9."""

from __future__ import annotations

import io
import struct

import olefile

MAGIC = olefile.MAGIC


def is_ole(raw: bytes) -> bool:
    return raw[:8] == MAGIC


def streams(data: bytes, most: int) -> list[tuple[str, bytes]]:
    """Every stream of the compound file, by its path in the file (``Ole10Native``,
    ``ObjectPool/_1/Workbook``). ValueError if the file is malformed or its streams claim
    more than ``most`` bytes together."""
    try:
        # A file object, never the bytes themselves: olefile takes short bytes for a path.
        with olefile.OleFileIO(io.BytesIO(data)) as f:
            names = f.listdir(streams=True, storages=False)
            if sum(f.get_size(n) for n in names) > most:
                raise ValueError("streams larger than the room left")
            return [("/".join(n), f.openstream(n).read()) for n in names]
    except (OSError, struct.error, IndexError, KeyError, RecursionError) as exc:
        # OleFileError is an OSError; the others are what a corrupt table can still raise
        # from its depths. The reason names no stream (a name may hold the number).
        raise ValueError(f"a malformed compound file ({type(exc).__name__})") from None
