"""Reading an agency's files for ``samstat publish``, ingest's upload page and the agencies'
client: CSV, XLSX, JSON and SDMX-CSV into rows of observation documents, each with its file
row number and the file column of each field, so every problem is named where the agency can
find it. Pure (openpyxl for XLSX), no server framework.

Row numbers are the file's own: in CSV and SDMX-CSV the line the record starts on (the header
is row 1), in XLSX the sheet's row number, in JSON the n-th observation.

The rows themselves are :mod:`samstat_kit.agency_rows`; what CSV and SDMX-CSV columns mean,
:mod:`samstat_kit.agency_csv` and :mod:`samstat_kit.agency_sdmx`. Their public names are
imported from here, as before."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Tuple  # noqa: UP035 (Python 3.9)

from samstat_kit.agency_csv import _csv_rows
from samstat_kit.agency_rows import PublishError, Row, RowError, Table, unit_code
from samstat_kit.agency_sdmx import (
    SDMX_IGNORED,
    SDMX_STRUCTURES,
    _sdmx_code,
    _sdmx_rows,
    sdmx_period,
)
from samstat_kit.anonymity import new_event_id, quoted, shown
from samstat_kit.cells import cell_key
from samstat_kit.cellvalues import sendable
from samstat_kit.checks import (
    MAX_DEPTH,
    json_float,
    json_int,
    no_duplicate_keys,
    shape_problem,
)
from samstat_kit.contracts import load_catalogue
from samstat_kit.headers import same_field
from samstat_kit.workbook import Cells, Lines, read_workbook

__all__ = ["FIELDS", "FORMATS", "SDMX_IGNORED", "SDMX_STRUCTURES", "PublishError", "Row",
           "RowError", "Sheet", "Table", "complete_revisions", "detect_format", "fill_in",
           "own_row", "parse_csv", "parse_json", "parse_sdmx_csv", "read_bytes", "read_rows",
           "read_sheet", "repeated_cells", "row_cell", "sdmx_period", "sheet_rows"]

FORMATS = ("auto", "csv", "json", "sdmx-csv", "xlsx")
FIELDS = ("event_id", "agency", "measure", "area", "period", "value", "unit", "obs_status",
          "conf_status", "revision", "produced_at")


# ---------------------------------------------------------------------------- reading


def detect_format(name: str, text: str) -> str:
    if name.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{"):
        return "json"
    header = _first_line(text.lstrip("\ufeff")) if text.strip() else ""
    return "sdmx-csv" if _is_sdmx(re.split(r"[,;\t]", header)) else "csv"


def _is_sdmx(header: Sequence[Any]) -> bool:
    cols = {_sdmx_code(str(c or "")).upper() for c in header}
    return {"TIME_PERIOD", "OBS_VALUE"} <= cols


def read_rows(path: Path, fmt: str = "auto") -> tuple[str, list[Row]]:
    """The file's observations as rows (format resolved), before completion and checks."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc}") from None
    return read_bytes(path.name, data, fmt)


def read_bytes(name: str, data: bytes, fmt: str = "auto") -> tuple[str, list[Row]]:
    """Like :func:`read_rows`, for a file's name and contents (e.g. an upload)."""
    if fmt == "json" or (fmt == "auto" and _looks_like_json(name, data)):
        return "json", parse_json(_text(name, data))
    sheet = read_sheet(name, data, fmt)
    return ("xlsx" if sheet.xlsx else sheet.kind), sheet_rows(sheet)


def _looks_like_json(name: str, data: bytes) -> bool:
    return name.lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (
        b"[", b"{")


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1  # where a person finds it
        raise PublishError(f"cannot read {name}: not UTF-8 (row {row}: {exc.reason} at byte "
                           f"{exc.start}); save it as CSV UTF-8") from None


@dataclass
class Sheet:
    """A table file as read: its kind (``csv`` or ``sdmx-csv`` columns), header and lines
    ``[file row, column -> cell, cells beyond the header]``. Plain data (JSON-ready), so a
    page can keep it, let a row be corrected, and read it again (:func:`sheet_rows`)."""

    kind: str
    columns: list[str]
    lines: list[tuple[int, dict[str, str], int]]
    xlsx: bool = False


def read_sheet(name: str, data: bytes, fmt: str = "auto", max_rows: int | None = None,
               cells: Cells | None = None) -> Sheet:
    """A CSV, SDMX-CSV or XLSX file (first sheet) as a :class:`Sheet`. A server reading
    what anyone may send gives limits: reading stops (PublishError) as soon as a CSV passes
    ``max_rows`` rows or a workbook its ``cells`` budget, not after the last one."""
    if fmt == "xlsx" or (fmt == "auto" and (name.lower().endswith((".xlsx", ".xlsm"))
                                            or data[:4] == b"PK\x03\x04")):
        return _read_xlsx(data, cells or Cells())
    text = _text(name, data)
    if fmt == "auto":
        fmt = detect_format(name, text)
    if fmt not in ("csv", "sdmx-csv"):
        raise PublishError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    columns, lines = _csv_table(text, max_rows)
    return _sheet(fmt, columns, lines)


def sheet_rows(sheet: Sheet) -> list[Row]:
    """The sheet's observations as rows, before completion and checks."""
    table = iter([(cells, extra, n) for n, cells, extra in sheet.lines])
    return _sdmx_rows(table) if sheet.kind == "sdmx-csv" else _units_by_word(_csv_rows(table))


def _units_by_word(rows: list[Row]) -> list[Row]:
    """A unit column's word as its code: the template's sheet of measures writes the unit in
    its language ("dagar", "personer"), and staff copy what they read (a usability walk)."""
    for row in rows:
        if isinstance(row.doc, dict) and isinstance(row.doc.get("unit"), str):
            row.doc["unit"] = unit_code(row.doc["unit"])
    return rows


def parse_json(text: str) -> list[Row]:
    try:
        # As ingest reads a body: a key named twice is refused (which one counts is not the
        # file's to leave open), and an integer beyond 64 bits is one row's error, not the
        # whole batch's (see cellvalues.sendable).
        doc = json.loads(text, object_pairs_hook=no_duplicate_keys,
                         parse_int=lambda digits: sendable(json_int(digits)),
                         parse_float=json_float)
    except ValueError as exc:
        raise PublishError(f"not valid JSON: {exc}") from None
    except RecursionError:  # thousands of [ or {: a reason, not a traceback
        raise PublishError("not valid JSON: nested too deep") from None
    if isinstance(doc, dict) and isinstance(doc.get("observations"), list):
        doc = doc["observations"]
    if not isinstance(doc, list):
        raise PublishError('JSON must be a list of observations or {"observations": [...]}')
    return [_too_deep(Row(i, item)) for i, item in enumerate(doc, start=1)]


# A record is sent as {"observations": [record]}: a value of it sits three levels down, and
# one nested past ingest's limit refuses the whole request (every other row with it), so it
# is its own row's error and never sent, as the offline dry run has it.
_VALUE_DEPTH = MAX_DEPTH - 3


def _too_deep(row: Row) -> Row:
    values = row.doc.items() if isinstance(row.doc, dict) else [("", row.doc)]
    for name, value in values:
        why = shape_problem(value, max_depth=_VALUE_DEPTH + (name == ""))
        if why is not None and "nested" in why:
            row.parse_errors.append(row.error(str(name), "nested too deep (more than "
                                                         f"{MAX_DEPTH} levels in a request)"))
            break
    return row


def _csv_table(text: str, max_rows: int | None = None) -> tuple[list[str], Lines]:
    if not text.strip():
        return [], []
    try:
        return _csv_lines(text, max_rows)
    except csv.Error as exc:  # a cell beyond the csv module's limit, a NUL: not a 500
        raise PublishError(f"the CSV file cannot be read: {shown(str(exc))}") from None


def _first_line(text: str) -> str:
    """The first line, without splitting the whole text (8 MiB of short lines is four
    million strings); a header longer than 64 KiB is judged by its start."""
    return text[:65536].splitlines()[0]


def _csv_lines(text: str, max_rows: int | None = None) -> tuple[list[str], Lines]:
    header = _first_line(text)
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = _header([h.strip() for h in next(reader)])
    start = reader.line_num + 1
    lines: Lines = []
    for cells in reader:
        number, start = start, reader.line_num + 1  # a quoted cell may span lines
        if not any(c.strip() for c in cells):
            continue  # blank line
        if max_rows is not None and len(lines) >= max_rows:
            raise PublishError(f"at most {max_rows} rows per file")
        extra = sum(1 for c in cells[len(names):] if c.strip())
        cells = [c.strip() for c in cells]
        lines.append((number, dict(zip(names, cells)), extra))  # noqa: B905 (Python 3.9)
    return names, lines


def _header(names: list[str]) -> list[str]:
    """``names``, or PublishError if one column is named twice (as SDMX-CSV reads names: a
    label after ": " and case do not count): a row would keep only the last of the two."""
    seen: set[str] = set()
    for name in names:
        key = _sdmx_code(name).upper()
        if key and key in seen:
            raise PublishError(f"the header names the column {shown(name)} twice")
        seen.add(key)
    return names


def _read_xlsx(data: bytes, cells: Cells) -> Sheet:
    """The first sheet: a header row, then one observation per row (CSV or SDMX-CSV columns)."""
    try:
        names, lines = read_workbook(data, cells)
    except ValueError as exc:  # its reason never quotes a cell
        raise PublishError(str(exc)) from None
    _header(names)
    return _sheet("sdmx-csv" if _is_sdmx(names) else "csv", names, lines, xlsx=True)


def _sheet(kind: str, names: list[str], lines: Lines, xlsx: bool = False) -> Sheet:
    """The sheet, or PublishError if two CSV headings name one field ("Kön", "dim_sex")."""
    twice = same_field(names) if kind == "csv" else None
    if twice:
        raise PublishError(f"the columns {shown(twice[0])} and {shown(twice[1])} both "
                           f"name {twice[2]}")
    return Sheet(kind, names, lines, xlsx=xlsx)


def parse_csv(text: str) -> list[Row]:
    return _units_by_word(_csv_rows(iter([(c, e, n) for n, c, e in _csv_table(text)[1]])))


def parse_sdmx_csv(text: str) -> list[Row]:
    return _sdmx_rows(iter([(c, e, n) for n, c, e in _csv_table(text)[1]]))


def own_row(row: Row, agency: str) -> bool:
    """A row of ``agency``'s own (it names no agency, or that one): only such rows are
    completed from what ingest holds, so nothing of another agency's cells (a revision, an
    event id, whether a value matches) is looked up for a file (a review)."""
    return isinstance(row.doc, dict) and str(row.doc.get("agency") or agency) == agency


def row_cell(row: Row, agency: str) -> str:
    """The cell key of a row's observation (``agency`` where the row names none)."""
    d = row.doc
    dims = d.get("dimensions") if isinstance(d.get("dimensions"), dict) else {}
    return cell_key(str(d.get("agency") or agency), str(d.get("measure")), str(d.get("area")),
                    str(d.get("period")), {str(k): str(v) for k, v in dims.items()})


def _at_ingest(rows: list[Row], agency: str, current: Callable[[list[str]], Mapping[str, Any]]
               ) -> list[tuple[Row, Any]]:
    """Each row with what ``current`` answers for its cell (None: a cell it does not know),
    asked once for all their cells."""
    keys = {id(row): row_cell(row, agency) for row in rows}
    if not keys:
        return []
    now = current(sorted(set(keys.values())))
    return [(row, now.get(keys[id(row)])) for row in rows]


def repeated_cells(rows: Sequence[Row], agency: str) -> None:
    """A cell given on two rows of one file, either naming no revision, is the later row's
    error naming the earlier (``row.parse_errors``): samstat would number both alike and
    refuse one as "stale" for a revision nobody wrote (a black-box test). Two rows naming
    their revisions are two revisions of the cell, as written."""
    first: dict[str, Row] = {}
    for row in rows:
        if not isinstance(row.doc, dict):
            continue
        key = row_cell(row, agency)
        earlier = first.setdefault(key, row)
        if earlier is not row and ("revision" not in row.doc or
                                   "revision" not in earlier.doc):
            row.parse_errors.append(RowError(
                row.number, "", f"the same cell as row {earlier.number}: remove one of "
                                "the rows"))


CellNow = Tuple[int, Optional[float], str, str]  # noqa: UP006, UP045 (Python 3.9)
"""A cell at ingest: its newest revision, value (None: hidden or withdrawn), event id and
conf_status."""


def complete_revisions(rows: Sequence[Row], agency: str,
                       current: Callable[[list[str]], Mapping[str, CellNow]]) -> None:
    """The revision of each own row that names none, from its cell at ingest
    (``current(keys)``; a cell it does not know is new: revision 1, the default). The
    upload page, ``samstat publish`` and the importers alike (one verdict): a row whose
    value and flag are the cell's is the observation ingest has (its revision and event
    id: the receipt says "already received"); any other (another value, a withdrawal, R
    or D) is the cell's next revision. A month uploaded again is a correction, never
    "stale" for a revision the file did not write. Run before event ids are derived."""
    wanted = [r for r in rows if own_row(r, agency) and "revision" not in r.doc]
    for row, found in _at_ingest(wanted, agency, current):
        if found is None:
            continue
        revision, value, event_id, conf = found
        if _unchanged(row, value, conf):
            row.doc["revision"], row.doc["event_id"] = revision, event_id
        else:
            row.doc["revision"] = revision + 1


def _unchanged(row: Row, value: float | None, conf: str) -> bool:
    """The row sends the value ingest has, under the same flag (an agency's C or N is
    another observation)."""
    sent = row.doc.get("value")
    return value is not None and not row.doc.get("withdrawn") and \
        conf == row.doc.get("conf_status", "F") and isinstance(sent, (int, float)) and \
        not isinstance(sent, bool) and float(sent) == value


# ------------------------------------------------------------------------- completing


def fill_in(rows: Sequence[Row], agency: str, *,
            event_id: Callable[[dict[str, Any]], str] | None = None,
            now: datetime | None = None) -> None:
    """Fill in what a file may leave out (in place): ``agency``; ``unit``, the measure's in
    the catalogue (a row whose measure is unknown gets that error instead);
    ``event_id`` (``event_id(doc)``, default a random one the gate never refuses);
    ``produced_at`` now (UTC)."""
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")  # noqa: UP017
    stamp = stamp.replace("+00:00", "Z")
    measures = load_catalogue().measures
    for row in rows:
        doc = row.doc
        if not isinstance(doc, dict):
            continue
        doc.setdefault("agency", agency)
        measure = measures.get(str(doc.get("measure")))
        if "unit" not in doc and measure is not None:
            doc["unit"] = measure.unit
        elif "unit" not in doc and isinstance(doc.get("measure"), str):
            # No unit to fill in: the measure is what is wrong ("unit | Field required"
            # named a column the file need not have; a black-box test).
            row.parse_errors.append(row.error(
                "measure", f"unknown measure {quoted(doc['measure'])}"))
        if "event_id" not in doc:
            doc["event_id"] = event_id(doc) if event_id is not None else new_event_id()
        doc.setdefault("produced_at", stamp)
