"""SDMX-CSV (1.0 and 2.0) columns as observations (:mod:`samstat_kit.agency_files` reads the
table): the code map (``schemas/sdmx/codemap.json``) says which column is which field or
dimension, what a code and a period are in samstat's terms, and what an ACTION does."""

from __future__ import annotations

from typing import Any

from samstat_kit.agency_rows import Row, RowError, Table, _extra_cells
from samstat_kit.anonymity import quoted
from samstat_kit.cellvalues import integer, number, scaled
from samstat_kit.sdmx import CodeMap, load_codemap

# SDMX-CSV columns that never become observation fields or dimensions. Free text (OBS_COM,
# COMMENT, TITLE, names) never leaves the agency.
SDMX_IGNORED = frozenset({"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION",
                          "FREQ", "DECIMALS", "UNIT_MULT", "OBS_COM", "COMMENT", "TITLE",
                          "TIME_FORMAT"})
# SDMX-CSV 2.0: STRUCTURE says what STRUCTURE_ID names; only a dataflow's id is a measure
# (a data structure or provision agreement is not).
SDMX_STRUCTURES = frozenset({"DATAFLOW"})


def _sdmx_code(cell: str) -> str:
    """``CODE: label`` (SDMX-CSV with labels) → ``CODE``."""
    return cell.split(":", 1)[0].strip() if ": " in cell else cell.strip()


def sdmx_period(text: str) -> str:
    """SDMX reporting periods in samstat's syntax (unknown shapes pass unchanged)."""
    return load_codemap().period_from_sdmx(text)


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
        row.parse_errors.append(RowError(row.number, "", f"unknown ACTION {quoted(action)} "
                                         "(I, A, R or D)", "ACTION"))
    else:
        row.action = meaning
    if meaning == "delete":
        row.doc["withdrawn"] = True
        row.doc["value"] = None
