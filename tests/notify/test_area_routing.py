"""Routing per area: an indicator over several municipalities (i05 in the 2024 plan) sends
each municipality's alert to that municipality's convener, the rest to the indicator's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts import service
from services.notify.delivery.models import Delivery
from services.notify.events import IndicatorUpserted

from .factory import NOW, agency_id, indicator_id, later, registry_doc, value_event
from .test_routing import subscribe

RULES = [{"kind": "yoy_rise", "tolerance": 0.5}]


def define(session: Session, ind: str, conveners: dict[str, str], **kw: Any) -> None:
    doc = registry_doc(ind, RULES, **kw)
    doc["indicator"]["area_conveners"] = conveners
    service.handle_registry_event(session=session, now=NOW,
                                  event=IndicatorUpserted.model_validate(doc))


def fire(session: Session, ind: str, area: str) -> None:
    service.handle_indicator_value(session=session, now=later(seconds=1), event=value_event(
        ind, "2024", 14.0, 11.0, area=area, computed_at=later(seconds=1)))


def test_i05_alerts_reach_each_municipalitys_convener(session: Session) -> None:
    ind = indicator_id("i05")
    areas = ["0480", "0482", "0483", "0484", "0486", "0488"]  # Sörmland's six, say
    conveners = {a: agency_id() for a in areas[:5]}  # the sixth has no own convener
    fallback = agency_id()
    subs = {a: subscribe(session, c) for a, c in conveners.items()}
    fallback_sub = subscribe(session, fallback)
    define(session, ind, conveners, convener=fallback, areas=areas)
    for area in areas:
        fire(session, ind, area)

    alerts = {a.area: a for a in session.scalars(select(service.Alert).where(
        service.Alert.indicator == ind))}
    assert {a: alerts[a].convener for a in areas} == {**conveners, areas[5]: fallback}
    got = {(d.alert_id, d.subscription_id) for d in session.scalars(
        select(Delivery).where(Delivery.alert_id.in_([a.id for a in alerts.values()])))
        if d.role == "convener"}
    want = {(alerts[a].id, subs[a]) for a in areas[:5]} | {(alerts[areas[5]].id, fallback_sub)}
    assert got == want


def test_a_changed_area_convener_moves_the_open_alert(session: Session) -> None:
    ind, first, second = indicator_id("i09"), agency_id(), agency_id()
    define(session, ind, {"0480": first}, convener=agency_id())
    fire(session, ind, "0480")
    define(session, ind, {"0480": second}, convener=agency_id(), version=2)
    [alert] = session.scalars(select(service.Alert).where(service.Alert.indicator == ind))
    assert alert.convener == second
