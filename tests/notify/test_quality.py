"""Data-quality findings become alerts for the agency that reported the figures."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from services.notify.alerts.quality import handle_data_quality
from services.notify.alerts.service import list_alerts

from .factory import NOW, later


def finding(status: str, total: float, parts_sum: float, period: str) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": status,
            "agency": "samordningsforbundet", "measure": "coordination_need_persons",
            "area": "umearegionen", "period": period, "dimension": "target_group",
            "dimensions": {}, "total": total, "parts": {}, "parts_sum": parts_sum,
            "difference": parts_sum - total, "detected_at": NOW.isoformat()}


def test_mismatch_opens_once_and_a_correction_resolves(session: Session) -> None:
    period = "2023"
    alert = handle_data_quality(session=session, doc=finding("mismatch", 2670, 2833, period),
                                now=NOW)
    assert alert is not None and alert.status == "firing" and alert.rule == "data_quality"
    assert alert.convener == "samordningsforbundet"
    assert (alert.value, alert.expected) == (2670, 2833)
    assert "2833" in alert.reason
    again = handle_data_quality(session=session, doc=finding("mismatch", 2670, 2833, period),
                                now=later(1))
    assert again is None  # the same finding twice is one alert
    resolved = handle_data_quality(session=session, doc=finding("ok", 2833, 2833, period),
                                   now=later(2))
    assert resolved is not None and resolved.status == "resolved"
    assert [a.id for a in list_alerts(session=session, indicator=alert.indicator)
            if a.period == period] == [alert.id]


def test_a_digest_links_a_data_quality_alert_to_its_inbox_page(session: Session) -> None:
    """It names a measure, not an indicator: there is no indicator page to link to."""
    from services.notify.digests.service import summarize
    from services.notify.inbox.links import Links

    alert = handle_data_quality(session=session, doc=finding("mismatch", 2670, 2833, "2022"),
                                now=NOW)
    assert alert is not None
    summary = summarize(session=session, convener="samordningsforbundet", week="2024-W10",
                        start=NOW, end=later(7), public_base_url="https://pages.example",
                        links=Links(["a secret of sixteen+"], "https://notify.example/", 60))
    [group] = [i for g in summary["open"] for i in g["indicators"]
               if i["indicator"] == alert.indicator]
    assert group["link"] == "https://notify.example/inbox"
    [mine] = [a for a in group["alerts"] if a["id"] == alert.id]
    assert mine["link"] == f"https://notify.example/inbox/{alert.id}"
