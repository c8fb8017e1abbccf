"""Alerts over HTTP: list, read with history, acknowledge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from services.notify.alerts import service
from services.notify.alerts.schemas import AlertDetail, AlertEventRead, AlertRead, DeliveryRead
from services.notify.api import ERRORS, service_errors
from services.notify.delivery.service import list_deliveries

router = APIRouter(tags=["alerts"])

Status = Literal["firing", "acknowledged", "resolved"]


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
        return [AlertRead.model_validate(r) for r in rows]


def _detail(request: Request, alert_id: str) -> AlertDetail:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        alert, history = service.get_alert(session=session, alert_id=alert_id)
        deliveries = list_deliveries(session=session, alert_id=alert_id)
        return AlertDetail.model_validate(alert).model_copy(update={
            "history": [AlertEventRead.model_validate(h) for h in history],
            "deliveries": [DeliveryRead.model_validate(d) for d in deliveries],
        })


@router.get("/v1/alerts/{alert_id}", response_model=AlertDetail, responses=ERRORS,
            summary="One alert with its history and deliveries")
def get_alert(request: Request, alert_id: str, _principal: AnyToken) -> AlertDetail:
    return _detail(request, alert_id)


@router.post("/v1/alerts/{alert_id}/ack", response_model=AlertDetail,
             responses=ERRORS | {409: {"description": "The alert is resolved"}},
             summary="Acknowledge (the convener's agency or an admin)")
def acknowledge(request: Request, alert_id: str, principal: AnyToken) -> AlertDetail:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        service.acknowledge(session=session, alert_id=alert_id, principal=principal,
                            now=datetime.now(UTC))
    request.app.state.wake()
    return _detail(request, alert_id)
