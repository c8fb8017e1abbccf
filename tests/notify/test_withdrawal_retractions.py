"""A value taken back (indicator-value ``withdrawn: true``: every input cell withdrawn) and a
data-quality finding with nothing left to compare resolve their alerts (SQLite and
PostgreSQL, each test rolls back)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from samstat_kit.contracts import validator
from services.notify.alerts import service
from services.notify.alerts.quality import handle_data_quality
from services.notify.alerts.values import series
from services.notify.events import IndicatorValueEvent

from .factory import NOW, indicator_id, later, upserted, value_doc
from .test_quality import finding


def test_a_retracted_value_resolves_its_alert_and_is_stored_as_no_value(
        session: Session) -> None:
    ind = indicator_id()
    service.handle_registry_event(
        session=session, event=upserted(ind, [{"kind": "band", "high": 100}]), now=NOW)
    [alert] = service.handle_indicator_value(
        session=session, event=IndicatorValueEvent.model_validate(
            value_doc(ind, "2024-03", 170.0)), now=NOW)
    assert alert.status == "firing"
    doc = value_doc(ind, "2024-03", None, previous=170.0, computed_at=later(1)) | {
        "complete": False, "components": {}, "input_revisions": {}, "withdrawn": True}
    validator("indicator-value", 1).validate(doc)
    event = IndicatorValueEvent.model_validate(doc)
    assert event.withdrawn
    # as the consumer handles a batch: its cells claimed and open alerts found up front
    prefetched = service.prefetch(session=session, events=[event], now=later(1))
    [resolved] = service.handle_indicator_value(session=session, event=event, now=later(1),
                                                prefetched=prefetched)
    assert (resolved.id, resolved.status) == (alert.id, "resolved")
    assert "withdrawn" in resolved.reason
    [stored] = series(session=session, indicator=ind, area="2480")
    assert (stored.value, stored.previous_value, stored.complete) == (None, 170.0, False)


def test_a_finding_with_nothing_left_to_compare_resolves_its_alert(session: Session) -> None:
    opened = handle_data_quality(session=session, doc=finding("mismatch", 2670, 2833, "2021"),
                                 now=NOW)
    assert opened is not None and opened.status == "firing"
    gone = finding("ok", 2670, 2833, "2021") | {"compared": False}
    resolved = handle_data_quality(session=session, doc=gone, now=later(1))
    assert resolved is not None and resolved.status == "resolved"
    assert "nothing left to compare" in resolved.reason


def test_a_withdrawn_month_is_expected_again_by_the_stale_rule(session: Session) -> None:
    """January and February arrived, then February was taken back: the stale rule expects
    February again (it used to take it as arrived and wait for March). A month withheld
    (null, not withdrawn) has arrived."""
    from services.notify.alerts import sweeps
    from services.notify.alerts.definitions import all_definitions

    ind = indicator_id()
    service.handle_registry_event(
        session=session, event=upserted(ind, [{"kind": "stale", "grace_days": 10}]), now=NOW)
    for period in ("2024-01", "2024-02"):
        service.handle_indicator_value(session=session, now=NOW, event=IndicatorValueEvent
                                       .model_validate(value_doc(ind, period, 5.0)))
    gone = value_doc(ind, "2024-02", None, previous=5.0, computed_at=later(1)) | {
        "complete": False, "components": {}, "input_revisions": {}, "withdrawn": True}
    service.handle_indicator_value(session=session, now=later(1),
                                   event=IndicatorValueEvent.model_validate(gone))
    defs = [d for d in all_definitions(session=session) if d.id == ind]
    [alert] = sweeps.check_stale(session=session, now=later(20), definitions=defs)
    assert (alert.period, alert.rule) == ("2024-02", "stale")
    # withheld, not withdrawn: February has arrived, nothing is overdue at that moment
    other = indicator_id()
    service.handle_registry_event(
        session=session, event=upserted(other, [{"kind": "stale", "grace_days": 10}]), now=NOW)
    for period, value in (("2024-01", 5.0), ("2024-02", None)):
        service.handle_indicator_value(session=session, now=NOW, event=IndicatorValueEvent
                                       .model_validate(value_doc(other, period, value)))
    defs = [d for d in all_definitions(session=session) if d.id == other]
    assert sweeps.check_stale(session=session, now=later(20), definitions=defs) == []
