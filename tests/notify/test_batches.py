"""A polled batch of values is read from the database up front (alerts.service.prefetch); the
outcome must be what handling its values one by one gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts.definitions import DefinitionCache
from services.notify.alerts.models import FIRING, RESOLVED, Alert, IndicatorValue
from services.notify.consumers import Processor

from .factory import indicator_id, later, record, registry_doc, value_doc


def _state(db_url: str, ind: str) -> tuple[dict[str, float | None], dict[str, str]]:
    with session_scope(session_factory(db_url)) as s:
        values = {v.area: v.value for v in s.scalars(
            select(IndicatorValue).where(IndicatorValue.indicator == ind))}
        alerts = {a.area: a.status for a in s.scalars(select(Alert).where(Alert.indicator == ind))}
    return values, alerts


def test_a_batch_ends_as_its_values_one_by_one(db_url: str) -> None:
    processor = Processor(session_factory(db_url), DefinitionCache())
    ind = indicator_id()
    processor.registry([record(registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}],
                                            areas=["2480", "2460", "2404"]))])
    rise = value_doc(ind, "2023", 12.5, 11.0, area="2480")
    fixed = value_doc(ind, "2023", 11.2, 11.0, area="2480", computed_at=later(hours=1))
    other = value_doc(ind, "2023", 13.0, 11.0, area="2460")
    # 2480 rises then is corrected within the batch; the old event comes again after the
    # correction (a redelivery) and must not win; 2460 rises.
    batch = [rise, other, fixed, rise]
    processor.indicator_values([record(d, offset=i) for i, d in enumerate(batch)])
    values, alerts = _state(db_url, ind)
    assert values == {"2480": 11.2, "2460": 13.0}
    assert alerts == {"2480": RESOLVED, "2460": FIRING}

    # The next batch: 2460 drops out of the definition, then a value of it arrives together
    # with a first value of 2404. The open alert is found and resolved; nothing else opens.
    processor.registry([record(registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}],
                                            areas=["2480", "2404"], version=2))])
    again = value_doc(ind, "2023", 13.5, 11.0, area="2460", computed_at=later(hours=2))
    first = value_doc(ind, "2023", 10.0, 11.0, area="2404")
    processor.indicator_values([record(again, offset=10), record(first, offset=11)])
    values, alerts = _state(db_url, ind)
    assert values == {"2480": 11.2, "2460": 13.5, "2404": 10.0}
    assert alerts == {"2480": RESOLVED, "2460": RESOLVED}
