"""A cell has one spelling. A period written another way ("2023-10\n", full-width or
Arabic-Indic digits) once passed the period check and was stored as sent: a second October
linked to none of the real October's totals and parts, so a total sent that way beside its
parts published normally gave the hidden small part away (an independent review)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit import periods
from tests.privacy.conftest import cell, publish

GK = "gk_referrals"
SPELLINGS = ["2023-10\n", "2023-10\r\n", "\uff12\uff10\uff12\uff13-10",
             "\u0662\u0660\u0662\u0663-10", "2023-\u0661\u0660", " 2023-10", "2023-10 "]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_another_spelling_of_a_period_is_refused(spelling: str) -> None:
    with pytest.raises(ValueError, match="period"):
        periods.parse(spelling)


@pytest.mark.parametrize("spelling", SPELLINGS[:3])
def test_a_total_spelled_otherwise_cannot_give_a_hidden_part_away(
        client: TestClient, token: Any, spelling: str) -> None:
    def gk(value: float, group: str, period: str = "2023-10") -> dict[str, Any]:
        return cell(GK, "2480", period, value, group=group, sex="_T")

    receipt = publish(client, token("forsakringskassan"), [
        gk(10, "sick_listed_unemployed"), gk(11, "other"), gk(3, "young_activity_compensation"),
        gk(24, "_T", period=spelling)])
    assert [(r["index"], r["field"]) for r in receipt["rejected"]] == [(3, "period")]
    shown = {(c["period"], c["dimensions"]["group"]): c["value"] for c in client.get(
        "/v1/cells", params={"measure": GK, "area": "2480"},
        headers={"Authorization": f"Bearer {token('arbetsformedlingen')}"}).json()}
    assert all(period == "2023-10" for period, _ in shown)
    assert shown.get(("2023-10", "young_activity_compensation")) is None
