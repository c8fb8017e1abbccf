"""HTTP routes of the registry. Thin: parse, authorise, one unit of work, respond.

Reads need any valid token, writes an admin token. Single resources carry their version as
ETag; PATCH needs ``If-Match: <version>`` (428 without, 412 when stale); DELETE honours it
when sent. Handlers are plain functions, so FastAPI runs them in its thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from prometheus_client import Counter
from sqlalchemy.orm import Session

from samstat_kit.db import session_scope
from samstat_kit.http import AdminToken, AnyToken
from services.initiatives.registry import audit, service
from services.initiatives.registry.schemas import (
    AuditRead,
    ContactCreate,
    ContactRead,
    ContactUpdate,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    InitiativeCreate,
    InitiativeRead,
    InitiativeUpdate,
    MilestoneRead,
    PlanDecide,
    PlanRead,
)
from services.initiatives.registry.views import (
    audit_read,
    contact_read,
    indicator_read,
    initiative_read,
    milestone_read,
)

router = APIRouter(prefix="/v1")
T = TypeVar("T")

CHANGES = Counter("initiatives_changes_total", "Committed registry changes",
                  ["entity", "action"])

YearQuery = Annotated[int | None, Query(ge=2000, le=2100,
                                        description="Plan year; default: the latest plan")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid, expired or revoked token"},
    403: {"description": "Writes need an admin token"},
    404: {"description": "No such plan, initiative, indicator or contact"},
    409: {"description": "It exists already"},
    412: {"description": "If-Match is not the stored version"},
    422: {"description": "Invalid body (unknown code, formula or rule kind, impact not 1–5)"},
    428: {"description": "PATCH without If-Match"},
}


def _work(request: Request, fn: Callable[[Session], T]) -> T:
    """One unit of work; what it changed is published only once it has committed."""
    # A key a concurrent request inserted first (after this one's check) is the shared
    # handler's 409 (samstat_kit/http.py).
    with session_scope(request.app.state.session_factory) as session:
        result = fn(session)
        done = audit.take_pending(session)
    request.app.state.publisher.mark_dirty(done.dirty)
    for entity, action in done.changes:
        CHANGES.labels(entity, action).inc()
    return result


def _expected(if_match: str | None, *, required: bool) -> int | None:
    """The version in If-Match (``3``, ``"3"`` or ``W/"3"``); ``*`` matches any."""
    if if_match is None or not if_match.strip():
        if required:
            raise HTTPException(428, "send If-Match: <version> (the ETag of your copy)")
        return None
    value = if_match.strip()
    if value == "*":
        return None
    try:
        return int(value.removeprefix("W/").strip('"'))
    except ValueError:
        raise HTTPException(412, "If-Match must be a version number") from None


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


# --------------------------------------------------------------------------- initiatives


@router.get("/initiatives", response_model=list[InitiativeRead], tags=["initiatives"],
            responses=_ERRORS)
def list_initiatives(request: Request, _p: AnyToken, year: YearQuery = None
                     ) -> list[InitiativeRead]:
    """The initiatives of a plan, with their indicators."""
    return _work(request, lambda s: [initiative_read(i) for i in
                                     service.list_initiatives(session=s, year=year)])


@router.get("/initiatives/{number}", response_model=InitiativeRead, tags=["initiatives"],
            responses=_ERRORS)
def get_initiative(request: Request, response: Response, number: int, _p: AnyToken,
                   year: YearQuery = None) -> InitiativeRead:
    body = _work(request, lambda s: initiative_read(
        service.get_initiative(session=s, number=number, year=year)))
    _etag(response, body.version)
    return body


@router.post("/initiatives", status_code=201, response_model=InitiativeRead,
             tags=["initiatives"], responses=_ERRORS)
def create_initiative(request: Request, response: Response, body: InitiativeCreate,
                      principal: AdminToken) -> InitiativeRead:
    out = _work(request, lambda s: initiative_read(service.create_initiative(
        session=s, body=body, actor=principal.token_id)))
    _etag(response, out.version)
    response.headers["Location"] = f"/v1/initiatives/{out.number}?year={out.plan_year}"
    return out


@router.patch("/initiatives/{number}", response_model=InitiativeRead, tags=["initiatives"],
              responses=_ERRORS)
def update_initiative(request: Request, response: Response, number: int,
                      body: InitiativeUpdate, principal: AdminToken,
                      if_match: IfMatch = None, year: YearQuery = None) -> InitiativeRead:
    expected = _expected(if_match, required=True)
    out = _work(request, lambda s: initiative_read(service.update_initiative(
        session=s, number=number, year=year, body=body, actor=principal.token_id,
        expected_version=expected)))
    _etag(response, out.version)
    return out


@router.delete("/initiatives/{number}", status_code=204, tags=["initiatives"],
               responses=_ERRORS)
def delete_initiative(request: Request, number: int, principal: AdminToken,
                      if_match: IfMatch = None, year: YearQuery = None) -> Response:
    """Delete an initiative and its indicators."""
    expected = _expected(if_match, required=False)
    _work(request, lambda s: service.delete_initiative(
        session=s, number=number, year=year, actor=principal.token_id,
        expected_version=expected))
    return Response(status_code=204)


@router.get("/initiatives/{number}/history", response_model=list[AuditRead],
            tags=["initiatives"], responses=_ERRORS)
def initiative_history(request: Request, number: int, _p: AnyToken,
                       year: YearQuery = None) -> list[AuditRead]:
    """Every change to the initiative and its indicators, oldest first."""
    return _work(request, lambda s: [audit_read(a) for a in service.initiative_history(
        session=s, number=number, year=year)])


# ---------------------------------------------------------------------------- indicators


@router.get("/indicators", response_model=list[IndicatorRead], tags=["indicators"],
            responses=_ERRORS)
def list_indicators(request: Request, _p: AnyToken, year: YearQuery = None,
                    initiative: int | None = None) -> list[IndicatorRead]:
    return _work(request, lambda s: [indicator_read(i) for i in service.list_indicators(
        session=s, year=year, initiative=initiative)])


@router.get("/indicators/{indicator_id}", response_model=IndicatorRead, tags=["indicators"],
            responses=_ERRORS)
def get_indicator(request: Request, response: Response, indicator_id: str, _p: AnyToken,
                  year: YearQuery = None) -> IndicatorRead:
    out = _work(request, lambda s: indicator_read(
        service.get_indicator(session=s, code=indicator_id, year=year)))
    _etag(response, out.version)
    return out


@router.post("/indicators", status_code=201, response_model=IndicatorRead,
             tags=["indicators"], responses=_ERRORS)
def create_indicator(request: Request, response: Response, body: IndicatorCreate,
                     principal: AdminToken) -> IndicatorRead:
    out = _work(request, lambda s: indicator_read(service.create_indicator(
        session=s, body=body, actor=principal.token_id)))
    _etag(response, out.version)
    response.headers["Location"] = f"/v1/indicators/{out.id}?year={out.plan_year}"
    return out


@router.patch("/indicators/{indicator_id}", response_model=IndicatorRead, tags=["indicators"],
              responses=_ERRORS)
def update_indicator(request: Request, response: Response, indicator_id: str,
                     body: IndicatorUpdate, principal: AdminToken, if_match: IfMatch = None,
                     year: YearQuery = None) -> IndicatorRead:
    expected = _expected(if_match, required=True)
    out = _work(request, lambda s: indicator_read(service.update_indicator(
        session=s, code=indicator_id, year=year, body=body, actor=principal.token_id,
        expected_version=expected)))
    _etag(response, out.version)
    return out


@router.delete("/indicators/{indicator_id}", status_code=204, tags=["indicators"],
               responses=_ERRORS)
def delete_indicator(request: Request, indicator_id: str, principal: AdminToken,
                     if_match: IfMatch = None, year: YearQuery = None) -> Response:
    expected = _expected(if_match, required=False)
    _work(request, lambda s: service.delete_indicator(
        session=s, code=indicator_id, year=year, actor=principal.token_id,
        expected_version=expected))
    return Response(status_code=204)


# ------------------------------------------------------------------------------ contacts


@router.get("/contacts", response_model=list[ContactRead], tags=["contacts"],
            responses=_ERRORS)
def list_contacts(request: Request, principal: AnyToken) -> list[ContactRead]:
    return _work(request, lambda s: [contact_read(c, principal)
                                     for c in service.list_contacts(session=s)])


@router.get("/contacts/{agency}", response_model=ContactRead, tags=["contacts"],
            responses=_ERRORS)
def get_contact(request: Request, response: Response, agency: str,
                principal: AnyToken) -> ContactRead:
    out = _work(request, lambda s: contact_read(service.get_contact(session=s, agency=agency),
                                                principal))
    _etag(response, out.version)
    return out


@router.post("/contacts", status_code=201, response_model=ContactRead, tags=["contacts"],
             responses=_ERRORS)
def create_contact(request: Request, response: Response, body: ContactCreate,
                   principal: AdminToken) -> ContactRead:
    out = _work(request, lambda s: contact_read(service.create_contact(
        session=s, body=body, actor=principal.token_id)))
    _etag(response, out.version)
    return out


@router.patch("/contacts/{agency}", response_model=ContactRead, tags=["contacts"],
              responses=_ERRORS)
def update_contact(request: Request, response: Response, agency: str, body: ContactUpdate,
                   principal: AdminToken, if_match: IfMatch = None) -> ContactRead:
    expected = _expected(if_match, required=True)
    out = _work(request, lambda s: contact_read(service.update_contact(
        session=s, agency=agency, body=body, actor=principal.token_id,
        expected_version=expected)))
    _etag(response, out.version)
    return out


@router.delete("/contacts/{agency}", status_code=204, tags=["contacts"], responses=_ERRORS)
def delete_contact(request: Request, agency: str, principal: AdminToken,
                   if_match: IfMatch = None) -> Response:
    expected = _expected(if_match, required=False)
    _work(request, lambda s: service.delete_contact(
        session=s, agency=agency, actor=principal.token_id, expected_version=expected))
    return Response(status_code=204)


# --------------------------------------------------------------------------------- plans


@router.get("/plans", response_model=list[PlanRead], tags=["plans"], responses=_ERRORS)
def list_plans(request: Request, _p: AnyToken) -> list[PlanRead]:
    return _work(request, lambda s: service.list_plans(session=s))


@router.get("/plans/{year}/milestones", response_model=list[MilestoneRead], tags=["plans"],
            responses=_ERRORS)
def plan_milestones(request: Request, year: int, _p: AnyToken) -> list[MilestoneRead]:
    """The annual wheel (årshjul) that produces the plan, in date order."""
    return _work(request, lambda s: [milestone_read(m) for m in
                                     service.milestones(session=s, year=year)])


def _plan_read(session: Session, year: int) -> PlanRead:
    return next(p for p in service.list_plans(session=session) if p.year == year)


@router.post("/plans/{year}/copy-from/{prev}", status_code=201, response_model=PlanRead,
             tags=["plans"], responses=_ERRORS)
def copy_plan(request: Request, year: int, prev: int, principal: AdminToken) -> PlanRead:
    """Start next year's plan (a draft) from this year's initiatives and indicators."""
    def work(s: Session) -> PlanRead:
        service.copy_plan(session=s, year=year, prev=prev, actor=principal.token_id)
        return _plan_read(s, year)
    return _work(request, work)


@router.post("/plans/{year}/decide", response_model=PlanRead, tags=["plans"],
             responses=_ERRORS)
def decide_plan(request: Request, year: int, principal: AdminToken,
                body: PlanDecide | None = None) -> PlanRead:
    """Record the board's decision; a decided plan is published once its year has begun."""
    def work(s: Session) -> PlanRead:
        service.decide_plan(session=s, year=year, actor=principal.token_id,
                            decided_at=body.decided_at if body else None)
        return _plan_read(s, year)
    return _work(request, work)


@router.delete("/plans/{year}", status_code=204, tags=["plans"], responses=_ERRORS)
def delete_plan(request: Request, year: int, principal: AdminToken) -> Response:
    """Delete a draft plan and everything in it; decided plans are kept."""
    _work(request, lambda s: service.delete_plan(session=s, year=year,
                                                 actor=principal.token_id))
    return Response(status_code=204)
