"""CSV and SDMX-CSV downloads of the read model, for the partners' analysts.

Plain CSV is RFC 4180 (comma, CRLF, UTF-8, a header row) with numbers as machine numbers (decimal
point, no thousands separator) so that they load unchanged into R, Python or a database; an empty
field is a value that cannot be computed (missing or suppressed inputs).

SDMX-CSV follows version 1.0 of the SDMX-CSV format: the first column ``DATAFLOW`` names the
dataflow as ``AGENCY:ID(VERSION)``, then one column per dimension, ``OBS_VALUE``, then the
attributes. Periods use the SDMX time syntax (``2023``, ``2023-S1``, ``2023-Q2``, ``2023-10``);
``OBS_STATUS`` is ``A`` (normal) when every input for the period is in, ``P`` (provisional)
otherwise, and ``M`` (missing) where there is no value (an empty ``OBS_VALUE``);
``CONF_STATUS`` is ``F`` (free): the read model only holds figures that passed the small-count
suppression at ingest. ``UNIT_MEASURE`` is samstat's unit code in upper case
(``SHARE`` is a fraction of one, not a percentage).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import parse
from samstat_kit.web import CookieOrBearer
from services.indicators.api import formats, fye_changes, service, vintages
from services.indicators.api.models import IndicatorValue
from services.indicators.api.router import (
    AsOf,
    IncludeHistory,
    UpdatedAfter,
    instant,
    require_indicator,
)
from services.indicators.api.schemas import FyeRead
from services.indicators.domain.fye.maths import BENEFITS

router = APIRouter(tags=["exports"])

CSV_TYPE = "text/csv; charset=utf-8; header=present"
SDMX_CSV_TYPE = "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8"
SDMX2_CSV_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
AGENCY = "SAMSTAT"
SEXES = ("K", "M")
SDMX_SEX = {"K": "F", "M": "M"}  # SDMX's CL_SEX: F female, M male, _T total
TOTAL = "_T"

# ``withdrawn`` last, so readers of the first nine columns by position are unaffected: true
# on a value taken back (with updated_after, and in a history), whose value is empty.
INDICATOR_HEADER = ("indicator", "area", "area_name", "period", "value", "year_ago_value",
                    "unit", "complete", "computed_at", "withdrawn")
SDMX_HEADER = ("DATAFLOW", "REF_AREA", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE",
               "OBS_STATUS", "CONF_STATUS")
FYE_SDMX_HEADER = ("DATAFLOW", "REF_AREA", "MEASURE", "BENEFIT", "SEX", "TIME_PERIOD",
                   "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS")

IndicatorId = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                                  description='e.g. "fye_share"')]
Granularity = Annotated[str | None, Query(pattern="^(month|quarter|half|year)$",
                                          description="month, quarter, half or year; all if "
                                                      "left out")]
_CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV with a header row"},
    401: {"description": "No valid token in the Authorization header or the cookie"},
    404: {"description": "Unknown area"},
}
_SDMX_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/vnd.sdmx.data+csv": {}}, "description": "SDMX-CSV 1.0"},
    401: _CSV_DOC[401], 404: _CSV_DOC[404],
}
# An indicator's downloads: its id must be one samstat knows too.
_INDICATOR_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown indicator or area"}}


# --------------------------------------------------------------------------- helpers


def sdmx_period(code: str) -> str:
    """samstat's period code in SDMX time syntax: half-years are S1/S2, the rest as they are."""
    parse(code)  # refuse anything that is not a period
    return code.replace("-H", "-S")


def num(value: float | None) -> str:
    """A machine number: "" for none, integers without ".0", otherwise Python's shortest
    round-tripping form."""
    if value is None:
        return ""
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _iso(ts: datetime) -> str:
    aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _download(text: str | bytes, media_type: str, *name_parts: str,
              ext: str | None = None) -> Response:
    stem = "_".join(re.sub(r"[^A-Za-z0-9._-]+", "-", p).strip("-") for p in name_parts if p)
    stem = stem[:120]
    ext = ext or ("sdmx.csv" if "sdmx" in media_type else "csv")
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(content=body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="samstat_{stem}.{ext}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })


def _areas(catalogue: Catalogue, raw: str | None) -> list[str] | None:
    """Comma-separated area codes, all known (404 otherwise), in the order given, no repeats."""
    if raw is None or not raw.strip():
        return None
    out: list[str] = []
    for code in (c.strip() for c in raw.split(",")):
        if not code:
            continue
        if code not in catalogue.areas:
            raise HTTPException(404, f"unknown area {code[:32]!r}")
        if code not in out:
            out.append(code)
    if len(out) > 300:
        raise HTTPException(422, "at most 300 areas at a time")
    return out or None


def _granularity_rank(g: str) -> int:
    return ("year", "half", "quarter", "month").index(g)


def _indicator_rows(request: Request, indicator: str, area: str | None,
                    granularity: str | None, as_of: str | None = None,
                    updated_after: str | None = None, history: bool = False
                    ) -> list[IndicatorValue]:
    areas = _areas(request.app.state.catalogue, area)
    at, after = instant(as_of, "as_of"), instant(updated_after, "updated_after")
    with session_scope(request.app.state.session_factory) as session:
        require_indicator(session, indicator)
        if history:  # every version, each with its computed_at
            rows = [r for r in vintages.every_version(
                session=session, indicator=indicator, areas=areas, granularity=granularity,
                as_of=at) if after is None or vintages.utc(r.computed_at) > after]
        else:
            rows = service.values(session=session, indicator=indicator, areas=areas,
                                  granularity=granularity, as_of=at, updated_after=after)
    order = {a: i for i, a in enumerate(areas or [])}
    return sorted(rows, key=lambda r: (order.get(r.area, 0), r.area,
                                       _granularity_rank(r.granularity), parse(r.period),
                                       vintages.utc(r.computed_at)))


# --------------------------------------------------------------------------- indicators


def indicator_csv(rows: Iterable[IndicatorValue], catalogue: Catalogue) -> str:
    def line(r: IndicatorValue) -> list[str]:
        info = catalogue.areas.get(r.area)
        gone = bool(r.withdrawn)
        return [r.indicator, r.area, info.name if info else "", r.period,
                "" if gone else num(r.value), "" if gone else num(r.year_ago_value), r.unit,
                "true" if r.complete else "false", _iso(r.computed_at),
                "true" if gone else "false"]

    return _csv(INDICATOR_HEADER, (line(r) for r in rows))


def indicator_sdmx_csv(indicator: str, rows: Iterable[IndicatorValue]) -> str:
    flow = f"{AGENCY}:{indicator.upper()}(1.0)"
    # SDMX-CSV 1.0 has no ACTION: a value taken back is left out (version 2.0 says D).
    return _csv(SDMX_HEADER, (
        [flow, r.area, sdmx_period(r.period), num(r.value), r.unit.upper(),
         formats.status(r.value, not r.complete), "F"] for r in rows if not r.withdrawn))


@router.get("/v1/indicators/{indicator}/export.csv", response_class=Response,
            responses=_CSV_DOC | _INDICATOR_404,
            summary="An indicator's values as CSV")
def export_indicator_csv(
    request: Request, _p: CookieOrBearer, indicator: IndicatorId,
    area: Annotated[str | None, Query(max_length=4000,
                                      description="area code(s), comma-separated; all if "
                                                  "left out")] = None,
    granularity: Granularity = None, as_of: AsOf = None, updated_after: UpdatedAfter = None,
    include_history: IncludeHistory = False,
) -> Response:
    rows = _indicator_rows(request, indicator, area, granularity, as_of, updated_after,
                           include_history)
    return _download(indicator_csv(rows, request.app.state.catalogue), CSV_TYPE,
                     indicator, (area or "all").replace(",", "-"), granularity or "all")


def refuse_history(fmt: str) -> NoReturn:
    """``include_history`` on a format with one value per key (SDMX, JSON-stat): every version
    of a figure does not fit it, so say where it does rather than drop the parameter."""
    raise HTTPException(422, f"include_history: {fmt} holds one value per key; every version "
                             "comes as CSV (and XLSX for full-year equivalents); as_of= gives "
                             "the values of one instant")


@router.get("/v1/indicators/{indicator}/export.sdmx.csv", response_class=Response,
            responses=_SDMX_DOC | _INDICATOR_404,
            summary="An indicator's values as SDMX-CSV 1.0")
def export_indicator_sdmx(
    request: Request, _p: CookieOrBearer, indicator: IndicatorId,
    area: Annotated[str | None, Query(max_length=4000)] = None,
    granularity: Granularity = None, as_of: AsOf = None, updated_after: UpdatedAfter = None,
    include_history: IncludeHistory = False,
) -> Response:
    if include_history:
        refuse_history("SDMX-CSV")
    rows = _indicator_rows(request, indicator, area, granularity, as_of, updated_after)
    if wants_sdmx2(request):
        return _download(formats.indicator_sdmx_csv2(indicator, rows), SDMX2_CSV_TYPE,
                         indicator, (area or "all").replace(",", "-"), granularity or "all")
    return _download(indicator_sdmx_csv(indicator, rows), SDMX_CSV_TYPE,
                     indicator, (area or "all").replace(",", "-"), granularity or "all")


# --------------------------------------------------------------------------- FYE


def _fye_series(request: Request, areas: list[str], granularity: str,
                as_of: datetime | None = None, updated_after: datetime | None = None
                ) -> list[FyeRead]:
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        return [f for a in areas for f in fye_changes.series(
            session=session, catalogue=catalogue, area=a, granularity=granularity,
            as_of=as_of, updated_after=updated_after)]


def _extra_keys(series: Iterable[FyeRead], attr: str, known: Sequence[str]) -> list[str]:
    seen = {k for f in series for k in getattr(f, attr)}
    return list(known) + sorted(seen - set(known))


def fye_csv(series: Sequence[FyeRead], catalogue: Catalogue, history: bool = False) -> str:
    """One row per area and period; the last columns say where the figure comes from and
    whether the period is partial (``months_reported`` < ``months``); with ``history`` one
    row per version, ``computed_at`` saying since when samstat showed it. ``withdrawn``
    last, as in an indicator's CSV: true on a figure taken back, whose fields are empty."""
    benefits = _extra_keys(series, "by_benefit", BENEFITS)
    sexes = _extra_keys(series, "by_sex", SEXES)
    header = (["area", "area_name", "period", "fye", "population", "share"]
              + [f"fye_{b}" for b in benefits] + [f"fye_sex_{s}" for s in sexes]
              + ["municipalities_reported", "municipalities", "complete", "source",
                 "months_reported", "months", "partial"]
              + (["computed_at"] if history else []) + ["withdrawn"])

    def line(f: FyeRead) -> list[str]:
        info = catalogue.areas.get(f.area)
        name = info.name if info else ""
        shown = [_iso(f.computed_at) if f.computed_at else ""] if history else []
        if f.withdrawn:
            return [f.area, name, f.period] + [""] * (len(header) - 4 - len(shown)) + shown \
                + ["true"]
        return ([f.area, name, f.period, num(f.fye), num(f.population),
                 num(f.share)]
                + [num(f.by_benefit.get(b)) for b in benefits]
                + [num(f.by_sex.get(s)) for s in sexes]
                + [str(len(f.municipalities)), str(len(catalogue.municipalities_in(f.area))),
                   "true" if f.complete else "false", f.source, num(f.months_reported),
                   num(f.months), "true" if f.partial else "false"]
                + shown + ["false"])

    return _csv(header, (line(f) for f in series))


def fye_sdmx_csv(series: Sequence[FyeRead]) -> str:
    flow = f"{AGENCY}:FYE(1.0)"

    def obs(f: FyeRead) -> Iterable[list[str]]:
        period = sdmx_period(f.period)

        def row(measure: str, benefit: str, sex: str, value: float | None, unit: str
                ) -> list[str]:
            return [flow, f.area, measure, benefit, sex, period, num(value), unit,
                    formats.status(value, not f.complete), "F"]

        yield row("FYE", TOTAL, TOTAL, f.fye, "FYE")
        for b in _extra_keys([f], "by_benefit", ()):
            yield row("FYE", b, TOTAL, f.by_benefit[b], "FYE")
        for s in _extra_keys([f], "by_sex", ()):
            yield row("FYE", TOTAL, SDMX_SEX.get(s, s), f.by_sex[s], "FYE")
        yield row("POP_20_64", TOTAL, TOTAL, f.population, "PERSONS")
        yield row("FYE_SHARE", TOTAL, TOTAL, f.share, "SHARE")

    # SDMX-CSV 1.0 has no ACTION: a figure taken back is left out (version 2.0 says D).
    return _csv(FYE_SDMX_HEADER, (r for f in series if not f.withdrawn for r in obs(f)))


FyeAreas = Annotated[str, Query(max_length=4000,
                                description='comma-separated area codes, e.g. '
                                            '"2480,umearegionen,0000"; regions, counties and '
                                            'the nation are summed over their municipalities')]


FyeGranularity = Annotated[str, Query(pattern="^(month|quarter|half|year)$")]


def _fye_download(request: Request, areas: str, granularity: str, media_type: str,
                  render: Callable[[list[FyeRead]], str | bytes], *,
                  as_of: str | None = None, updated_after: str | None = None,
                  ext: str | None = None) -> Response:
    codes = _areas(request.app.state.catalogue, areas)
    if not codes:
        raise HTTPException(422, "name at least one area")
    series = _fye_series(request, codes, granularity, instant(as_of, "as_of"),
                         instant(updated_after, "updated_after"))
    return _download(render(series), media_type,
                     "fye", "-".join(codes) if len(codes) <= 5 else "areas", granularity,
                     *(["as-of-" + as_of] if as_of else []), ext=ext)


@router.get("/v1/fye/export.csv", response_class=Response, responses=_CSV_DOC,
            summary="Full-year equivalents for areas as CSV, per benefit and sex")
def export_fye_csv(request: Request, _p: CookieOrBearer, areas: FyeAreas,
                   granularity: FyeGranularity = "year", as_of: AsOf = None,
                   updated_after: UpdatedAfter = None,
                   include_history: IncludeHistory = False) -> Response:
    catalogue = request.app.state.catalogue

    def render(series: list[FyeRead]) -> str:
        if include_history:
            return fye_csv(fye_changes.fye_versions(request, series), catalogue, history=True)
        return fye_csv(series, catalogue)

    return _fye_download(request, areas, granularity, CSV_TYPE, render,
                         as_of=as_of, updated_after=updated_after)


def wants_sdmx2(request: Request) -> bool:
    """Content negotiation: SDMX-CSV 2.0 when the client asks for version 2 (``Accept:
    application/vnd.sdmx.data+csv;version=2.0.0``); 1.0 otherwise, for existing users."""
    accept = request.headers.get("accept", "").replace(" ", "").lower()
    return "vnd.sdmx.data+csv;version=2" in accept


@router.get("/v1/fye/export.sdmx.csv", response_class=Response, responses=_SDMX_DOC,
            summary="Full-year equivalents for areas as SDMX-CSV (1.0, or 2.0 by Accept)")
def export_fye_sdmx(request: Request, _p: CookieOrBearer, areas: FyeAreas,
                    granularity: FyeGranularity = "year", as_of: AsOf = None,
                    updated_after: UpdatedAfter = None,
                    include_history: IncludeHistory = False) -> Response:
    if include_history:
        refuse_history("SDMX-CSV")
    if wants_sdmx2(request):
        return _fye_download(request, areas, granularity, SDMX2_CSV_TYPE,
                             lambda series: formats.fye_sdmx_csv2(formats.fye_rows(series)),
                             as_of=as_of, updated_after=updated_after)
    return _fye_download(request, areas, granularity, SDMX_CSV_TYPE, fye_sdmx_csv,
                         as_of=as_of, updated_after=updated_after)
