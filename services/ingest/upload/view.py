"""What the preview and the receipt show of an upload: its rows as they will be read (known
codes by their names: names.py), every row's findings (each said once, where it is), and the
values not shown with why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samstat_kit.agency_files import Row, RowError, sheet_rows
from samstat_kit.anonymity import quoted
from samstat_kit.cellvalues import period
from samstat_kit.contracts import Catalogue
from samstat_kit.headers import canonical
from services.ingest.upload import flows, service
from services.ingest.upload.models import IngestUpload
from services.ingest.upload.names import named_lines
from services.ingest.upload.reasons import hidden


def preview(upload: IngestUpload, outcome: flows.Outcome | None, lang: str,
            catalogue: Catalogue) -> dict[str, Any]:
    """The template's values: ``outcome`` is the dry run's verdict (None once published:
    then the receipt kept with the upload)."""
    lines = [(int(n), shown_cells(upload, cells)) for n, cells, _e in upload.lines]
    if outcome is not None:
        errors, suppressed = outcome.errors, outcome.suppressed
    else:  # published: the receipt kept with the upload ([row, column, field, reason, kind])
        found = [(RowError(r, f, reason, c), kind) for r, c, f, reason, kind in upload.findings]
        errors = [e for e, kind in found if kind == "rejected"]
        suppressed = [e for e, kind in found if kind == "suppressed"]
    rows = {r.number: r for r in sheet_rows(service.sheet_of(upload))
            if isinstance(r.doc, dict)}
    errors = said_once(errors, rows, catalogue)
    by_row: dict[int, list[Any]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    # Each row's measure, for the codes a finding about its dimensions lists.
    measures = {n: str(r.doc.get("measure")) for n, r in rows.items()}
    # A withdrawal has no value to hide: said apart, as what it is (a black-box test).
    taken_back = [e for e in suppressed if e.reason.startswith("withdrawn")]
    hidden_values = hidden_by_reason([e for e in suppressed if e not in taken_back],
                                     dict(lines), lang)
    named = named_lines(lines, rows, catalogue, lang, sdmx=upload.kind == "sdmx-csv")
    return {"upload": upload, "columns": upload.columns, "lines": lines, "by_row": by_row,
            "named": named,
            "errors": errors, "suppressed": hidden_values, "measures": measures,
            "withdrawn": hidden_by_reason(taken_back, dict(lines), lang),
            "good": len(outcome.good) if outcome else upload.accepted,
            "bad": len(by_row), "published": upload.published_at is not None,
            "shown_count": max(0, upload.accepted - upload.suppressed)}


def hidden_by_reason(suppressed: list[RowError], cells: Mapping[int, dict[str, str]],
                     lang: str) -> list[dict[str, Any]]:
    """The values not shown, each reason said once with its rows and their values (a walk's
    four hidden values had the same long reason four times), in the order first met."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for e in suppressed:
        groups.setdefault(hidden(e.reason, lang), []).append(
            (e.row, cells.get(e.row, {}).get(e.column, "")))
    return [{"rows": rows, "why": why} for why, rows in groups.items()]


def said_once(errors: list[RowError], rows: Mapping[int, Row],
              catalogue: Catalogue) -> list[RowError]:
    """Each problem said where it is. The unit is filled in from the measure
    (agency_files.fill_in), so a row whose measure is unknown lacks a unit too, though the
    file need not have a unit column: said as the measure's problem (once, beside another
    finding about the measure; the schema's check stops at the missing unit, so an unknown
    measure written as a code has no other)."""
    wrong_measure = {e.row for e in errors if e.field == "measure"}
    out = []
    for e in errors:
        row = rows.get(e.row)
        if e.field != "unit" or e.reason != "Field required" or row is None \
                or "unit" in row.doc or str(row.doc.get("measure")) in catalogue.measures:
            out.append(e)
        elif e.row not in wrong_measure:
            wrong_measure.add(e.row)
            measure = quoted(str(row.doc.get("measure", "")))
            out.append(row.error("measure", f"unknown measure {measure}"))
    return out


def shown_cells(upload: IngestUpload, cells: dict[str, str]) -> dict[str, str]:
    """A row's cells as the file's row is read: a period Excel made a date
    (``2026-11-01T00:00:00``) shows as the month it is read as (``2026-11``)."""
    if upload.kind != "csv":  # SDMX-CSV reads its TIME_PERIOD by SDMX's rules
        return cells
    return {c: period(v) if canonical(c) == "period" else v for c, v in cells.items()}
