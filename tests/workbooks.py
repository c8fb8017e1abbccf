"""Excel workbooks for the tests of the agencies' files, written by openpyxl as Excel would."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import openpyxl


def xlsx(header: Sequence[object], rows: Sequence[Sequence[object]]) -> bytes:
    """A workbook whose first sheet holds ``header`` and then ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (header, *rows):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(parts: dict[str, bytes]) -> bytes:
    """A zip of ``parts``, each compressed (so no text of them is in plain sight)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return out.getvalue()


def with_parts(book: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook ``book`` with more parts (an embedded file, say), each compressed."""
    src = zipfile.ZipFile(io.BytesIO(book))
    return zipped({**{i.filename: src.read(i) for i in src.infolist()}, **parts})


EMBEDDED = "xl/embeddings/Microsoft_Excel_Worksheet.xlsx"


def embedding(book: bytes, inner: bytes, levels: int = 1) -> bytes:
    """``book`` embedding ``inner`` as Excel embeds a workbook, ``levels`` deep (each level
    a copy of ``book`` embedding the next)."""
    for _ in range(levels):
        inner = with_parts(book, {EMBEDDED: inner})
    return inner
