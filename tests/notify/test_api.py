"""The HTTP API on SQLite, without a broker (events are fed to the processor directly)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from samstat_kit.broker import free_port
from samstat_kit.contracts import validator
from services.notify.app import create_app
from services.notify.config import NotifySettings

from .factory import indicator_id, later, record, registry_doc, tokens, value_doc

FK, AF, ASSOC = "forsakringskassan", "arbetsformedlingen", "samordningsforbundet"


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    settings = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                              dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                              digest_enabled=False)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def auth(sqlite_url: str) -> dict[str, dict[str, str]]:
    return tokens(sqlite_url, FK, AF, ASSOC)


def feed(client: TestClient, *docs: dict | bytes, registry: bool = False) -> None:
    processor = client.app.state.processor  # type: ignore[attr-defined]
    records = [record(d, offset=i) for i, d in enumerate(docs)]
    (processor.registry if registry else processor.indicator_values)(records)


def test_health_metrics_and_auth(client: TestClient, auth: dict) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["checks"]["registry"] == "disabled"
    assert client.get("/v1/alerts").status_code == 401
    bad = {"Authorization": "Bearer sst_nope_nope"}
    assert client.get("/v1/alerts", headers=bad).status_code == 401
    assert client.get("/v1/alerts", headers=auth[AF]).status_code == 200
    assert "notify_events_total" in client.get("/metrics").text


def test_alert_list_detail_and_ack(client: TestClient, auth: dict) -> None:
    ind = indicator_id()
    feed(client, registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=FK),
         registry=True)
    feed(client, value_doc(ind, "2023", 12.0, 11.0), value_doc(ind, "2022", 11.0, 11.0),
         b"not json", {"indicator": "missing fields"})
    items = client.get("/v1/alerts", params={"convener": FK, "indicator": ind},
                       headers=auth[AF]).json()
    assert len(items) == 1
    item = items[0]
    assert (item["period"], item["rule"], item["value"], item["expected"], item["status"]) == (
        "2023", "yoy_rise", 12.0, 11.0, "firing")
    assert item["created_at"].endswith("Z") and "rose" in item["reason"]
    # The list item is an alert.v1 (plus the reason).
    validator("alert", 1).validate({k: v for k, v in item.items() if k != "reason"})
    assert client.get("/v1/alerts", params={"convener": AF, "indicator": ind},
                      headers=auth[AF]).json() == []
    assert client.get("/v1/alerts", params={"status": "bogus"},
                      headers=auth[AF]).status_code == 422

    detail = client.get(f"/v1/alerts/{item['id']}", headers=auth[AF]).json()
    assert [h["transition"] for h in detail["history"]] == ["opened"]
    assert detail["follow_up_owner"] == FK and detail["episode"] == 1
    assert client.get("/v1/alerts/nope", headers=auth[AF]).status_code == 404

    assert client.post(f"/v1/alerts/{item['id']}/ack", headers=auth[AF]).status_code == 403
    acked = client.post(f"/v1/alerts/{item['id']}/ack", headers=auth[FK])
    assert acked.status_code == 200
    body = acked.json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == f"token:{FK}"
    assert [h["transition"] for h in body["history"]] == ["opened", "acknowledged"]
    assert client.post(f"/v1/alerts/{item['id']}/ack", headers=auth["admin"]).status_code == 200
    listed = client.get("/v1/alerts", params={"status": "acknowledged", "indicator": ind},
                        headers=auth[FK]).json()
    assert [a["id"] for a in listed] == [item["id"]]
    feed(client, value_doc(ind, "2023", 12.0, 10.0, area="2460"))
    client.app.state.dispatcher.refresh_gauge()  # type: ignore[attr-defined]
    assert f'notify_alerts_firing{{indicator="{ind}",rule="yoy_rise"}} 1.0' in client.get(
        "/metrics").text

    # A revision clears it; acknowledging a resolved alert conflicts.
    feed(client, value_doc(ind, "2023", 11.1, 11.0, computed_at=later(1)))
    resolved = client.get(f"/v1/alerts/{item['id']}", headers=auth[FK]).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert client.post(f"/v1/alerts/{item['id']}/ack", headers=auth[FK]).status_code == 409


def test_subscriptions(client: TestClient, auth: dict) -> None:
    # A loopback target, which tests/notify/conftest.py allows (nothing listens on port 9).
    hook = {"convener": FK, "channel": "webhook", "target": "http://127.0.0.1:9/x",
            "format": "slack", "lang": "en"}
    assert client.post("/v1/subscriptions", json=hook, headers=auth[AF]).status_code == 403
    created = client.post("/v1/subscriptions", json=hook, headers=auth[FK])
    assert created.status_code == 201
    sub = created.json()
    assert len(sub["secret"]) >= 32 and sub["has_secret"] and sub["created_by"] == FK
    mail = {"convener": FK, "channel": "email", "target": "analys@fk.example"}
    assert client.post("/v1/subscriptions", json=mail, headers=auth["admin"]).status_code == 201
    for bad in ({**mail, "target": "not-an-address"}, {**hook, "target": "ftp://x/y"},
                {**mail, "convener": "no-such-agency"}, {**hook, "lang": "de"},
                {**mail, "secret": "x" * 20}):
        assert client.post("/v1/subscriptions", json=bad,
                           headers=auth["admin"]).status_code == 422, bad

    mine = client.get("/v1/subscriptions", headers=auth[FK]).json()
    assert {s["id"] for s in mine} >= {sub["id"]}
    assert all(s["convener"] == FK and "secret" not in s for s in mine)
    assert client.get("/v1/subscriptions", params={"convener": FK},
                      headers=auth[AF]).status_code == 403
    assert client.get("/v1/subscriptions", params={"convener": FK},
                      headers=auth["admin"]).status_code == 200
    assert client.delete(f"/v1/subscriptions/{sub['id']}", headers=auth[AF]).status_code == 403
    assert client.delete(f"/v1/subscriptions/{sub['id']}", headers=auth[FK]).status_code == 204
    assert sub["id"] not in {s["id"] for s in client.get("/v1/subscriptions",
                                                          headers=auth[FK]).json()}


def test_silences(client: TestClient, auth: dict) -> None:
    ind = indicator_id()
    other = {"indicator": ind, "convener": FK, "duration_hours": 2}
    assert client.post("/v1/silences", json=other, headers=auth[AF]).status_code == 403
    own = client.post("/v1/silences", json={"indicator": ind, "duration_hours": 2,
                                            "comment": "känt fel"}, headers=auth[AF])
    assert own.status_code == 201 and own.json()["convener"] == AF
    for bad in ({"duration_hours": 2}, {"indicator": ind},
                {"indicator": ind, "expires_at": "2001-01-01T00:00:00Z"}):
        assert client.post("/v1/silences", json=bad, headers=auth["admin"]).status_code == 422
    sid = own.json()["id"]
    assert sid in {s["id"] for s in client.get("/v1/silences", headers=auth[AF]).json()}
    # Another agency lists none of them (their comments are the agency's own).
    assert sid not in {s["id"] for s in client.get("/v1/silences", headers=auth[FK]).json()}
    assert client.delete(f"/v1/silences/{sid}", headers=auth[FK]).status_code == 403
    assert client.delete(f"/v1/silences/{sid}", headers=auth[AF]).status_code == 200
    assert sid not in {s["id"] for s in client.get("/v1/silences", headers=auth[AF]).json()}
    assert sid in {s["id"] for s in client.get("/v1/silences", params={"include_expired": 1},
                                               headers=auth[AF]).json()}
    assert sid in {s["id"] for s in client.get("/v1/silences", params={"include_expired": 1},
                                               headers=auth["admin"]).json()}


def test_runs_and_stops_while_kafka_is_down(sqlite_url: str, auth: dict,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSTAT_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    with TestClient(create_app(NotifySettings(database_url=sqlite_url,
                                              digest_enabled=False))) as client:
        time.sleep(0.3)
        health = client.get("/healthz")
        assert health.status_code == 200  # informational: the API still serves
        assert health.json()["checks"]["indicator_values"] != "ok"
        assert client.get("/v1/alerts", headers=auth[FK]).status_code == 200
        stopping = time.monotonic()
    # At most the topic check's own timeout (5 s, in a thread that cannot be cancelled).
    assert time.monotonic() - stopping < 8
