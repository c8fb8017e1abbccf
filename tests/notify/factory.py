"""Builders for the events and rows the notify tests need."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import ConsumerRecord

from samstat_kit.auth.service import issue
from samstat_kit.db import session_factory, session_scope
from services.notify.events import IndicatorUpserted, IndicatorValueEvent

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def indicator_id(prefix: str = "t") -> str:
    """Unique per test, because the session-scoped databases keep what other tests commit."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def value_doc(indicator: str, period: str, value: float | None, year_ago: float | None = None,
              *, area: str = "2480", previous: float | None = None,
              computed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "indicator": indicator, "area": area, "period": period,
        "value": value, "previous_value": previous, "year_ago_value": year_ago,
        "unit": "percent", "complete": True,
        "computed_at": (computed_at or NOW).isoformat().replace("+00:00", "Z"),
    }


def value_event(*args: Any, **kwargs: Any) -> IndicatorValueEvent:
    return IndicatorValueEvent.model_validate(value_doc(*args, **kwargs))


def registry_doc(indicator: str, rules: list[dict[str, Any]], *, version: int = 1,
                 convener: str = "forsakringskassan", areas: list[str] | None = None,
                 target: dict[str, Any] | None = None, plan_year: int = 2024,
                 initiative: int | None = 2, follow_up_owner: str | None = None,
                 contacts: list[dict[str, Any]] | None = None,
                 title_sv: str = "Dagar till gemensam kartläggning",
                 title_en: str = "Days to joint mapping",
                 initiative_title: str | None = None) -> dict[str, Any]:
    """An ``indicator.upserted`` event; the follow-up owner is the convener unless given,
    and ``contacts`` is left out unless given (as the initiatives service does today)."""
    doc: dict[str, Any] = {
        "type": "indicator.upserted", "plan_year": plan_year, "version": version,
        "indicator": {
            "id": indicator, "initiative": initiative,
            "title_sv": title_sv, "title_en": title_en,
            "convener": convener, "follow_up_owner": follow_up_owner or convener,
            "unit": "days", "formula": {"kind": "ratio"},
            "areas": areas if areas is not None else [], "target": target, "rules": rules,
        },
    }
    if contacts is not None:
        doc["contacts"] = contacts
    if initiative_title is not None:  # sent by the registry since it was added
        doc["indicator"]["initiative_title"] = initiative_title
    return doc


def upserted(*args: Any, **kwargs: Any) -> IndicatorUpserted:
    return IndicatorUpserted.model_validate(registry_doc(*args, **kwargs))


def later(days: float = 0, seconds: float = 0, hours: float = 0) -> datetime:
    return NOW + timedelta(days=days, seconds=seconds, hours=hours)


def agency_id() -> str:
    """An agency code of this test's own, so no other test's subscriptions route to it."""
    return f"t-{uuid.uuid4().hex[:10]}"


def record(doc: Any, offset: int = 0, topic: str = "test") -> ConsumerRecord:
    """A Kafka record as the consumers see it, for feeding the processor without a broker."""
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return ConsumerRecord(topic=topic, partition=0, offset=offset, timestamp=0,
                          timestamp_type=0, key=None, value=raw, checksum=None,
                          serialized_key_size=0, serialized_value_size=len(raw), headers=())


def tokens(url: str, *agencies: str) -> dict[str, dict[str, str]]:
    """Bearer headers: "admin" plus one per agency."""
    out: dict[str, str] = {}
    with session_scope(session_factory(url)) as s:
        out["admin"] = issue(session=s, scope="admin")
        for agency in agencies:
            out[agency] = issue(session=s, scope="agency", agency=agency)
    return {k: {"Authorization": f"Bearer {v}"} for k, v in out.items()}


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
