"""Excel workbooks for the tests of the agencies' files, written by openpyxl as Excel would."""

from __future__ import annotations

import io
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
