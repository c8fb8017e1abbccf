"""Red-team findings on notify's receivers: an e-mail target is one address and nothing
else (no line break that would start a header), from the API and from the registry."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.subscriptions.contacts import parse_contacts

from .factory import tokens
from .test_ssrf import KV, REGION, Names, settings

BAD_ADDRESSES = ["anna@example.se\n", "anna@example.se\r\nBcc: x@example.org",
                 "anna@example.se\nBcc: x@example.org", "anna@exa mple.se"]


def test_an_email_target_with_a_line_break_is_refused(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    with TestClient(create_app(settings(fresh_url), resolver=Names())) as client:
        for target in BAD_ADDRESSES:
            r = client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "email", "target": target})
            assert r.status_code == 422, (target, r.text)
        ok = client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "email", "target": "anna@example.se"})
        assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_registry_contact_with_a_line_break_is_skipped(address: str) -> None:
    assert parse_contacts([{"agency": "kommun-2480", "email": address}]) == []
    assert parse_contacts([{"agency": "kommun-2480", "email": "a@example.se"}])


def test_another_agencys_token_gets_no_acknowledge_link(sqlite_url: str) -> None:
    # Any token may list alerts, but the signed one-click link acknowledges without a
    # sign-in: handed to another agency it would let them acknowledge the convener's alert.
    from .test_inbox_pages import AF, FK, OUT, alert_of

    auth = tokens(sqlite_url, FK, AF, OUT, "kommun-2480")
    cfg = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                         dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as client:
        alert = alert_of(client)
        for who, may in ((FK, True), ("admin", True), ("kommun-2480", False), (OUT, False)):
            one = client.get(f"/v1/alerts/{alert.id}", headers=auth[who])
            assert one.status_code == 200
            listed = [a for a in client.get("/v1/alerts", params={"indicator": alert.indicator},
                                            headers=auth[who]).json() if a["id"] == alert.id]
            for links in (one.json()["links"], listed[0]["links"]):
                assert links["page"]
                assert (links.get("acknowledge") is not None) is may, (who, links)
