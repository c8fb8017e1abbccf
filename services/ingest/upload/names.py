"""The preview's table of rows in the words people use: a measure by its title, an area by
its name, a dimension's code by what it means ("Personer med ekonomiskt bistånd", "Vännäs",
"Kvinnor"), from the catalogue in the page's language (a usability walk: Vännäs staff read
``econ_assistance_recipients``, ``2460`` and ``_T`` and did not know them for their own).

Only a cell that *is* a known code is named: anything else (a name the file wrote, a code no
measure has, a typo the problem list points at) shows as written, so the row stays the
file's row and a wrong cell can still be found in the file. The correction form keeps the
cells as written, since it edits the file's row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samstat_kit.agency_files import Row
from samstat_kit.contracts import Catalogue


def named_lines(lines: list[tuple[int, dict[str, str]]], rows: Mapping[int, Row],
                catalogue: Catalogue, lang: str, sdmx: bool) -> dict[int, dict[str, str]]:
    """Each file row's cells as the table shows them (see :func:`named_cells`)."""
    return {n: named_cells(cells, rows.get(n), catalogue, lang, sdmx) for n, cells in lines}


def named_cells(cells: dict[str, str], row: Row | None, catalogue: Catalogue, lang: str,
                sdmx: bool = False) -> dict[str, str]:
    """A row's cells with each known code as its name. ``row`` is the row as read (which
    column is which field; the codes it was read as); an SDMX-CSV file's cells are named by
    the codes they are read as (its code map says "F" is K), a CSV's only when the cell is
    the code itself."""
    if row is None or not isinstance(row.doc, dict):
        return cells
    field_of = {column: name for name, column in row.columns.items()}
    return {c: _named(field_of.get(c, ""), v, row.doc, catalogue, lang, sdmx) or v
            for c, v in cells.items()}


def _named(field: str, cell: str, doc: dict[str, Any], catalogue: Catalogue, lang: str,
           sdmx: bool) -> str | None:
    """The name of the code ``cell`` gives ``field``, or None (shown as written)."""
    written = cell.strip()
    if field == "measure":
        measure = catalogue.measures.get(str(doc.get("measure", "")))
        if measure is not None and (sdmx or written == measure.code):
            return measure.title_en if lang == "en" else measure.title_sv
    elif field == "area":
        area = catalogue.areas.get(str(doc.get("area", "")))
        if area is not None and (sdmx or written == area.code):
            return area.name
    elif field.startswith("dimensions."):
        dim = field.split(".", 1)[1]
        dims = doc.get("dimensions")
        code = dims.get(dim) if isinstance(dims, dict) else None
        measure_code = doc.get("measure")
        known = catalogue.codes_of(dim, measure_code if isinstance(measure_code, str) else None)
        if isinstance(code, str) and code in known and (sdmx or written == code):
            name = catalogue.code_name(code, lang)
            return name[:1].upper() + name[1:]  # a cell of its own, as a label: "Kvinnor"
    return None
