"""The alert page's "why": the input cells and their revisions, read from the real ingest
service over HTTP (its app on the same database, reached through an ASGI transport) with the
reader's own token; values ingest withholds are shown as protected ("skyddad")."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.anonymity import new_event_id
from samstat_kit.db import session_scope
from services.ingest.app import create_app as create_ingest
from services.ingest.config import IngestSettings
from services.notify.alerts.models import Alert
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.texts import agency_name

from .factory import indicator_id, record, registry_doc, tokens, value_doc

UMEA = "kommun-2480"
MEASURE = "torget_discharges_to_occupation"


@pytest.fixture
def apps(sqlite_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    ingest = create_ingest(IngestSettings(database_url=sqlite_url, suppression_threshold=5))
    notify = create_app(NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                                       sweep_interval_seconds=3600, digest_enabled=False))
    notify.state.inbox_settings.ingest_url = "http://ingest.test"
    notify.state.ingest_transport = httpx.ASGITransport(app=ingest)
    with TestClient(ingest) as i, TestClient(notify) as n:
        yield i, n


def observation(sex: str, value: float, revision: int = 1) -> dict:
    return {"event_id": new_event_id(), "agency": UMEA, "measure": MEASURE, "area": "2480",
            "period": "2019", "dimensions": {"sex": sex}, "value": value, "unit": "persons",
            "revision": revision, "produced_at": datetime.now(UTC).isoformat()}


def test_the_alert_page_shows_the_input_cells(apps: tuple[TestClient, TestClient],
                                             sqlite_url: str) -> None:
    ingest, notify = apps
    auth = tokens(sqlite_url, UMEA)[UMEA]
    sent = ingest.post("/v1/observations", headers=auth, json={"observations": [
        observation("K", 3.0), observation("M", 40.0), observation("_T", 43.0)]})
    assert sent.status_code == 202, sent.text
    again = ingest.post("/v1/observations", headers=auth, json={"observations": [
        observation("_T", 1043.0, revision=2)]})
    assert again.status_code == 202, again.text

    ind = indicator_id()
    doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 1}], convener=UMEA,
                       areas=["2480"])
    doc["indicator"]["formula"] = {"kind": "sum", "filters": {"measure": MEASURE,
                                                              "dimensions": {}}}
    processor = notify.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(doc)])
    processor.indicator_values([record(value_doc(ind, "2019", 1043.0, 900.0))])
    factory = notify.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as s:
        alert_id = s.scalars(select(Alert.id).where(Alert.indicator == ind)).one()

    page = notify.get(f"/inbox/{alert_id}", headers=auth)
    assert page.status_code == 200
    table = page.text.split('<table class="cells">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td>\s*<td>(.*?)</td>\s*"
                      r"<td class=\"num\">(.*?)</td>\s*<td class=\"num\">(.*?)</td>", table, re.S)
    by_sex = {r[3]: (r[4], r[5]) for r in rows}
    # Breakdowns in words ("kön: kvinnor"), not codes ("sex=K").
    assert by_sex["kön: totalt"] == ("1\u00a0043", "2")  # the newest revision
    assert "skyddad" in by_sex["kön: kvinnor"][0] and "skyddad" in by_sex["kön: män"][0]
    assert "3" not in by_sex["kön: kvinnor"][0] and "40" not in by_sex["kön: män"][0]
    assert {r[0] for r in rows} == {agency_name(UMEA)} != {UMEA}  # the agency, by name

    # Without an ingest to ask, the page says so instead of failing.
    notify.app.state.inbox_settings.ingest_url = None  # type: ignore[attr-defined]
    plain = notify.get(f"/inbox/{alert_id}", headers=auth)
    assert plain.status_code == 200 and "Underlaget visas inte" in plain.text


def test_a_data_quality_alert_page_shows_the_total_and_its_parts(
        apps: tuple[TestClient, TestClient], sqlite_url: str) -> None:
    """The evidence is the total and its parts (named, not coded), the chart plots the
    reported total, and a resolved alert says when and why it ended, in the past tense."""
    from services.notify.alerts.quality import handle_data_quality

    ingest, notify = apps
    # a year of its own, and one that has begun (ingest refuses periods to come)
    sf, period = "samordningsforbundet", str(1990 + uuid.uuid4().int % 36)
    auth = tokens(sqlite_url, sf)[sf]
    parts = {"im_pupils": 300.0, "long_term_unemployed": 1305.0, "no_benefit": 125.0,
             "young_activity_compensation": 203.0, "sick_listed_unemployed": 500.0,
             "econ_assistance_zero_class": 274.0, "probation_complex_needs": 126.0}
    cells = [{"event_id": new_event_id(), "agency": sf, "measure": "coordination_need_persons",
              "area": "umearegionen", "period": period, "dimensions": {"target_group": code},
              "value": v, "unit": "persons", "revision": 1,
              "produced_at": datetime.now(UTC).isoformat()}
             for code, v in [("_T", 2670.0), *parts.items()]]
    sent = ingest.post("/v1/observations", headers=auth, json={"observations": cells})
    assert sent.status_code == 202, sent.text
    doc = {"event_id": "e", "kind": "total_mismatch", "status": "mismatch", "agency": sf,
           "measure": "coordination_need_persons", "area": "umearegionen", "period": period,
           "dimension": "target_group", "dimensions": {}, "total": 2670.0, "parts": parts,
           "parts_sum": 2833.0}
    factory = notify.app.state.session_factory  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        alert = handle_data_quality(session=s, doc=doc, now=now)
        assert alert is not None
        alert_id = alert.id

    page = notify.get(f"/inbox/{alert_id}", headers=auth).text
    title = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert title.startswith("Totalen och delarna stämmer inte – Personer i behov av "
                            "samordnat stöd, efter målgrupp") and "dq:" not in page
    table = page.split('<table class="cells">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + 8  # the head, the total and its seven parts
    assert '<tr class="total"><td>målgrupp: totalt' in table  # no agency, measure, period
    assert "Samordningsförbundet" not in table
    assert "målgrupp: långtidsarbetslösa" in table and "target_group" not in table
    assert "I senaste revisionen summerar delarna till 2\u00a0833; totalen är 2\u00a0670." \
        in page
    assert page.count('class="marked"') == 1  # the reported total is plotted
    assert "delarnas summa 2\u00a0833" in page

    # The agency corrects its total (revision 2): the table shows the latest revision, the
    # facts the figures of the firing episode; the sentence must add up the table's.
    fixed = cells[0] | {"event_id": new_event_id(), "value": 2833.0, "revision": 2,
                        "produced_at": datetime.now(UTC).isoformat()}
    sent = ingest.post("/v1/observations", headers=auth, json={"observations": [fixed]})
    assert sent.status_code == 202, sent.text
    with session_scope(factory) as s:
        handle_data_quality(session=s, now=now, doc=doc | {
            "event_id": "f", "status": "ok", "total": 2833.0, "parts_sum": 2833.0})
    page = notify.get(f"/inbox/{alert_id}", headers=auth).text
    summed = page.split('<p class="sum">', 1)[1].split("</p>", 1)[0]
    assert "summerar delarna till 2\u00a0833; totalen är 2\u00a0833." in summed
    assert "från när larmet var aktivt" in summed and "2\u00a0670" not in summed
    assert "Rapporterad total (när larmet var aktivt)</dt><dd>2\u00a0670" in page
    happened = page.split('<p class="lead">', 1)[1].split("</p>", 1)[0]
    assert happened.startswith("Larmet upphörde ") and "Totalen stämmer nu" in happened
    assert "summerar till" not in happened and "summerade till" in happened
