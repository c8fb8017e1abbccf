"""Notify's event models agree with the contract in schemas/ and the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from samstat_kit.contracts import SCHEMAS_DIR, validator
from services.notify.events import (
    IndicatorDeleted,
    IndicatorUpserted,
    parse_indicator_value,
    parse_registry_event,
)

from .factory import registry_doc, value_doc

EXAMPLES = sorted((SCHEMAS_DIR / "examples" / "indicator-value.v1").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_schema_examples_parse(path: Path) -> None:
    doc = json.loads(path.read_text())
    event = parse_indicator_value(doc)
    assert (event.indicator, event.area, event.period) == (
        doc["indicator"], doc["area"], doc["period"])
    assert event.computed_at.tzinfo is not None


def test_test_events_follow_the_schema() -> None:
    validator("indicator-value", 1).validate(value_doc("fye_share", "2023-H1", None, 1.5))


def test_invalid_events_are_refused_and_extra_fields_ignored() -> None:
    good = value_doc("fye_share", "2023", 1.0)
    assert parse_indicator_value(good | {"new_field": 1}).value == 1.0
    for bad in ({"period": "2023-13"}, {"area": "Umeå"}, {"computed_at": "2024-01-01T00:00"},
                {"event_id": "not-a-uuid"}, {"indicator": "Bad-Id"}, {"value": float("nan")},
                {"year_ago_value": float("inf")}):
        with pytest.raises(ValidationError):
            parse_indicator_value(good | bad)


def test_registry_events_from_the_contract_doc() -> None:
    up = parse_registry_event(registry_doc("fye_share", [{"kind": "yoy_rise",
                                                          "tolerance": 0.005}]))
    assert isinstance(up, IndicatorUpserted) and up.indicator.rules[0]["kind"] == "yoy_rise"
    gone = parse_registry_event({"type": "indicator.deleted", "plan_year": 2024, "id": "x_y"})
    assert isinstance(gone, IndicatorDeleted) and gone.id == "x_y"
    assert parse_registry_event({"type": "plan.published"}) is None
    with pytest.raises(ValidationError):
        parse_registry_event({"type": "indicator.upserted", "plan_year": 2024})


def test_lease_must_outlast_the_slowest_send() -> None:
    from services.notify.config import NotifySettings

    with pytest.raises(ValidationError):
        NotifySettings(dispatch_lease_seconds=20, smtp_timeout_seconds=10)
    assert NotifySettings().escalate_after_days == 7
