"""Routes of the yearly follow-up and the experience bank.

JSON (any valid Bearer token, or a signed-in browser's cookie): ``GET /v1/plans/{year}/report``,
``GET /v1/experience-bank``.
Pages (Bearer header or the ``samstat_token`` cookie; without either the browser is sent to
``/login``): ``GET /reports``, ``/reports/{year}``, ``/reports/{year}.pdf``,
``/experience-bank``; ``GET``/``POST /login``, ``POST /logout``.

The registry is read in the thread pool and copied out of the session; the indicator values
are then read over HTTP from the indicators service (``indicators_url``), forwarding the
reader's own token (see :mod:`.client`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from samstat_kit import openapi, present
from samstat_kit.db import session_scope
from samstat_kit.web import AnyReader, BrowserLogin, OptionalReader, Reader
from services.initiatives.registry.errors import NotFound
from services.initiatives.report import frame, html, pages
from services.initiatives.report.build import build_report, experience_bank
from services.initiatives.report.client import IndicatorsClient
from services.initiatives.report.data import PlanDef, decided_years, load_plan, plan_years
from services.initiatives.report.pdf import (
    RENDERERS,
    RETRY_AFTER_SECONDS,
    PdfUnavailable,
    RenderersBusy,
    html_to_pdf,
)
from services.initiatives.report.schemas import ExperienceBank, PlanReport

router = APIRouter()
log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_YEAR = 9999  # a plan's year is a calendar year

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid, expired or revoked token"},
    404: {"description": "No plan for that year"},
}


def _settings(request: Request) -> Any:
    return request.app.state.settings


async def _read(request: Request, fn: Callable[[Session], T]) -> T:
    factory = request.app.state.session_factory

    def work() -> T:
        with session_scope(factory) as session:
            return fn(session)

    return await run_in_threadpool(work)


def _client(request: Request, token: str) -> IndicatorsClient:
    s = _settings(request)
    return IndicatorsClient(s.indicators_url, token, timeout=s.indicators_timeout_seconds)


async def _report(request: Request, year: int, token: str) -> PlanReport:
    plan = await _read(request, lambda s: load_plan(s, year))
    async with _client(request, token) as client:
        return await build_report(plan, client)


async def _bank(request: Request, token: str) -> ExperienceBank:
    def plans(s: Session) -> list[PlanDef]:
        return [load_plan(s, y) for y in decided_years(s)]

    loaded = await _read(request, plans)
    async with _client(request, token) as client:
        reports = await asyncio.gather(*(build_report(p, client) for p in loaded))
        return experience_bank(list(reports), list(client.errors))


LOGIN = BrowserLogin(home="/reports",
                     cookie_max_age=lambda settings: settings.session_cookie_max_age_seconds)
# GET/POST /login, POST /logout: pages, as every page left out of the API's document
router.include_router(LOGIN.router(include_in_schema=False))


async def _page_report(request: Request, year: int, reader: Reader
                       ) -> PlanReport | Response:
    """The year's report for a page, or the page saying there is no plan that year."""
    try:
        return await _report(request, year, reader.token)
    except NotFound:
        return frame.render(request, pages.error_page(404, f"Det finns ingen plan för {year}.",
                                                      f"There is no plan for {year}."),
                            reader, 404)


# ----------------------------------------------------------------------------------- JSON


@router.get("/v1/plans/{year}/report", response_model=PlanReport, tags=["reports"],
            responses=_ERRORS, summary="The yearly follow-up of a plan's initiatives")
async def plan_report(request: Request, year: int, reader: AnyReader,
                      response: Response) -> PlanReport:
    """Per initiative: how far it has come, how successful it is (each indicator against its
    target and the same period a year earlier), its impact estimate beside the measured
    change in its indicators and FYE share; a summary on top. A Bearer token, or the
    signed-in browser's cookie (the follow-ups page links here, as the indicators' downloads
    do)."""
    _private(response)
    return await _report(request, year, reader.token)


@router.get("/v1/experience-bank", response_model=ExperienceBank, tags=["reports"],
            responses=_ERRORS, summary="Which kinds of initiatives worked, over all plan years")
async def experience_bank_json(request: Request, reader: AnyReader,
                               response: Response) -> ExperienceBank:
    _private(response)
    return await _bank(request, reader.token)


def _private(response: Response) -> None:
    """Answers to a signed-in browser too: kept by no cache, shared or the browser's (the
    pages say the same, and the indicators' downloads)."""
    response.headers.update(present.PRIVATE)
    response.headers["Vary"] = "Cookie, Authorization"


# ---------------------------------------------------------------------------------- pages


@router.get("/reports", response_class=HTMLResponse, tags=["pages"],
            include_in_schema=False,
            summary="The plan years with their follow-ups (HTML)")
async def reports_index(request: Request, reader: OptionalReader) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    return frame.render(request, pages.index_page(await _read(request, plan_years)), reader)


@router.get("/reports/{year:int}.pdf", tags=["pages"], summary="The follow-up as PDF",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       503: openapi.unavailable(
                           "No PDF renderer (Chromium) on this host, or every renderer busy "
                           "(retry after Retry-After); a page saying so", page=True)})
async def report_pdf(request: Request, year: int, reader: OptionalReader) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    if year > MAX_YEAR:
        return _no_such_report(request, reader)
    s = _settings(request)
    try:
        # A renderer first: a request that gets none costs nothing more, and holds no
        # thread while it waits (services/initiatives/report/pdf.py).
        async with RENDERERS.slot(wait=s.pdf_slot_wait_seconds):
            report = await _page_report(request, year, reader)
            if isinstance(report, Response):
                return report
            document = frame.printable(html.report_page(report), present.language(request))
            pdf = await run_in_threadpool(html_to_pdf, document, chromium=s.chromium_path,
                                          timeout=s.pdf_timeout_seconds,
                                          sandbox=s.chromium_sandbox)
    except RenderersBusy:
        busy = frame.render(request, pages.error_page(
            503, "Många PDF:er skapas just nu. Försök igen om några sekunder.",
            "Many PDFs are being made right now; try again in a few seconds."), reader, 503)
        busy.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return busy
    except PdfUnavailable as exc:  # the renderer's words are for the operators' log
        log.warning("report PDF for %s not made: %s", year, exc)
        return frame.render(request, pages.error_page(
            503, "Försök igen senare, eller läs uppföljningen på webben.",
            "Try again later, or read the follow-up on the web."), reader, 503)
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'inline; filename="uppfoljning-{year}.pdf"'})


@router.get("/reports/{year:int}", response_class=HTMLResponse, tags=["pages"],
            include_in_schema=False,
            summary="The follow-up a board can read (HTML)")
async def report_page(request: Request, year: int, reader: OptionalReader) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    if year > MAX_YEAR:  # /reports/99999999999999999999: as /reports/-1, not a 422
        return _no_such_report(request, reader)
    report = await _page_report(request, year, reader)
    if isinstance(report, Response):
        return report
    return frame.render(request, html.report_page(report), reader)


@router.get("/reports/{rest:path}", response_class=HTMLResponse, tags=["pages"],
            include_in_schema=False, summary="No such follow-up (HTML)")
async def no_report_page(request: Request, rest: str, reader: OptionalReader) -> Response:
    """``/reports/abc`` or ``/reports/-1``: the page saying so, as for a year without a plan
    (it answered the framework's bare JSON). What was asked for is not repeated: a path is
    the reader's text."""
    if reader is None:
        return LOGIN.redirect(request)
    return _no_such_report(request, reader)


def _no_such_report(request: Request, reader: Reader) -> Response:
    return frame.render(request, pages.error_page(
        404, "Det finns ingen sådan uppföljning. En uppföljning har ett år, som /reports/2024.",
        "There is no such follow-up. A follow-up has a year, as /reports/2024."), reader, 404)


@router.get("/experience-bank", response_class=HTMLResponse, tags=["pages"],
            include_in_schema=False,
            summary="The experience bank (HTML)")
async def experience_bank_page(request: Request, reader: OptionalReader) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    return frame.render(request, pages.bank_page(await _bank(request, reader.token)), reader)
