"""Where a file holds a personal identity number: its rows, and everything else in it (a
workbook's other sheets and parts, a text file's lines beyond the table, its name). Shared by
ingest's upload page and ``samstat publish`` (and the agencies' client), so that a file one
refuses the other refuses too. Where, never what. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from samstat_kit.agency_files import (
    PublishError,
    Row,
    RowError,
    Sheet,
    read_bytes,
    read_sheet,
    sheet_rows,
)
from samstat_kit.anonymity import (
    contains_personal_number,
    is_personal_number,
    personal_number_field,
    personal_number_fields,
)
from samstat_kit.workbook import Cells, NotAWorkbook, opened, parts_with_number

PERSONAL = "a personal identity number"
NEVER_SENT = f"{PERSONAL} (never sent)"


def _as_shown(text: str) -> list[str]:
    """``text`` as a browser shows it, where that differs: without what shows nothing
    (control, zero-width and direction characters), every run of white space one space (a
    table cell), or without line breaks (a form field's value drops them). So
    ``880208\\n9717`` shows as ``880208 9717`` in the rows and ``8802089717`` in the form."""
    if text.isprintable() and "  " not in text:
        return []
    visible = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return [" ".join(visible.split()), visible.replace("\r", "").replace("\n", "")]


def shows_number(text: str) -> bool:
    """Whether ``text`` holds a personal number as read, or as a page shows it."""
    return is_personal_number(text) or contains_personal_number(_as_shown(text))


def personal_numbers(sheet: Sheet) -> list[RowError]:
    """Where a personal identity number is (file row and column), never the number: in the
    cells as kept and as a page shows them, the header, and the observations read from them.
    Reading makes numbers of cells that hold none (``198 802 089 717`` or ``1,98802089717E11``
    as a value, ``\\u0038802089717`` in a dimensions JSON cell), and those are what ingest
    gets. A column is named only if its name shows no number."""
    found: dict[tuple[int, str], None] = {}  # (row, column), in order, once each
    # One scan of everything first; only a hit is looked for row by row.
    whole = contains_personal_number([cells for _n, cells, _e in sheet.lines])
    for number, cells, _extra in sheet.lines:
        for place in personal_number_fields(cells) if whole else ():
            found[(number, place.split(".", 1)[0])] = None
        for column, text in cells.items():
            shown = _as_shown(text)
            if shown and contains_personal_number(shown):
                found[(number, column)] = None
    if personal_number_fields(sheet.columns) or any(shows_number(c) for c in sheet.columns):
        found[(1, "(header)")] = None
    rows = sheet_rows(sheet)
    for row in rows if contains_personal_number([r.doc for r in rows]) else ():
        for place in personal_number_fields(row.doc):
            found[(row.number, row.column_of(place) or place.split(".", 1)[0])] = None
    return [RowError(number, "", PERSONAL, "(header)" if shows_number(column) else column)
            for number, column in found]


def personal_numbers_in_file(name: str, data: bytes, *, names: Iterable[str] = (),
                             read: Callable[[str, bytes], Sheet] = read_sheet,
                             cells: Callable[[], Cells] = Cells) -> list[RowError]:
    """What :func:`personal_numbers` cannot see, since it reads only the cells under the
    header of the first sheet: the file's name (and ``names``, as it may be kept), a text
    file's every line (cells beyond the header, under a repeated column name, comment
    lines, an SDMX-CSV comment column no field reads), every sheet of a workbook, all its
    cells and the sheets' names, its other parts. A number anywhere in the file refuses
    it, the upload page's and ``samstat publish``'s alike. Where, never what (a sheet by
    its position, since its name may be the number). ``read`` and ``cells``: the reader's
    limits (an upload's are tighter than the command's)."""
    found = []
    if any(shows_number(n) for n in (name, *names)):
        found.append(RowError(0, "", PERSONAL, "(file name)"))
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        return found + _in_workbook(data, cells())
    text = data.decode("utf-8-sig", errors="replace")
    if contains_personal_number(text):
        lines = [n for n, line in enumerate(text.splitlines(), start=1)
                 if is_personal_number(line)]
        columns = _columns_of(name, data, read) if lines else {}
        found += [RowError(n, "", PERSONAL, c) for n in lines for c in columns.get(n, [""])]
    return found


def _columns_of(name: str, data: bytes, read: Callable[[str, bytes], Sheet]
                ) -> dict[int, list[str]]:
    """The columns of a CSV's rows that hold a personal number, by file row, as far as the
    file can be read as a table (a line beyond it, a comment line, names no column): the
    page said the row and an empty column (a black-box test)."""
    try:
        sheet = read(name, data)
    except PublishError:
        return {}
    out: dict[int, list[str]] = {}
    for e in personal_numbers(sheet):
        out.setdefault(e.row, []).append(e.column)
    return out


def _in_workbook(data: bytes, budget: Cells) -> list[RowError]:
    try:
        with opened(data, budget.unzipped) as (book, said):
            found = _in_sheets(book, budget)
    except NotAWorkbook:  # read_sheet says so
        return []
    except ValueError as exc:
        raise PublishError(str(exc)) from None
    if contains_personal_number(said):  # a date-formatted cell's serial (read as #VALUE!)
        found.append(RowError(0, "", PERSONAL, "(a cell formatted as a date)"))
    if not found:
        try:
            found = _in_parts(parts_with_number(data, budget.unzipped))
        except ValueError as exc:  # a part openpyxl never opened cannot be read: no workbook
            raise PublishError(str(exc)) from None
    return found


def _in_parts(parts: list[tuple[str, list[str]]]) -> list[RowError]:
    """Where in the workbook's other parts: a comment by its cell (``A2``) and row, the
    file's properties or another part by name (no row: there is no row 0)."""
    found: dict[tuple[int, str], None] = {}
    for name, cells in parts:
        for ref in cells:
            found[(int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), f"(comment {ref})")] = None
        if not cells:
            where = "(the file's properties)" if name.startswith("docProps/") else \
                "(another part of the workbook)"
            found[(0, where)] = None
    return [RowError(row, "", PERSONAL, where) for row, where in found]


def _in_sheets(book: Any, budget: Cells) -> list[RowError]:
    found = []
    for position, sheet in enumerate(book.worksheets, start=1):
        where = f"(sheet {position})"
        if is_personal_number(sheet.title):
            found.append(RowError(0, "", PERSONAL, where))
        for number, values in enumerate(budget.rows(sheet), start=1):
            if contains_personal_number([str(v) if isinstance(v, datetime) else v
                                         for v in values]):
                found.append(RowError(number, "", PERSONAL, where))
    return found


def personal_number_rows(rows: Sequence[Row]) -> list[RowError]:
    """Rows with a personal identity number: (row, field), never the number."""
    out = []
    for row in rows:
        where = personal_number_field(row.doc)
        if where is not None:
            out.append(row.error(where, NEVER_SENT))
    return out


def shown_path(path: Path) -> str:
    """``path`` for a message, or "the file" where its name (or a folder's) holds a
    personal identity number: a message never quotes one."""
    return "the file" if shows_number(str(path)) else str(path)


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # str(exc) quotes the path: its strerror alone
        raise PublishError(f"cannot read {shown_path(path)}: {exc.strerror or 'error'}"
                           ) from None


def read_scanned(path: Path, fmt: str) -> tuple[list[Row], list[RowError]]:
    """The file's rows, and where else it holds a personal identity number: not in what a
    row sends (:func:`personal_number_rows` names those) but elsewhere in the file, as the
    upload page finds it (:func:`personal_numbers_in_file`): a
    comment column, a cell beyond the header, another sheet, the file's name or
    properties. Like a number in a row, each is reported on a dry run and stops a real
    one; nothing of it is printed."""
    data = _file_bytes(path)
    found = personal_numbers_in_file(path.name, data)
    try:
        kind, rows = read_bytes(path.name, data, fmt)
    except PublishError:
        if not found:
            raise
        kind, rows = "", []  # what cannot be read is not quoted in place of the number
    if not rows:
        if found:
            raise PublishError(f"{PERSONAL} in {places(found)}: nothing was sent")
        raise PublishError(f"{shown_path(path)} holds no observations")
    named = {e.row for e in personal_number_rows(rows)}
    if kind == "json":
        # The scan counts a JSON file's lines, its rows are the n-th observation: line 12 is
        # not observation 12. A row's doc is its whole observation, so personal_number_rows
        # names every number in one; what it does not is beyond them all (row 0).
        return rows, [] if named else [
            RowError(0, "", NEVER_SENT,
                     f"(file line {e.row})" if e.row else (e.column or "(file)"))
            for e in found]
    return rows, [RowError(e.row, "", NEVER_SENT, e.column or "(file)")
                  for e in found if e.row not in named]


def places(errors: Sequence[RowError]) -> str:
    """Where, for a message: "row 2 (OBS_COM); (file name)" (the first twenty)."""
    return "; ".join(f"row {e.row} ({e.field or e.column})" if e.row else
                     (e.field or e.column) for e in errors[:20])
