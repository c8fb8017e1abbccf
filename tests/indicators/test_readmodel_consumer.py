"""One polled batch of the read model's two topics (services/indicators/app.py): values are
applied, the registry's titles kept, and a registry record that cannot be read never holds
the values back. On both databases, rolled back."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.kafka import Topics
from services.indicators.api import titles
from services.indicators.api.models import IndicatorValue
from services.indicators.app import apply_records

from .test_readmodel_data import value_doc

TOPICS = Topics("samstat")


def _record(topic: str, doc: Any) -> Any:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return SimpleNamespace(topic=topic, value=raw)


def test_values_and_titles_from_one_batch(session: Session) -> None:
    ind = "t_" + uuid.uuid4().hex[:12]
    upsert = {"type": "indicator.upserted", "plan_year": 2024, "version": 1,
              "indicator": {"id": ind, "title_sv": "Svensk titel", "title_en": "English title"}}
    apply_records([
        _record(TOPICS.registry, b"{not json"),
        _record(TOPICS.registry, {"type": "indicator.upserted", "indicator": {"title_sv": 1}}),
        _record(TOPICS.indicator_values, value_doc(ind, "2480", "2024-03", 12.0)),
        _record(TOPICS.registry, upsert),
        SimpleNamespace(topic=TOPICS.registry, value=None),  # a tombstone
        _record("samstat.somewhere-else", value_doc(ind, "2480", "2024-04", 13.0)),
    ], TOPICS, session=session)
    stored = session.scalars(select(IndicatorValue).where(IndicatorValue.indicator == ind)).all()
    assert [(v.period, v.value) for v in stored] == [("2024-03", 12.0)]
    assert titles.titles(session=session, indicators=[ind]) == {
        ind: {"sv": "Svensk titel", "en": "English title"}}
