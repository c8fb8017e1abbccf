"""Inbox cards of one indicator showed its values at mixed precision: "247 dagar" beside
"247,9 dagar", as if measured differently. The kit's rule (formatting.decimals_by): one
indicator's values on a page have one precision, that of the value needing most (at most
one decimal from 10 up); a share keeps its unit's one decimal. Swedish and English."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.db import session_scope
from samstat_kit.present import formatting
from services.notify.alerts.models import Alert

from .test_inbox_pages import FK, alert_of, auth, client  # noqa: F401 (fixtures)

NBSP = "\u00a0"


def _second(client: TestClient, alert: Alert, value: float, area: str) -> None:  # noqa: F811
    """Another area's alert of the same indicator (its unit, days, from the registry)."""
    with session_scope(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        a = s.scalars(select(Alert).where(Alert.id == alert.id)).one()
        s.add(Alert(id=str(uuid.uuid4()), dedup_key=f"{a.indicator}|{area}|{uuid.uuid4()}",
                    initiative=a.initiative, indicator=a.indicator, area=area, period=a.period,
                    rule=a.rule, value=value, expected=a.expected, status=a.status,
                    convener=a.convener, follow_up_owner=a.follow_up_owner, reason=a.reason,
                    episode=1, created_at=a.created_at, updated_at=a.updated_at,
                    fired_at=a.fired_at, reminders=0))


@pytest.mark.parametrize(("lang", "whole", "part"), [
    ("sv", f"247,0{NBSP}dagar", f"247,9{NBSP}dagar"),
    ("en", f"247.0{NBSP}days", f"247.9{NBSP}days")])
def test_one_indicator_s_values_have_one_precision(client: TestClient, auth: dict,  # noqa: F811
                                                    lang: str, whole: str, part: str) -> None:
    alert = alert_of(client, unit="days", years=[("2022", 200.0, 190.0),
                                                 ("2023", 210.0, 200.0),
                                                 ("2024", 247.9, 210.0)])
    _second(client, alert, 247.0, "2482")
    page = client.get(f"/inbox?lang={lang}", headers=auth[FK]).text
    values = re.findall(r'<td class="num c-value"[^>]*>([^<]*)</td>', page)
    assert part in values and whole in values, values
    assert f">247{NBSP}" not in page


def test_the_kit_s_rule() -> None:
    places = formatting.decimals_by([("a", "days", 247.0), ("a", "days", 247.9),
                                     ("b", "persons", 12.0), ("b", "persons", 30.0),
                                     ("c", "share", 0.1234)])
    assert places == {"a": 1, "b": 0, "c": None}
