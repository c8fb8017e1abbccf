"""More FYE downloads (XLSX, Swedish CSV, JSON-stat 2.0), one negotiated address, and the SDMX
structure message. The tables come from :mod:`formats` and :mod:`spreadsheets`; this module is
only the HTTP side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from samstat_kit.web import CookieOrBearer
from services.indicators.api import formats, spreadsheets
from services.indicators.api.export import (
    CSV_TYPE,
    SDMX2_CSV_TYPE,
    SDMX_CSV_TYPE,
    FyeAreas,
    FyeGranularity,
    _fye_download,
    fye_csv,
    fye_sdmx_csv,
    refuse_history,
)
from services.indicators.api.fye_changes import fye_versions
from services.indicators.api.router import AsOf, IncludeHistory, UpdatedAfter
from services.indicators.api.schemas import FyeRead
from services.indicators.api.sdmx_structure import structure_message

router = APIRouter(tags=["exports"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONSTAT_TYPE = "application/json; charset=utf-8"
EXCEL_CSV_TYPE = "text/csv; charset=utf-8; header=present"
STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml; version=2.1"
Renderer = Callable[[list[FyeRead]], str | bytes]
# format -> (media type, file extension, renderer factory)
FORMATS = ("csv", "csv-sv", "xlsx", "json-stat", "sdmx-csv", "sdmx-csv-1")


# Formats with one value per key (a cube): every version of a figure does not fit them.
CUBES = ("json-stat", "sdmx-csv", "sdmx-csv-1")


def _render(request: Request, fmt: str, history: bool = False) -> tuple[str, str, Renderer]:
    cat = request.app.state.catalogue
    if history and fmt in CUBES:
        refuse_history(fmt)
    table: dict[str, tuple[str, str, Renderer]] = {
        "csv": (CSV_TYPE, "csv", lambda s: fye_csv(s, cat, history)),
        "csv-sv": (EXCEL_CSV_TYPE, "sv.csv", lambda s: spreadsheets.swedish_csv(s, cat, history)),
        "xlsx": (XLSX_TYPE, "xlsx", lambda s: spreadsheets.xlsx(s, cat, history)),
        "json-stat": (JSONSTAT_TYPE, "json", lambda s: formats.fye_jsonstat(
            _some(formats.fye_rows(s)), cat, "Helårsekvivalenter (full-year equivalents)")),
        "sdmx-csv": (SDMX2_CSV_TYPE, "sdmx.csv",
                     lambda s: formats.fye_sdmx_csv2(formats.fye_rows(s))),
        "sdmx-csv-1": (SDMX_CSV_TYPE, "sdmx.csv", fye_sdmx_csv),
    }
    media, ext, render = table[fmt]
    if not history:
        return media, ext, render
    return media, ext, lambda s: render(fye_versions(request, s))


T = TypeVar("T")


def _some(rows: list[T]) -> list[T]:
    """A cube's rows, or 404: JSON-stat has no empty cube its readers take (pyjstat fails on a
    dimension of size 0); a table format answers an empty table instead."""
    if not rows:
        raise HTTPException(404, "no full-year equivalents for these areas and periods yet")
    return rows


def negotiate(accept: str) -> str:
    """The format an Accept header asks for: of the media types samstat writes, the one with
    the highest quality (the first of equals); CSV by default. A type at ``q=0`` is one the
    client refuses (RFC 9110 12.5.1): ``application/json;q=0`` was answered with JSON-stat."""
    ranked = []
    for n, part in enumerate(accept.lower().split(",")):
        media, _, params = part.replace(" ", "").partition(";")
        q = _quality(params)
        fmt = _format(media, params)
        if fmt is not None and q > 0:
            ranked.append((-q, n, fmt))
    return min(ranked)[2] if ranked else "csv"


def _quality(params: str) -> float:
    for p in params.split(";"):
        if p.startswith("q="):
            try:
                q = float(p[2:])
            except ValueError:
                return 0.0  # no weight a client meant: not taken as a wish
            return q if 0 <= q <= 1 else 0.0
    return 1.0


def _format(media: str, params: str) -> str | None:
    if "vnd.sdmx.data+csv" in media:
        return "sdmx-csv-1" if "version=1" in params else "sdmx-csv"
    if "spreadsheetml" in media:
        return "xlsx"
    if media.startswith(("application/json", "application/vnd.json-stat")):
        return "json-stat"
    if media.startswith("text/csv"):
        return "csv-sv" if "excel=sv" in params else "csv"
    return None


def _send(request: Request, areas: str, granularity: str, fmt: str, as_of: str | None,
          updated_after: str | None, history: bool = False) -> Response:
    media, ext, render = _render(request, fmt, history)
    return _fye_download(request, areas, granularity, media, render, as_of=as_of,
                         updated_after=updated_after, ext=ext)


Format = Annotated[str | None, Query(pattern="^(" + "|".join(FORMATS) + ")$",
                                     description="Overrides the Accept header")]


@router.get("/v1/fye/export", response_class=Response,
            summary="Full-year equivalents for areas, in the format the Accept header asks for")
def export_fye(request: Request, _p: CookieOrBearer, areas: FyeAreas,
               granularity: FyeGranularity = "year", format: Format = None,
               as_of: AsOf = None, updated_after: UpdatedAfter = None,
               include_history: IncludeHistory = False) -> Response:
    fmt = format or negotiate(request.headers.get("accept", ""))
    return _send(request, areas, granularity, fmt, as_of, updated_after, include_history)


@router.get("/v1/fye/export.xlsx", response_class=Response, summary="FYE as an Excel workbook")
def export_fye_xlsx(request: Request, _p: CookieOrBearer, areas: FyeAreas,
                    granularity: FyeGranularity = "year", as_of: AsOf = None,
                    updated_after: UpdatedAfter = None,
                    include_history: IncludeHistory = False) -> Response:
    return _send(request, areas, granularity, "xlsx", as_of, updated_after, include_history)


@router.get("/v1/fye/export.sv.csv", response_class=Response,
            summary="FYE as CSV for Swedish Excel (semicolon, decimal comma, BOM)")
def export_fye_sv_csv(request: Request, _p: CookieOrBearer, areas: FyeAreas,
                      granularity: FyeGranularity = "year", as_of: AsOf = None,
                      updated_after: UpdatedAfter = None,
                      include_history: IncludeHistory = False) -> Response:
    return _send(request, areas, granularity, "csv-sv", as_of, updated_after, include_history)


@router.get("/v1/fye/export.json", response_class=Response, summary="FYE as JSON-stat 2.0")
def export_fye_jsonstat(request: Request, _p: CookieOrBearer, areas: FyeAreas,
                        granularity: FyeGranularity = "year", as_of: AsOf = None,
                        updated_after: UpdatedAfter = None,
                        include_history: IncludeHistory = False) -> Response:
    return _send(request, areas, granularity, "json-stat", as_of, updated_after, include_history)


@router.get("/v1/sdmx/structure", response_class=Response,
            summary="SDMX-ML 2.1 structure message: codelists, concepts, DSDs, dataflows")
def sdmx_structure(request: Request) -> Response:
    text = structure_message(request.app.state.catalogue)
    return Response(content=text.encode("utf-8"), media_type=STRUCTURE_TYPE,
                    headers={"Cache-Control": "public, max-age=3600"})
