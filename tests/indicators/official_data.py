"""SCB's shipped samples, through the worker's FYE processor (no faust), as the read model gets
them: shared by the official-figure, export and page tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete as sql_delete

from samstat.importers import scb
from samstat_kit.db import session_factory, session_scope
from samstat_kit.periods import Period
from services.indicators.api import service
from services.indicators.api.models import IndicatorValue, IndicatorVersion
from services.indicators.domain.fye import official
from services.indicators.domain.fye.processor import FyeProcessor
from services.indicators.domain.values import Emitter

SAMPLES = Path(scb.__file__).parent / "samples" / "scb"
IMPORTED_AT = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def scb_observations() -> list[dict[str, Any]]:
    out = []
    for name in ("TAB638.json", "TAB1386.px"):
        for n, doc in enumerate(scb.observations(SAMPLES / name)[1]):
            out.append(doc | {"agency": "scb", "revision": 1, "event_id": f"{name}-{n}"})
    return out


def clock(start: datetime) -> Iterator[datetime]:
    t = start
    while True:
        yield t
        t += timedelta(milliseconds=1)


def processor(start: datetime = IMPORTED_AT) -> FyeProcessor:
    ticks = clock(start)
    return FyeProcessor({}, {}, Emitter({}), {}, clock=lambda: next(ticks))


def official_docs(fye: FyeProcessor | None = None,
                  observations: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    fye = fye or processor()
    docs = [d for _k, d in fye.apply_observations(
        scb_observations() if observations is None else observations)]
    fye.emitter.confirm()
    return docs


def official_total(fye: FyeProcessor, area: str, period: Period) -> float:
    """SCB's total full-year equivalents of (area, period) in the processor's state, read
    through the domain's own functions (a year from its months)."""
    parts = official.parts_of(period, lambda code: fye.official.get(f"{area}|{code}"))
    total = official.values_of(period, parts)[(official.TOTAL, official.TOTAL)]
    assert total is not None
    return total


def load(db_url: str, docs: Iterable[dict[str, Any]]) -> None:
    with session_scope(session_factory(db_url)) as session:
        service.upsert_values(session=session, docs=list(docs))


def delete(db_url: str, docs: Iterable[dict[str, Any]]) -> None:
    """Remove the values and every version of the documents' keys."""
    keys = {(d["indicator"], d["area"], d["period"]) for d in docs}
    with session_scope(session_factory(db_url)) as session:
        for model in (IndicatorValue, IndicatorVersion):
            for indicator in {k[0] for k in keys}:
                session.execute(sql_delete(model).where(
                    model.indicator == indicator,
                    model.area.in_({k[1] for k in keys if k[0] == indicator}),
                    model.period.in_({k[2] for k in keys if k[0] == indicator})))
