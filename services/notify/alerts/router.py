"""Alerts over HTTP: list, read with history, and act - acknowledge (with a comment), snooze,
assign, comment - each recorded with who did it (:func:`samstat_kit.web.actor`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from samstat_kit.web import AnyReader, CsrfChecked, actor
from services.notify.access import may_act_for
from services.notify.alerts import service
from services.notify.alerts.models import FIRING, Alert
from services.notify.alerts.schemas import (
    AckBody,
    AlertDetail,
    AlertEventRead,
    AlertLinks,
    AlertRead,
    AssignBody,
    BulkAckBody,
    BulkAckItem,
    BulkAckRead,
    CommentBody,
    DeliveryRead,
    SnoozeBody,
)
from services.notify.api import ERRORS, service_errors
from services.notify.delivery.service import list_deliveries
from services.notify.inbox import bulk
from services.notify.inbox import service as inbox

router = APIRouter(tags=["alerts"])

Status = Literal["firing", "acknowledged", "resolved"]
WITHHELD = "withheld"  # who acted, for a reader outside the convener's agencies
ACT_ERRORS = ERRORS | {409: {"description": "The alert is resolved"},
                       422: {"description": "A field is wrong (named in the message)"}}


def _links(request: Request, alert: Alert, principal: Principal) -> AlertLinks:
    made = request.app.state.links.for_alert(alert.id, alert.episode)
    # The one-click link acknowledges without a sign-in: only whoever may acknowledge gets it
    # (any token may read the alert, and another agency must not act on it through it).
    # Only while it fires: acknowledging an ended or acknowledged alert is refused anyway.
    ack = made.acknowledge if may_act_for(principal, alert.convener) and \
        alert.status == FIRING else None
    return AlertLinks(page=made.page, acknowledge=ack)


@router.get("/v1/alerts", response_model=list[AlertRead], responses=ERRORS,
            summary="Alerts, newest change first")
def get_alerts(
    request: Request, _principal: AnyToken,
    convener: Annotated[str | None, Query(description="Agency code of the convener")] = None,
    status: Status | None = None, indicator: str | None = None, area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlertRead]:
    with session_scope(request.app.state.session_factory) as session:
        rows = service.list_alerts(session=session, convener=convener, status=status,
                                   indicator=indicator, area=area, limit=limit, offset=offset)
        return [AlertRead.model_validate(r).model_copy(
            update={"links": _links(request, r, _principal)}) for r in rows]


def _detail(request: Request, alert_id: str, principal: Principal) -> AlertDetail:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        alert, history = service.get_alert(session=session, alert_id=alert_id)
        deliveries = list_deliveries(session=session, alert_id=alert_id)
        detail = AlertDetail.model_validate(alert).model_copy(update={
            "history": [AlertEventRead.model_validate(h) for h in history],
            "deliveries": [DeliveryRead.model_validate(d) for d in deliveries],
            "links": _links(request, alert, principal),
        })
        return detail if inbox.may_see(principal, alert) else _outside(detail)


def _outside(detail: AlertDetail) -> AlertDetail:
    """What another agency's token reads of an alert: the finding and its course, without
    what the convener's people wrote or who they are (a review: comments such as "the
    caseworker thinks office X misreported" and people's e-mail addresses were readable by
    any token), and without where it was delivered."""
    return detail.model_copy(update={
        # An assignment's reason names the person ("assigned to karin@…", a red team).
        "history": [h.model_copy(update={
            "comment": None, "actor": WITHHELD,
            "reason": inbox.assigned_reason(WITHHELD) if h.transition == "assigned"
            else h.reason}) for h in detail.history],
        "deliveries": [], "acknowledged_by": WITHHELD if detail.acknowledged_by else None,
        "assignee": WITHHELD if detail.assignee else None,
    })


@router.get("/v1/alerts/{alert_id}", response_model=AlertDetail, responses=ERRORS,
            summary="One alert with its history and deliveries")
def get_alert(request: Request, alert_id: str, principal: AnyToken) -> AlertDetail:
    return _detail(request, alert_id, principal)


def _act(request: Request, alert_id: str, principal: Principal,
         action: Callable[[Session], object]) -> AlertDetail:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        try:
            action(session)
        except inbox.Invalid as exc:
            raise HTTPException(422, str(exc)) from None
    request.app.state.wake()
    return _detail(request, alert_id, principal)


@router.post("/v1/alerts/{alert_id}/ack", response_model=AlertDetail, responses=ACT_ERRORS,
             summary="Acknowledge, optionally with a comment (the convener's agency or an "
                     "admin)")
def acknowledge(request: Request, alert_id: str, reader: AnyReader, _csrf: CsrfChecked,
                body: AckBody | None = None) -> AlertDetail:
    return _act(request, alert_id, reader.principal, lambda s: inbox.acknowledge(
        session=s, principal=reader.principal, alert_id=alert_id, who=actor(reader),
        now=datetime.now(UTC), comment=body.comment if body else None, reveal=True))


# No 404: an id that names no alert is a result of its own, not the answer.
BULK_ERRORS = {k: v for k, v in ERRORS.items() if k != 404} | {422: {
    "description": f"No ids, more than {bulk.MAX_BULK}, or a field is wrong (named in the "
                   "message)"}}


@router.post("/v1/alerts/ack", response_model=BulkAckRead, responses=BULK_ERRORS,
             summary=f"Acknowledge up to {bulk.MAX_BULK} alerts at once, each as "
                     "POST /v1/alerts/{id}/ack would; the ones it cannot are listed with why")
def acknowledge_many(request: Request, body: BulkAckBody, reader: AnyReader,
                     _csrf: CsrfChecked) -> BulkAckRead:
    """200 whatever each alert's outcome: another agency's alert, or one resolved meanwhile,
    is a result with the status and message its own acknowledgement would have answered,
    not a failure of the others."""
    try:
        done = bulk.acknowledge_many(
            sessions=lambda: session_scope(request.app.state.session_factory),
            principal=reader.principal, alert_ids=body.ids, who=actor(reader),
            now=datetime.now(UTC), comment=body.comment, reveal=True)
    except inbox.Invalid as exc:
        raise HTTPException(422, str(exc)) from None
    tally = bulk.counts(done)
    if tally[bulk.DONE]:
        request.app.state.wake()
    return BulkAckRead(
        acknowledged=tally[bulk.DONE], already=tally[bulk.ALREADY],
        refused=sum(tally[r] for r in bulk.REFUSED),
        results=[BulkAckItem(id=o.alert_id, outcome=o.outcome,  # type: ignore[arg-type]
                             status=o.status, detail=o.detail) for o in done])


@router.post("/v1/alerts/{alert_id}/snooze", response_model=AlertDetail,
             responses=ACT_ERRORS, summary="No reminders or escalation until a date")
def snooze(request: Request, alert_id: str, body: SnoozeBody, reader: AnyReader,
           _csrf: CsrfChecked) -> AlertDetail:
    return _act(request, alert_id, reader.principal, lambda s: inbox.snooze(
        session=s, principal=reader.principal, alert_id=alert_id, who=actor(reader),
        until=body.until, now=datetime.now(UTC), comment=body.comment, reveal=True))


@router.post("/v1/alerts/{alert_id}/assign", response_model=AlertDetail,
             responses=ACT_ERRORS, summary="Give the alert to a person of the convener's agency")
def assign(request: Request, alert_id: str, body: AssignBody, reader: AnyReader,
           _csrf: CsrfChecked) -> AlertDetail:
    return _act(request, alert_id, reader.principal, lambda s: inbox.assign(
        session=s, principal=reader.principal, alert_id=alert_id, who=actor(reader),
        assignee=body.assignee, now=datetime.now(UTC), comment=body.comment,
        reveal=True))


@router.post("/v1/alerts/{alert_id}/comments", response_model=AlertDetail,
             responses=ERRORS | {422: {"description": "Empty or too long"}},
             summary="Comment (the convener's and the follow-up owner's agencies)")
def comment(request: Request, alert_id: str, body: CommentBody, reader: AnyReader,
            _csrf: CsrfChecked) -> AlertDetail:
    return _act(request, alert_id, reader.principal, lambda s: inbox.comment(
        session=s, principal=reader.principal, alert_id=alert_id, who=actor(reader),
        text=body.text, now=datetime.now(UTC), reveal=True))

