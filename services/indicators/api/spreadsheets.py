"""FYE tables for spreadsheets: XLSX (openpyxl) and CSV for Swedish Excel (semicolon, decimal
comma, UTF-8 with BOM, so Excel opens it in Swedish locale with numbers as numbers).

One row per area and period; a partial period says so in its own column ("Delperiod: 8 av 12
månader", or "6 av 290 kommuner" for a sum over some of an area's municipalities) and is never
a bare number beside whole ones. A second XLSX sheet holds the
benefit x sex table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from samstat_kit.contracts import Catalogue
from services.indicators.api.labels import BENEFIT_LABELS
from services.indicators.api.schemas import FyeRead
from services.indicators.domain.fye.maths import BENEFITS

SOURCE_SV = {"computed": "samstat (beräknad)", "scb-official": "SCB (officiell)"}
SEXES = (("K", "kvinnor"), ("M", "män"))
SHARE_COLUMNS = {"Andel av befolkningen 20–64", "Andel kvinnor 20–64", "Andel män 20–64"}


def partial_note(f: FyeRead) -> str:
    """What a figure lacks: municipalities, for samstat's sum over some of an area's (the
    nation's year before SCB's figure: "6 av 290 kommuner"; it said "0 av 12 månader", as
    if months were missing), else months ("8 av 12 månader"); "" for a whole figure."""
    if f.source != "scb-official" and len(f.municipalities) < f.members:
        return f"{len(f.municipalities)} av {f.members} kommuner"
    return f"{f.months_reported} av {f.months} månader" if f.partial else ""


def _benefits(series: Sequence[FyeRead]) -> list[str]:
    seen = {b for f in series for b in f.by_benefit}
    return [b for b in BENEFITS if b in seen] + sorted(seen - set(BENEFITS))


SHOWN_FROM = "Visades från (UTC)"  # with every version: since when samstat showed the row
# "ja" on a figure taken back (updated_after, a history), whose cells are empty: the CSV's
# withdrawn column. Before SHOWN_FROM, which stays last where readers look for it.
WITHDRAWN = "Tillbakadragen"


def _ending(f: FyeRead, row: list[object], history: bool,
            key: tuple[int, ...] = (0, 1, 2)) -> list[object]:
    """A row's last cells; a figure taken back keeps only the cells of its key (area, name,
    period; and the benefit in the cross table)."""
    if f.withdrawn:
        row = [c if i in key else None for i, c in enumerate(row)]
    return row + ["ja" if f.withdrawn else ""] + ([_shown_from(f)] if history else [])


def _shown_from(f: FyeRead) -> datetime | None:
    """A naive UTC time: Excel keeps no time zone (openpyxl refuses aware ones)."""
    return f.computed_at.astimezone(UTC).replace(tzinfo=None) if f.computed_at else None


def table(series: Sequence[FyeRead], catalogue: Catalogue, history: bool = False
          ) -> tuple[list[str], list[list[object]]]:
    """Header and rows (Python values: None for nothing) of the wide FYE table; with
    ``history`` (every version of each figure, oldest first) a last column says since when
    samstat showed it."""
    benefits = _benefits(series)
    header = ["Områdeskod", "Område", "Period", "Delperiod", "Källa", "Helårsekvivalenter",
              "Befolkning 20–64", "Andel av befolkningen 20–64", "Andel kvinnor 20–64",
              "Andel män 20–64"]
    header += [f"HÅE {BENEFIT_LABELS.get(b, b).split(' (')[0]}" for b in benefits]
    header += [f"HÅE {label}" for _s, label in SEXES]
    rows: list[list[object]] = []
    for f in series:
        info = catalogue.areas.get(f.area)
        row: list[object] = [f.area, info.name if info else "", f.period, partial_note(f),
                             SOURCE_SV.get(f.source, f.source), f.fye, f.population, f.share,
                             f.share_by_sex.get("K"), f.share_by_sex.get("M")]
        row += [f.by_benefit.get(b) for b in benefits]
        row += [f.by_sex.get(s) for s, _label in SEXES]
        rows.append(_ending(f, row, history))
    return header + [WITHDRAWN] + ([SHOWN_FROM] if history else []), rows


def cross_table(series: Sequence[FyeRead], catalogue: Catalogue, history: bool = False
                ) -> tuple[list[str], list[list[object]]]:
    """Benefit x sex: one row per area, period and benefit (and version, with ``history``)."""
    header = ["Områdeskod", "Område", "Period", "Delperiod", "Ersättning", "Kvinnor", "Män",
              "Totalt", WITHDRAWN] + ([SHOWN_FROM] if history else [])
    rows: list[list[object]] = []
    for f in series:
        info = catalogue.areas.get(f.area)
        for b in _benefits([f]):
            cells = f.by_benefit_sex.get(b, {})
            rows.append(_ending(f, [f.area, info.name if info else "", f.period,
                                    partial_note(f), BENEFIT_LABELS.get(b, b).split(" (")[0],
                                    cells.get("K"), cells.get("M"), f.by_benefit.get(b)],
                                history, key=(0, 1, 2, 4)))
    return header, rows


def xlsx(series: Sequence[FyeRead], catalogue: Catalogue, history: bool = False) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Helårsekvivalenter"
    for ws, (header, rows) in ((sheet, table(series, catalogue, history)),
                               (wb.create_sheet("Ersättning och kön"),
                                cross_table(series, catalogue, history))):
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for i, name in enumerate(header, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(12, min(40, len(name) + 2))
            fmt = ("0.0%" if name in SHARE_COLUMNS else "yyyy-mm-dd hh:mm:ss"
                   if name == SHOWN_FROM else "#,##0" if i > 5 else "@")
            for cell in ws[letter][1:]:
                cell.number_format = fmt  # area codes stay text: "0000", not 0
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sv_number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return repr(round(value, 10)).replace(".", ",")
    return str(value)


def swedish_csv(series: Sequence[FyeRead], catalogue: Catalogue,
                history: bool = False) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM, CRLF."""
    header, rows = table(series, catalogue, history)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_sv_number(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
