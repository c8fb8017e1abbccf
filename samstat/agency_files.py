"""Reading an agency's files for ``samstat publish``: CSV, JSON and SDMX-CSV into rows of
observation documents, with an error per row and field where a row cannot be read."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("auto", "csv", "json", "sdmx-csv")
FIELDS = ("event_id", "agency", "measure", "area", "period", "value", "unit", "obs_status",
          "conf_status", "revision", "produced_at")
DIM_PREFIX = "dim_"
SDMX_FIELDS = {"MEASURE": "measure", "REF_AREA": "area", "TIME_PERIOD": "period",
               "OBS_VALUE": "value", "OBS_STATUS": "obs_status", "CONF_STATUS": "conf_status",
               "UNIT_MEASURE": "unit", "AGENCY": "agency", "EVENT_ID": "event_id",
               "REVISION": "revision", "PRODUCED_AT": "produced_at"}
SDMX_IGNORED = frozenset({"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION",
                          "FREQ", "DECIMALS", "UNIT_MULT", "OBS_COM", "COMMENT", "TITLE",
                          "TIME_FORMAT"})


class PublishError(Exception):
    """Nothing (more) can be sent: unreadable file, refused token, personal number."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class Row:
    number: int
    doc: Any
    errors: list[RowError] = field(default_factory=list)
    parse_errors: list[RowError] = field(default_factory=list)


# ---------------------------------------------------------------------------- reading


def detect_format(path: Path, text: str) -> str:
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return "json"
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    cols = {_sdmx_code(c).upper() for c in re.split(r"[,;\t]", header)}
    return "sdmx-csv" if {"TIME_PERIOD", "OBS_VALUE"} <= cols else "csv"


def read_rows(path: Path, fmt: str = "auto") -> tuple[str, list[Row]]:
    """The file's observations as rows (format resolved), before completion and checks."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"cannot read {path}: {exc}") from None
    if fmt == "auto":
        fmt = detect_format(path, text)
    if fmt == "json":
        return fmt, parse_json(text)
    if fmt == "csv":
        return fmt, parse_csv(text)
    if fmt == "sdmx-csv":
        return fmt, parse_sdmx_csv(text)
    raise PublishError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def parse_json(text: str) -> list[Row]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise PublishError(f"not valid JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("observations"), list):
        doc = doc["observations"]
    if not isinstance(doc, list):
        raise PublishError('JSON must be a list of observations or {"observations": [...]}')
    return [Row(i, item) for i, item in enumerate(doc, start=1)]


def _dict_rows(text: str) -> Iterator[tuple[dict[str, str], int]]:
    """(column → cell, number of cells beyond the header) per non-blank row."""
    if not text.strip():
        return
    header = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [h.strip() for h in next(reader)]
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank line
        extra = sum(1 for c in cells[len(names):] if c.strip())
        yield dict(zip(names, (c.strip() for c in cells), strict=False)), extra


def _extra_cells(number: int, extra: int) -> list[RowError]:
    return [RowError(number, "", f"{extra} cell(s) more than the header has columns")] \
        if extra else []


def _number(text: str) -> Any:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    candidate = text.replace(",", ".") if "," in text and "." not in text else text
    try:
        value = float(candidate)
    except ValueError:
        return text  # the schema says why
    return value if math.isfinite(value) else text


def _integer(text: str) -> Any:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else text


def parse_csv(text: str) -> list[Row]:
    rows = []
    for n, (cells, extra) in enumerate(_dict_rows(text), start=1):
        doc: dict[str, Any] = {}
        dims: dict[str, str] = {}
        for name, cell in cells.items():
            if name.startswith(DIM_PREFIX):
                if cell:
                    dims[name[len(DIM_PREFIX):]] = cell
            elif name == "value":
                doc["value"] = _number(cell) if cell else None
            elif not cell:
                continue
            elif name == "revision":
                doc["revision"] = _integer(cell)
            elif name == "dimensions":
                try:
                    doc["dimensions"] = json.loads(cell)
                except ValueError:
                    doc["dimensions"] = cell
            else:
                doc[name] = cell
        if dims:
            given = doc.get("dimensions")
            doc["dimensions"] = {**given, **dims} if isinstance(given, dict) else dims
        rows.append(Row(n, doc, parse_errors=_extra_cells(n, extra)))
    return rows


def _sdmx_code(cell: str) -> str:
    """``CODE: label`` (SDMX-CSV with labels) → ``CODE``."""
    return cell.split(":", 1)[0].strip() if ": " in cell else cell.strip()


def sdmx_period(text: str) -> str:
    """SDMX reporting periods in samstat's syntax (unknown shapes pass unchanged)."""
    m = re.fullmatch(r"(\d{4})(?:-?(A1?|S[12]|H[12]|Q[1-4]|M?(\d{2})))?", text.strip())
    if not m:
        return text
    year, part, month = m.group(1), m.group(2), m.group(3)
    if part is None or part.startswith("A"):
        return year
    if month is not None:
        return f"{year}-{month}"
    if part.startswith("S"):
        return f"{year}-H{part[1]}"
    return f"{year}-{part}"


def _dataflow_measure(cell: str) -> str | None:
    m = re.fullmatch(r"(?:[^:]+:)?([A-Za-z][A-Za-z0-9_]*)(?:\([^)]*\))?", _sdmx_code(cell))
    return m.group(1).lower() if m else None


def parse_sdmx_csv(text: str) -> list[Row]:
    rows = []
    for n, (raw, extra) in enumerate(_dict_rows(text), start=1):
        cells = {_sdmx_code(k).upper(): _sdmx_code(v) for k, v in raw.items()}
        doc: dict[str, Any] = {}
        dims: dict[str, str] = {}
        for name, cell in cells.items():
            target = SDMX_FIELDS.get(name)
            if target == "value":
                doc["value"] = _number(cell) if cell else None
            elif name in SDMX_IGNORED or not cell:
                continue
            elif target == "measure" or target == "unit":
                doc[target] = cell.lower()
            elif target == "period":
                doc["period"] = sdmx_period(cell)
            elif target == "revision":
                doc["revision"] = _integer(cell)
            elif target is not None:
                doc[target] = cell
            else:
                dims[name.lower()] = cell
        if "measure" not in doc and cells.get("DATAFLOW"):
            measure = _dataflow_measure(cells["DATAFLOW"])
            if measure:
                doc["measure"] = measure
        mult = cells.get("UNIT_MULT")
        if mult and isinstance(doc.get("value"), int | float) and re.fullmatch(r"-?\d+", mult):
            scaled = doc["value"] * 10 ** int(mult)
            doc["value"] = int(scaled) if float(scaled).is_integer() else scaled
        doc["dimensions"] = dims
        rows.append(Row(n, doc, parse_errors=_extra_cells(n, extra)))
    return rows
