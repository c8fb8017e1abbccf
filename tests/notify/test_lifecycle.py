"""The alert lifecycle on SQLite and PostgreSQL (each test rolls back)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from services.notify.alerts import service, sweeps
from services.notify.alerts.definitions import DefinitionCache, all_definitions
from services.notify.alerts.models import Alert
from services.notify.delivery import service as deliveries
from services.notify.delivery.models import Delivery
from services.notify.events import IndicatorDeleted
from services.notify.subscriptions.models import Silence, Subscription

from .factory import NOW, indicator_id, later, registry_doc, upserted, value_event

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
FK = Principal(token_id="t1", scope="agency", agency="forsakringskassan")
AF = Principal(token_id="t2", scope="agency", agency="arbetsformedlingen")
HOOK = "http://127.0.0.1:9/hook"


def subscribe(session: Session, convener: str = "forsakringskassan") -> str:
    sid = str(uuid.uuid4())
    session.add(Subscription(id=sid, convener=convener, channel="webhook",
                             target=HOOK, secret="s", lang="sv",
                             format="json", created_at=NOW, created_by="test"))
    session.flush()
    return sid


def mine(session: Session, sid: str) -> list[tuple[str, int]]:
    rows = session.scalars(select(Delivery).where(Delivery.subscription_id == sid)
                           .order_by(Delivery.id))
    return [(d.transition, d.episode) for d in rows]


def define(session: Session, ind: str, rules: list[dict], **kw: object) -> None:
    service.handle_registry_event(session=session, event=upserted(ind, rules, **kw), now=NOW)


def alerts_of(session: Session, ind: str) -> list[Alert]:
    return service.list_alerts(session=session, indicator=ind)


def test_fire_dedup_and_revision_that_clears(session: Session) -> None:
    ind = indicator_id()
    sid = subscribe(session)
    define(session, ind, YOY)
    ev = value_event(ind, "2023", 12.0, 11.0)
    [alert] = service.handle_indicator_value(session=session, event=ev, now=NOW)
    assert (alert.status, alert.value, alert.expected, alert.convener) == (
        "firing", 12.0, 11.0, "forsakringskassan")
    assert alert.dedup_key == f"{ind}|2480|2023|yoy_rise" and alert.initiative == 2

    # Redelivery of the same event, and a re-emission with the same numbers: no change.
    assert service.handle_indicator_value(session=session, event=ev, now=later(1)) == []
    again = value_event(ind, "2023", 12.0, 11.0, computed_at=later(seconds=1))
    assert service.handle_indicator_value(session=session, event=again, now=later(1)) == []
    assert len(alerts_of(session, ind)) == 1

    # A revision that moves the value but keeps it firing updates the alert.
    up = value_event(ind, "2023", 12.2, 11.0, computed_at=later(seconds=2))
    [updated] = service.handle_indicator_value(session=session, event=up, now=later(1))
    assert updated.id == alert.id and updated.value == 12.2 and updated.status == "firing"

    # A revision that clears the deviation resolves it.
    fix = value_event(ind, "2023", 11.2, 11.0, computed_at=later(seconds=3))
    [resolved] = service.handle_indicator_value(session=session, event=fix, now=later(2))
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    _, history = service.get_alert(session=session, alert_id=alert.id)
    assert [h.transition for h in history] == ["opened", "updated", "resolved"]
    assert mine(session, sid) == [("firing", 1), ("resolved", 1)]


def test_late_correction_of_the_year_ago_value(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, YOY)
    ok = value_event(ind, "2023-H1", 10.0, 10.0)
    assert service.handle_indicator_value(session=session, event=ok, now=NOW) == []
    # The 2022-H1 figure was corrected downwards; the worker re-emits 2023-H1.
    corrected = value_event(ind, "2023-H1", 10.0, 9.0, computed_at=later(seconds=5))
    [alert] = service.handle_indicator_value(session=session, event=corrected, now=later(1))
    assert alert.status == "firing" and alert.expected == 9.0
    # An older event replayed after the newer one (redelivered batch) changes nothing.
    stale = value_event(ind, "2023-H1", 10.0, 10.0, computed_at=later(seconds=1))
    assert service.handle_indicator_value(session=session, event=stale, now=later(2)) == []
    assert alerts_of(session, ind)[0].status == "firing"


def test_no_year_ago_and_suppressed_values(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, YOY)
    first = value_event(ind, "2023", 99.0, None)
    assert service.handle_indicator_value(session=session, event=first, now=NOW) == []
    fires = value_event(ind, "2023", 99.0, 10.0, computed_at=later(seconds=1))
    [alert] = service.handle_indicator_value(session=session, event=fires, now=NOW)
    # The cell became suppressed: nothing to judge, so the alert resolves.
    hidden = value_event(ind, "2023", None, 10.0, computed_at=later(seconds=2))
    [res] = service.handle_indicator_value(session=session, event=hidden, now=NOW)
    assert res.id == alert.id and res.status == "resolved" and "suppressed" in res.reason


def test_definition_after_values_change_republish_and_delete(session: Session) -> None:
    ind = indicator_id()
    ev = value_event(ind, "2023", 12.0, 11.0)
    other = value_event(ind, "2023", 15.0, 11.0, area="2460")
    for e in (ev, other):
        assert service.handle_indicator_value(session=session, event=e, now=NOW) == []
    # The definition arrives later: stored values are evaluated then. 2460 is not covered.
    define(session, ind, YOY, areas=["2480"])
    [alert] = alerts_of(session, ind)
    assert alert.area == "2480" and alert.status == "firing"
    # The same definition again (periodic republication): nothing happens.
    same = upserted(ind, YOY, areas=["2480"])
    assert service.handle_registry_event(session=session, event=same, now=later(1)) is None
    # An older version read later from the start of the topic cannot roll it back.
    older = upserted(ind, [{"kind": "yoy_rise", "tolerance": 5}], version=0, areas=["2480"])
    assert service.handle_registry_event(session=session, event=older, now=later(1)) is None
    # A new version with a wider tolerance clears it; another convener takes over.
    change = service.handle_registry_event(
        session=session, now=later(2),
        event=upserted(ind, [{"kind": "yoy_rise", "tolerance": 2}], version=2,
                       convener="arbetsformedlingen", areas=["2480"]))
    assert change is not None and change[1] is not None and change[1].version == 2
    assert {(a.area, a.status) for a in alerts_of(session, ind)} == {("2480", "resolved")}
    # Another rule for every area fires both for the new convener, then the indicator goes.
    define(session, ind, [{"kind": "band", "high": 11}], version=3,
           convener="arbetsformedlingen")
    assert {(a.area, a.rule, a.status, a.convener) for a in alerts_of(session, ind)} >= {
        ("2480", "band", "firing", "arbetsformedlingen"),
        ("2460", "band", "firing", "arbetsformedlingen")}
    # yoy_rise is not in the definition any more; its alert stays resolved.
    assert service.handle_registry_event(
        session=session, now=later(3),
        event=IndicatorDeleted(type="indicator.deleted", plan_year=2024, id=ind)) == (ind, None)
    assert all(a.status == "resolved" for a in alerts_of(session, ind))
    assert ind not in {d.id for d in all_definitions(session=session)}


def test_cache_is_used_when_given(session: Session) -> None:
    ind = indicator_id()
    cache = DefinitionCache()
    change = service.handle_registry_event(session=session, event=upserted(ind, YOY), now=NOW)
    assert change is not None and change[1] is not None
    cache.put(change[1])
    ev = value_event(ind, "2023", 12.0, 11.0)
    assert len(service.handle_indicator_value(session=session, event=ev, now=NOW,
                                              cache=cache)) == 1


def test_acknowledge_escalate_and_reopen(session: Session) -> None:
    ind = indicator_id()
    fk_sub = subscribe(session)
    assoc_sub = subscribe(session, "samordningsforbundet")
    define(session, ind, YOY)
    [a] = service.handle_indicator_value(session=session, now=NOW,
                                         event=value_event(ind, "2023", 12.0, 11.0, area="2460"))
    [b] = service.handle_indicator_value(session=session, now=NOW,
                                         event=value_event(ind, "2023", 12.0, 11.0, area="2480"))
    with pytest.raises(service.Forbidden):
        service.acknowledge(session=session, alert_id=a.id, principal=AF, now=later(1))
    with pytest.raises(service.NotFound):
        service.acknowledge(session=session, alert_id="nope", principal=FK, now=later(1))
    acked = service.acknowledge(session=session, alert_id=a.id, principal=FK, now=later(1))
    assert acked.status == "acknowledged" and acked.acknowledged_by == "forsakringskassan"
    assert service.acknowledge(session=session, alert_id=a.id, principal=FK,
                               now=later(2)).acknowledged_at == later(1)  # idempotent

    # Not yet due; then b (firing, unacknowledged) escalates once, a (acknowledged) does not.
    kw: dict[str, Any] = {"after_days": 7, "association": "samordningsforbundet"}
    assert b not in sweeps.escalate_overdue(session=session, now=later(6), **kw)
    escalated = sweeps.escalate_overdue(session=session, now=later(8), **kw)
    assert b in escalated and a not in escalated
    assert b not in sweeps.escalate_overdue(session=session, now=later(9), **kw)
    assert ("escalated", 1) in mine(session, assoc_sub)
    assert ("escalated", 1) not in mine(session, fk_sub)

    # An acknowledged alert still resolves, and a resolved one cannot be acknowledged.
    service.handle_indicator_value(session=session, now=later(10), event=value_event(
        ind, "2023", 11.0, 11.0, area="2460", computed_at=later(10)))
    with pytest.raises(service.Conflict):
        service.acknowledge(session=session, alert_id=a.id, principal=FK, now=later(11))
    # Firing again reopens the same alert as a new episode, announced again.
    [re] = service.handle_indicator_value(session=session, now=later(12), event=value_event(
        ind, "2023", 13.0, 11.0, area="2460", computed_at=later(12)))
    assert re.id == a.id and re.episode == 2 and re.status == "firing"
    assert re.acknowledged_at is None
    assert [t for t in mine(session, fk_sub) if t[0] != "escalated"] == [
        ("firing", 1), ("firing", 1), ("resolved", 1), ("firing", 2)]
    _, history = service.get_alert(session=session, alert_id=a.id)
    assert [h.transition for h in history] == [
        "opened", "acknowledged", "resolved", "reopened"]


def test_control_limit_and_a_corrected_history(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, [{"kind": "control_limit"}])
    history = [10.0, 12.0, 11.0, 13.0, 12.0, 11.0]
    for i, v in enumerate(history, start=1):
        service.handle_indicator_value(session=session, now=NOW,
                                       event=value_event(ind, f"2023-{i:02d}", v))
    [alert] = service.handle_indicator_value(session=session, now=NOW,
                                             event=value_event(ind, "2023-07", 16.0))
    assert alert.status == "firing" and alert.expected == pytest.approx(11.5 + 2.66 * 1.4)
    # A late correction of an earlier month widens the limits: the July alert resolves.
    fix = value_event(ind, "2023-03", 15.0, computed_at=later(seconds=1))
    changed = service.handle_indicator_value(session=session, now=later(1), event=fix)
    assert [(c.period, c.status) for c in changed] == [("2023-07", "resolved")]


def test_target_and_band_rules(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, [{"kind": "target_missed"}, {"kind": "band", "low": 0, "high": 100}],
           target={"value": 50, "direction": "fall", "date": "2023-12-31"})
    assert service.handle_indicator_value(session=session, now=NOW,
                                          event=value_event(ind, "2023-06", 70.0)) == []
    [alert] = service.handle_indicator_value(session=session, now=NOW,
                                             event=value_event(ind, "2023", 70.0))
    assert alert.rule == "target_missed" and alert.expected == 50


def test_stale_sweep(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, [{"kind": "stale", "grace_days": 10}])
    for period in ("2024-01", "2024"):
        service.handle_indicator_value(session=session, now=NOW,
                                       event=value_event(ind, period, 5.0))
    defs = [d for d in all_definitions(session=session) if d.id == ind]
    assert sweeps.check_stale(session=session, now=NOW, definitions=defs) == []
    [alert] = sweeps.check_stale(session=session, now=later(20), definitions=defs)
    assert (alert.period, alert.rule, alert.value) == ("2024-02", "stale", None)
    assert sweeps.check_stale(session=session, now=later(21), definitions=defs) == []
    # The missing month arrives: the stale alert resolves.
    [res] = service.handle_indicator_value(session=session, now=later(22),
                                           event=value_event(ind, "2024-02", 5.0))
    assert res.id == alert.id and res.status == "resolved"


def test_silence_suppresses_delivery_not_the_alert(session: Session) -> None:
    ind = indicator_id()
    sid = subscribe(session, "kriminalvarden")
    define(session, ind, YOY, convener="kriminalvarden")
    session.add(Silence(id=str(uuid.uuid4()), indicator=ind, area="2480", convener=None,
                        created_at=NOW, created_by="test", expires_at=later(1)))
    session.flush()
    for area in ("2480", "2460"):
        service.handle_indicator_value(session=session, now=NOW,
                                       event=value_event(ind, "2023", 12.0, 11.0, area=area))
    assert {a.status for a in alerts_of(session, ind)} == {"firing"}
    notices = deliveries.claim_due(session=session, now=NOW, limit=1000,
                                   lease=timedelta(minutes=2), public_base_url="http://x/").notices
    mine_notices = [n for n in notices if n.target == HOOK and n.alert.indicator == ind]
    assert [n.alert.area for n in mine_notices] == ["2460"]
    assert mine_notices[0].link == f"http://x/indicators/{ind}?area=2460"
    statuses = dict(session.execute(
        select(Alert.area, Delivery.status).join(Alert, Alert.id == Delivery.alert_id)
        .where(Delivery.subscription_id == sid)).tuples().all())
    assert statuses == {"2480": "silenced", "2460": "pending"}
    # Reserved for the lease: not handed out twice.
    again = deliveries.claim_due(session=session, now=later(seconds=1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="http://x/").notices
    assert not [n for n in again if n.alert.indicator == ind]


def test_registry_event_documents() -> None:
    doc = registry_doc("fye_share", YOY)
    assert upserted("fye_share", YOY).indicator.id == doc["indicator"]["id"]


def test_deliveries_keep_their_order_per_receiver(session: Session) -> None:
    ind = indicator_id()
    sid = subscribe(session, "region-vasterbotten")
    define(session, ind, YOY, convener="region-vasterbotten")
    service.handle_indicator_value(session=session, now=NOW,
                                   event=value_event(ind, "2023", 12.0, 11.0))
    service.handle_indicator_value(session=session, now=NOW, event=value_event(
        ind, "2023", 11.0, 11.0, computed_at=later(seconds=1)))
    assert mine(session, sid) == [("firing", 1), ("resolved", 1)]

    def claim(at: datetime) -> list[str]:
        notices = deliveries.claim_due(session=session, now=at, limit=1000,
                                       lease=timedelta(seconds=30),
                                       public_base_url="http://x").notices
        return [n.transition for n in notices
                if n.alert.indicator == ind and n.target == HOOK]

    # "resolved" waits while "firing" is on its way (claimed, or failed and retrying) ...
    assert claim(NOW) == ["firing"]
    assert claim(later(seconds=60)) == ["firing"]  # the lease ran out: firing again
    [first] = [d for d in session.scalars(select(Delivery).where(
        Delivery.subscription_id == sid, Delivery.transition == "firing"))]
    # ... and goes once firing is through.
    assert deliveries.record_attempt(session=session, delivery_id=first.id, error=None,
                                     now=later(seconds=61), max_attempts=3, base=1,
                                     cap=1) == "sent"
    assert claim(later(seconds=62)) == ["resolved"]


def test_retry_schedule_and_dead_letter(session: Session) -> None:
    ind = indicator_id()
    sid = subscribe(session, "region-vasterbotten")
    define(session, ind, YOY, convener="region-vasterbotten")
    service.handle_indicator_value(session=session, now=NOW,
                                   event=value_event(ind, "2023", 12.0, 11.0))
    [d] = session.scalars(select(Delivery).where(Delivery.subscription_id == sid))
    kw: dict[str, Any] = {"max_attempts": 3, "base": 10.0, "cap": 15.0}
    assert deliveries.record_attempt(session=session, delivery_id=d.id, error="HTTP 503",
                                     now=NOW, **kw) == "failed"
    assert d.next_attempt_at == later(seconds=10) and d.last_error == "HTTP 503"
    deliveries.record_attempt(session=session, delivery_id=d.id, error="HTTP 503", now=NOW, **kw)
    assert d.next_attempt_at == later(seconds=15)  # 20 s capped at 15
    assert deliveries.record_attempt(session=session, delivery_id=d.id, error="timeout",
                                     now=NOW, **kw) == "dead"
    assert d.attempts == 3 and d.sent_at is None


def test_an_incomplete_period_is_not_judged_until_complete(session: Session) -> None:
    ind = indicator_id()
    define(session, ind, YOY)
    partial = value_event(ind, "2024", 3.0, 11.0).model_copy(update={"complete": False})
    assert service.handle_indicator_value(session=session, event=partial, now=NOW) == []
    rising = value_event(ind, "2024", 12.0, 11.0).model_copy(update={"complete": False})
    assert service.handle_indicator_value(session=session, event=rising, now=later(1)) == []
    whole = value_event(ind, "2024", 12.0, 11.0, computed_at=later(2))
    [alert] = service.handle_indicator_value(session=session, event=whole, now=later(2))
    assert alert.status == "firing"
    # A later, still incomplete revision neither resolves nor re-fires it.
    again = value_event(ind, "2024", 1.0, 11.0, computed_at=later(3)).model_copy(
        update={"complete": False})
    assert service.handle_indicator_value(session=session, event=again, now=later(3)) == []
    assert alerts_of(session, ind)[0].status == "firing"
