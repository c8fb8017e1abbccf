"""Reading an Excel workbook (openpyxl) for the agencies' files: the first sheet as a header
and lines, with openpyxl's warnings kept from the service's log and scanned (one quotes a
cell's raw value). Shared with the CLI and the client (Python >= 3.9)."""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from samstat_kit.anonymity import contains_personal_number

# (file row number, cells by header name, how many cells lie beyond the header)
Lines = list[tuple[int, dict[str, str], int]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


# Excel's last row. Reading stops there: a workbook may claim any row number (openpyxl fills
# the rows up to it), and a file row number is shown and echoed, so it stays short of ten digits.
MAX_SHEET_ROWS = 1_048_576
_OPENPYXL = threading.RLock()


class NotAWorkbook(ValueError):
    """The bytes are no Excel workbook."""


@contextmanager
def opened(data: bytes) -> Iterator[tuple[Any, list[str]]]:
    """The workbook (read-only, cached values), and what openpyxl said while it was read,
    filled in when the block ends. Its warnings are kept from stderr (the service's log):
    one quotes a date-formatted cell's serial that is no date (a 12-digit personal number is
    none; the cell then reads ``#VALUE!``), so the caller scans what was said. Its errors
    quote the cell they could not read: ValueError here names only their kind.
    catch_warnings swaps process-wide state, hence the lock."""
    import openpyxl

    said: list[str] = []
    with _OPENPYXL, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # not once per place: a file sent again is seen again
        try:
            try:
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                              data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a file that is none
                raise NotAWorkbook(f"not an Excel workbook (.xlsx): "
                                   f"{exc.__class__.__name__}") from None
            try:
                yield book, said
            except Exception as exc:  # a cell openpyxl cannot convert
                raise ValueError(f"a cell of the workbook cannot be read: "
                                 f"{exc.__class__.__name__}") from None
            finally:
                book.close()
        finally:
            said.extend(str(w.message) for w in caught)


def read_workbook(data: bytes) -> tuple[list[str], Lines]:
    """The first sheet's header and its lines (file row number, cells by header, how many
    cells lie beyond the header). ValueError with a reason that quotes nothing of the file."""
    with opened(data) as (book, said):
        names, lines = _xlsx_table(book.worksheets[0])
    if contains_personal_number(said):
        raise ValueError("a personal identity number in a cell formatted as a date")
    return names, lines


def _xlsx_table(sheet: Any) -> tuple[list[str], Lines]:
    values = sheet.iter_rows(values_only=True, max_row=MAX_SHEET_ROWS)
    header = next(values, None)
    names = [_cell(h) for h in header or ()]
    lines: Lines = []
    for number, raw in enumerate(values, start=2):
        cells = [_cell(v) for v in raw]
        if any(cells):
            extra = sum(1 for c in cells[len(names):] if c)
            lines.append((number, dict(zip(names, cells)), extra))  # noqa: B905 (3.9)
    return names, lines
