"""Reading an agency's files for ``samstat publish``, ingest's upload page and the agencies'
client: CSV, XLSX, JSON and SDMX-CSV into rows of observation documents, each with its file
row number and the file column of each field, so every problem is named where the agency can
find it. Pure (openpyxl for XLSX), no server framework.

Row numbers are the file's own: in CSV and SDMX-CSV the line the record starts on (the header
is row 1), in XLSX the sheet's row number, in JSON the n-th observation."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from samstat_kit.anonymity import new_event_id, shown
from samstat_kit.cells import cell_key
from samstat_kit.cellvalues import integer, number, period, scaled, sendable
from samstat_kit.checks import no_duplicate_keys
from samstat_kit.contracts import load_catalogue
from samstat_kit.headers import DIM_PREFIX, canonical, same_field
from samstat_kit.sdmx import CodeMap, load_codemap
from samstat_kit.workbook import Cells, Lines, read_workbook

FORMATS = ("auto", "csv", "json", "sdmx-csv", "xlsx")
FIELDS = ("event_id", "agency", "measure", "area", "period", "value", "unit", "obs_status",
          "conf_status", "revision", "produced_at")
# SDMX-CSV columns that never become observation fields or dimensions. Free text (OBS_COM,
# COMMENT, TITLE, names) never leaves the agency.
SDMX_IGNORED = frozenset({"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION",
                          "FREQ", "DECIMALS", "UNIT_MULT", "OBS_COM", "COMMENT", "TITLE",
                          "TIME_FORMAT"})
# SDMX-CSV 2.0: STRUCTURE says what STRUCTURE_ID names; only a dataflow's id is a measure
# (a data structure or provision agreement is not).
SDMX_STRUCTURES = frozenset({"DATAFLOW"})


class PublishError(Exception):
    """Nothing (more) can be sent: unreadable file, refused token, personal number."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str
    column: str = ""


@dataclass
class Row:
    number: int
    doc: Any
    errors: list[RowError] = field(default_factory=list)
    parse_errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # observation field -> file column
    action: str = "merge"  # SDMX-CSV ACTION: merge (I, A), replace (R) or delete (D)

    def column_of(self, name: str) -> str:
        """The file column a field (``value``, ``dimensions.sex``) came from, or ``""``."""
        while name:
            if name in self.columns:
                return self.columns[name]
            name = name.rpartition(".")[0]
        return ""

    def error(self, name: str, reason: str) -> RowError:
        return RowError(self.number, name, reason, self.column_of(name))


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
        raise PublishError(f"cannot read {name}: not UTF-8 ({exc.reason} at byte "
                           f"{exc.start})") from None


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
    return _sdmx_rows(table) if sheet.kind == "sdmx-csv" else _csv_rows(table)


def parse_json(text: str) -> list[Row]:
    try:
        # As ingest reads a body: a key named twice is refused (which one counts is not the
        # file's to leave open), and an integer beyond 64 bits is one row's error, not the
        # whole batch's (see cellvalues.sendable).
        doc = json.loads(text, object_pairs_hook=no_duplicate_keys,
                         parse_int=lambda digits: sendable(int(digits)))
    except ValueError as exc:
        raise PublishError(f"not valid JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("observations"), list):
        doc = doc["observations"]
    if not isinstance(doc, list):
        raise PublishError('JSON must be a list of observations or {"observations": [...]}')
    return [Row(i, item) for i, item in enumerate(doc, start=1)]


Table = Iterator[tuple[dict[str, str], int, int]]
"""(column -> cell, number of cells beyond the header, file row number) per non-blank row."""


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
    return _csv_rows(iter([(c, e, n) for n, c, e in _csv_table(text)[1]]))


def _extra_cells(number: int, extra: int) -> list[RowError]:
    return [RowError(number, "", f"{extra} cell(s) more than the header has columns")] \
        if extra else []


def _csv_rows(table: Table) -> list[Row]:
    rows = []
    for cells, extra, n in table:
        doc: dict[str, Any] = {}
        dims: dict[str, str] = {}
        columns: dict[str, str] = {}
        for heading, cell in cells.items():
            name = canonical(heading) or heading  # "Kön" is dim_sex (samstat_kit.headers)
            if name.startswith(DIM_PREFIX):
                columns[f"dimensions.{name[len(DIM_PREFIX):]}"] = heading
                if cell:
                    dims[name[len(DIM_PREFIX):]] = cell
                continue
            columns[name] = heading
            if name == "value":
                doc["value"] = number(cell) if cell else None
            elif not cell:
                continue
            elif name == "revision":
                doc["revision"] = integer(cell)
            elif name == "period":
                doc["period"] = period(cell)
            elif name == "dimensions":
                try:
                    doc["dimensions"] = json.loads(cell, object_pairs_hook=no_duplicate_keys)
                except ValueError:
                    doc["dimensions"] = cell
            else:
                doc[name] = cell
        _fields_by_name(doc)
        if dims:
            given = doc.get("dimensions")
            doc["dimensions"] = {**given, **_by_name(dims, doc.get("measure"))} \
                if isinstance(given, dict) else _by_name(dims, doc.get("measure"))
        rows.append(Row(n, doc, parse_errors=_extra_cells(n, extra), columns=columns))
    return rows


def _fields_by_name(doc: dict[str, Any]) -> None:
    """A measure or an area written by its name, as the template's lists give them ("Personer
    med ekonomiskt bistånd", "Vännäs"), is read as its code (a second walk: staff who wrote
    names fixed every row by hand, one error at a time)."""
    catalogue = load_catalogue()
    measure, area = doc.get("measure"), doc.get("area")
    if isinstance(measure, str) and measure not in catalogue.measures:
        doc["measure"] = catalogue.measure_named(measure) or measure
    if isinstance(area, str) and area not in catalogue.areas:
        doc["area"] = catalogue.area_named(area) or area


def _by_name(dims: dict[str, str], measure: Any) -> dict[str, str]:
    """A dimension's cell as its code: the code itself, or a code's name as the template's
    list of codes gives it ("Kvinnor", "ohälsa"); anything else is left for the checks to
    name with the allowed codes."""
    catalogue = load_catalogue()
    measure = measure if isinstance(measure, str) else None
    out = {}
    for dim, cell in dims.items():
        known = cell in catalogue.codes_of(dim, measure)
        out[dim] = cell if known else catalogue.code_named(dim, cell, measure) or cell
    return out


def _sdmx_code(cell: str) -> str:
    """``CODE: label`` (SDMX-CSV with labels) → ``CODE``."""
    return cell.split(":", 1)[0].strip() if ": " in cell else cell.strip()


def sdmx_period(text: str) -> str:
    """SDMX reporting periods in samstat's syntax (unknown shapes pass unchanged)."""
    return load_codemap().period_from_sdmx(text)


def parse_sdmx_csv(text: str) -> list[Row]:
    return _sdmx_rows(iter([(c, e, n) for n, c, e in _csv_table(text)[1]]))


def _sdmx_rows(table: Table) -> list[Row]:
    codemap = load_codemap()
    rows = []
    for raw, extra, n in table:
        row = Row(n, {}, parse_errors=_extra_cells(n, extra))
        cells = {}
        for key, cell in raw.items():
            name = _sdmx_code(key).upper()
            cells[name] = _sdmx_code(cell)
            target = codemap.field(name)
            row.columns[target or f"dimensions.{codemap.dimension(name)}"] = key
        _sdmx_doc(row, cells, codemap)
        rows.append(row)
    return rows


def _sdmx_doc(row: Row, cells: dict[str, str], codemap: CodeMap) -> None:
    doc: dict[str, Any] = row.doc
    dims: dict[str, str] = {}
    for name, cell in cells.items():
        target = codemap.field(name)
        if target == "value":
            doc["value"] = number(cell) if cell else None
        elif name in SDMX_IGNORED or not cell:
            continue
        elif target in ("measure", "unit"):
            doc[target] = cell.lower()
        elif target == "period":
            doc["period"] = codemap.period_from_sdmx(cell)
        elif target == "revision":
            doc["revision"] = integer(cell)
        elif target is not None:
            doc[target] = cell
        else:
            dim = codemap.dimension(name)
            dims[dim] = codemap.code_from_sdmx(dim, cell)
    if "measure" not in doc:
        flow = _structure(cells)
        measure = codemap.measure_of(flow) if flow else None
        if measure:
            doc["measure"] = measure
            row.columns["measure"] = "STRUCTURE_ID" if "STRUCTURE_ID" in cells else "DATAFLOW"
    mult = cells.get("UNIT_MULT")
    if mult and isinstance(doc.get("value"), (int, float)):
        try:
            doc["value"] = scaled(doc["value"], mult)
        except ValueError as exc:  # the value is not what the file means: the row's error
            row.parse_errors.append(RowError(row.number, "value", str(exc), "UNIT_MULT"))
    doc["dimensions"] = dims
    _sdmx_action(row, cells.get("ACTION", ""), codemap)


def _structure(cells: dict[str, str]) -> str:
    """The dataflow a row belongs to: SDMX-CSV 2.0's STRUCTURE_ID when STRUCTURE names a
    dataflow (or is absent), else SDMX-CSV 1.0's DATAFLOW."""
    kind = cells.get("STRUCTURE", "").upper()
    if cells.get("STRUCTURE_ID") and (not kind or kind in SDMX_STRUCTURES):
        return cells["STRUCTURE_ID"]
    return cells.get("DATAFLOW", "")


def _sdmx_action(row: Row, action: str, codemap: CodeMap) -> None:
    """ACTION: I/A merge and R replace send the row as a (new revision of the) value; D
    withdraws the cell (``withdrawn: true`` and no value)."""
    meaning = codemap.action(action)
    if meaning is None:
        row.parse_errors.append(RowError(row.number, "", f"unknown ACTION {action!r} "
                                         "(I, A, R or D)", "ACTION"))
    else:
        row.action = meaning
    if meaning == "delete":
        row.doc["withdrawn"] = True
        row.doc["value"] = None


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


def next_revisions(rows: Sequence[Row], agency: str,
                   current: Callable[[list[str]], Mapping[str, int]]) -> None:
    """R (replace) and D (delete) rows that name no REVISION become the next revision of
    their cell, so a replacement or a withdrawal is never refused as stale: ``current(keys)``
    answers each cell's revision now (a cell it does not know is new: revision 1). Run
    before event ids are derived from revisions."""
    wanted = [r for r in rows if r.action in ("replace", "delete") and own_row(r, agency)
              and "revision" not in r.doc]
    keys = {id(row): row_cell(row, agency) for row in wanted}
    if not keys:
        return
    now = current(sorted(set(keys.values())))
    for row in wanted:
        row.doc["revision"] = int(now.get(keys[id(row)], 0)) + 1


# ------------------------------------------------------------------------- completing


def fill_in(rows: Sequence[Row], agency: str, *,
            event_id: Callable[[dict[str, Any]], str] | None = None,
            now: datetime | None = None) -> None:
    """Fill in what a file may leave out (in place): ``agency``; ``unit``, the measure's in
    the catalogue; ``event_id`` (``event_id(doc)``, default a random one the gate never
    refuses); ``produced_at`` now (UTC)."""
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
        if "event_id" not in doc:
            doc["event_id"] = event_id(doc) if event_id is not None else new_event_id()
        doc.setdefault("produced_at", stamp)
