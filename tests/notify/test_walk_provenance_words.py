"""A usability walk: on the alert page in English at full width, the provenance table's agency
read "Försäkringskass" / "an" on two lines (the kit's ``overflow-wrap: anywhere`` on every
cell). The table scrolls in its own box, so its cells break between words only. The page is
rendered by the real notify app (provenance from the real ingest app) and laid out in real
Chromium with the kit's stylesheet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import samstat_kit.present as present
from samstat_kit.anonymity import new_event_id
from samstat_kit.db import session_scope
from services.ingest.app import create_app as create_ingest
from services.ingest.config import IngestSettings
from services.notify.alerts.models import Alert
from services.notify.app import create_app
from services.notify.config import NotifySettings

from .factory import indicator_id, record, registry_doc, tokens, value_doc

FK = "forsakringskassan"
MEASURE = "benefit_net_days"
KIT_CSS = Path(present.__file__).parent / "static" / "present.css"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def apps(sqlite_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    ingest = create_ingest(IngestSettings(database_url=sqlite_url, suppression_threshold=5))
    notify = create_app(NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                                       sweep_interval_seconds=3600, digest_enabled=False))
    notify.state.inbox_settings.ingest_url = "http://ingest.test"
    notify.state.ingest_transport = httpx.ASGITransport(app=ingest)
    with TestClient(ingest) as i, TestClient(notify) as n:
        yield i, n


def alert_of(ingest: TestClient, notify: TestClient, url: str) -> tuple[str, dict[str, str]]:
    """An alert on a rise in Försäkringskassan's sickness days, its input cell published
    through ingest: (its id, the agency's bearer headers)."""
    auth = tokens(url, FK)[FK]
    sent = ingest.post("/v1/observations", headers=auth, json={"observations": [{
        "event_id": new_event_id(), "agency": FK, "measure": MEASURE, "area": "2480",
        "period": "2019", "dimensions": {"benefit": "sickness", "sex": "K"},
        "value": 31000.0, "unit": "days", "revision": 1,
        "produced_at": datetime.now(UTC).isoformat()}]})
    assert sent.status_code == 202, sent.text
    ind = indicator_id()
    doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 1}], convener=FK,
                       areas=["2480"])
    doc["indicator"]["formula"] = {"kind": "sum", "filters": {"measure": MEASURE,
                                                              "dimensions": {}}}
    processor = notify.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(doc)])
    processor.indicator_values([record(value_doc(ind, "2019", 31000.0, 20000.0))])
    with session_scope(notify.app.state.session_factory) as s:  # type: ignore[attr-defined]
        return s.scalars(select(Alert.id).where(Alert.indicator == ind)).one(), auth


def _alert_page(ingest: TestClient, notify: TestClient, url: str) -> str:
    alert_id, auth = alert_of(ingest, notify, url)
    page = notify.get(f"/inbox/{alert_id}?lang=en", headers=auth)
    assert page.status_code == 200 and '<table class="cells">' in page.text
    return page.text


@pytest.mark.integration
def test_the_agency_in_the_provenance_table_is_never_broken_inside_a_word(
        apps: tuple[TestClient, TestClient], sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = _alert_page(*apps, sqlite_url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.set_content(html)
            page.add_style_tag(path=str(KIT_CSS))  # the kit's sheet, as the page links it
            cell = page.locator("table.cells tbody td", has_text="Försäkringskassan").first
            # squeezed as the long measure and breakdown columns squeezed it in English
            for squeeze in ("", "420px"):
                lines = cell.evaluate(
                    "(e, w) => { e.closest('table').style.width = w; "
                    "const r = document.createRange(); r.selectNodeContents(e); "
                    "return r.getClientRects().length; }", squeeze)
                assert lines == 1, (squeeze, lines)
            page.screenshot(path=str(tmp_path / "provenance_en.png"), full_page=True)
        finally:
            browser.close()
