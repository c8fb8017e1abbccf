"""CSV and XLSX columns as observations (:mod:`samstat_kit.agency_files` reads the table):
a heading is a field or a dimension (``dim_sex``, or its Swedish words, "Kön"), and a
measure, an area or a dimension's code may be written by its name as the template gives it."""

from __future__ import annotations

import json
from typing import Any

from samstat_kit.agency_rows import Row, Table, _extra_cells
from samstat_kit.cellvalues import integer, number, period
from samstat_kit.checks import json_float, json_int, no_duplicate_keys
from samstat_kit.contracts import load_catalogue
from samstat_kit.headers import DIM_PREFIX, canonical


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
                    doc["dimensions"] = json.loads(cell, object_pairs_hook=no_duplicate_keys,
                                                   parse_int=json_int, parse_float=json_float)
                except (ValueError, RecursionError):
                    # Not JSON, or nested thousands deep (a red team: a 500 and a
                    # traceback): the text stays, and the schema says it is no object.
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
