"""Ingest's HTTP contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import IngestObservation, OutboxMessage
from tests.ingest.conftest import obs


def post(client: TestClient, tok: str | None, records: list[Any], **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    return client.post("/v1/observations", json={"observations": records}, headers=headers,
                       params=params)


def count(db: str, model: Any) -> int:
    with session_scope(session_factory(db)) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_accepts_and_commits_before_answering(client: TestClient, token: Any,
                                              ingest_db: str) -> None:
    r = post(client, token("forsakringskassan"), [obs(), obs(dimensions={"benefit": "sickness",
                                                                         "sex": "M"})])
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 2 and r.json()["rejected"] == []
    assert count(ingest_db, IngestObservation) == 2
    assert count(ingest_db, OutboxMessage) == 1  # one message per area and batch


def test_no_or_bad_token_is_401(client: TestClient, token: Any, ingest_db: str) -> None:
    assert post(client, None, [obs()]).status_code == 401
    assert post(client, "sst_nope_nope", [obs()]).status_code == 401
    expired = token("forsakringskassan", ttl_days=-1)
    assert post(client, expired, [obs()]).status_code == 401
    revoked = token("forsakringskassan")
    with session_scope(session_factory(ingest_db)) as s:
        tokens.revoke(session=s, token_id=revoked.split("_")[1])
    assert post(client, revoked, [obs()]).status_code == 401


def test_publishing_outside_the_catalogue_rights_is_403_for_the_whole_batch(
        client: TestClient, token: Any, ingest_db: str) -> None:
    umea = token("kommun-2480")
    ok = obs(agency="kommun-2480", dimensions={"benefit": "economic_assistance", "sex": "K"})
    r = post(client, umea, [ok, obs(agency="kommun-2480", area="2460", dimensions={
        "benefit": "economic_assistance", "sex": "K"})])
    assert r.status_code == 403 and "2480" in r.json()["detail"]
    r = post(client, umea, [ok, obs(agency="kommun-2480")])  # sickness is FK's
    assert r.status_code == 403 and "record 1" in r.json()["detail"]
    r = post(client, token("forsakringskassan"), [obs(agency="arbetsformedlingen")])
    assert r.status_code == 403
    assert post(client, token(scope="admin"), [obs()]).status_code == 403
    assert count(ingest_db, IngestObservation) == 0


def test_bad_records_are_named_by_index_field_and_reason(client: TestClient,
                                                          token: Any) -> None:
    fk = token("forsakringskassan")
    records = [
        obs(),
        obs(measure="no_such_measure"),
        obs(area="9999"),
        obs(period="2023-13"),
        obs(dimensions={"benefit": "sickness", "sex": "X"}),
        obs(dimensions={"benefit": "sickness"}),
        obs(unit="persons"),
        obs(value=-1.0),
        obs(value="many"),
        obs(value=None),
        obs(revision=0),
        obs(comment="free text is not allowed"),
    ]
    r = post(client, fk, records)
    assert r.status_code == 202
    body = r.json()
    assert body["accepted"] == 1
    fields = {(x["index"], x["field"]) for x in body["rejected"]}
    assert {(1, "measure"), (2, "area"), (3, "period"), (4, "dimensions.sex"),
            (5, "dimensions.sex"), (6, "unit"), (7, "value"), (8, "value"),
            (10, "revision"), (11, "comment")} <= fields
    assert any(x["index"] == 9 for x in body["rejected"])
    assert all(x["reason"] for x in body["rejected"])


def test_strict_mode_rejects_the_whole_batch(client: TestClient, token: Any,
                                             ingest_db: str) -> None:
    r = post(client, token("forsakringskassan"), [obs(), obs(area="9999")], strict="true")
    assert r.status_code == 422
    assert r.json()["rejected"][0]["index"] == 1
    assert count(ingest_db, IngestObservation) == 0


def test_a_personal_number_rejects_everything_and_is_never_echoed(
        client: TestClient, token: Any, ingest_db: str) -> None:
    pnr = "19121212-1212"
    r = post(client, token("forsakringskassan"),
             [obs(), obs(dimensions={"benefit": "sickness", "sex": pnr})])
    assert r.status_code == 422
    assert pnr not in r.text and "121212" not in r.text
    assert count(ingest_db, IngestObservation) == 0
    assert count(ingest_db, OutboxMessage) == 0


def test_duplicates_and_revisions(client: TestClient, token: Any) -> None:
    fk = token("forsakringskassan")
    first = obs()
    assert post(client, fk, [first]).json()["accepted"] == 1
    again = post(client, fk, [first]).json()
    assert again["duplicates"] == 1 and again["accepted"] == 0
    newer = post(client, fk, [obs(revision=2, value=1.0)]).json()
    assert newer["accepted"] == 1
    stale = post(client, fk, [obs(revision=2, value=2.0), obs(revision=1)]).json()
    assert stale["accepted"] == 0
    assert [x["field"] for x in stale["rejected"]] == ["revision", "revision"]
    assert "stale" in stale["rejected"][0]["reason"]


def test_small_person_counts_are_suppressed_before_anything_leaves(
        client: TestClient, token: Any, ingest_db: str) -> None:
    umea = token("kommun-2480")
    base = {"agency": "kommun-2480", "measure": "torget_discharges_to_occupation",
            "area": "2480", "period": "2023", "unit": "persons"}
    r = post(client, umea, [obs(**base, value=3.0, dimensions={"sex": "K"}),
                            obs(**base, value=40.0, dimensions={"sex": "M"}),
                            obs(**base, value=43.0, dimensions={"sex": "_T"})])
    assert r.status_code == 202, r.text
    body = r.json()
    assert [s["index"] for s in body["suppressed"]] == [0, 1]
    assert "secondary" in body["suppressed"][1]["reason"]
    with session_scope(session_factory(ingest_db)) as s:
        values = {o.dimensions["sex"]: o.value for o in s.scalars(select(IngestObservation))}
        payload = s.scalars(select(OutboxMessage.payload)).one()
    assert values == {"K": None, "M": None, "_T": 43.0}
    assert b'"value":3.0' not in payload and b'"conf_status":"C"' in payload


def test_limits(client: TestClient, token: Any) -> None:
    fk = token("forsakringskassan")
    assert post(client, fk, [obs() for _ in range(51)]).status_code == 413
    r = client.post("/v1/observations", content=b"{not json",
                    headers={"Authorization": f"Bearer {fk}"})
    assert r.status_code == 422
    assert post(client, fk, []).status_code == 422


def test_health_and_metrics(client: TestClient) -> None:
    h = client.get("/healthz")
    assert h.status_code == 200 and h.json()["checks"]["database"] == "ok"
    m = client.get("/metrics").text
    assert "ingest_outbox_depth" in m and "ingest_batch_seconds_bucket" in m
    assert "/v1/observations" in client.get("/openapi.json").json()["paths"]


def test_rate_limit_answers_429_with_retry_after(ingest_db: str, token: Any) -> None:
    from services.ingest.app import create_app
    from services.ingest.config import IngestSettings

    settings = IngestSettings(database_url=ingest_db, rate_limit_per_minute=2)
    fk = token("forsakringskassan")
    with TestClient(create_app(settings)) as c:
        assert post(c, fk, [obs()]).status_code == 202
        assert post(c, fk, [obs()]).status_code == 202
        r = post(c, fk, [obs()])
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # Another agency has its own budget.
        assert post(c, token("arbetsformedlingen"), [obs(
            agency="arbetsformedlingen",
            dimensions={"benefit": "unemployment", "sex": "K"})]).status_code == 202


def test_revision_history_answers_as_of_questions(client: TestClient, token: Any) -> None:
    import time
    from datetime import UTC, datetime

    fk = token("forsakringskassan")
    assert post(client, fk, [obs(value=100.0)]).status_code == 202
    time.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    assert post(client, fk, [obs(value=120.0, revision=2)]).status_code == 202
    auth = {"Authorization": f"Bearer {fk}"}
    q = {"measure": "benefit_net_days", "area": "2480", "period": "2023-10"}
    now = client.get("/v1/cells", params=q, headers=auth).json()
    then = client.get("/v1/cells", params=q | {"as_of": between}, headers=auth).json()
    assert [c["value"] for c in now] == [120.0] and now[0]["revision"] == 2
    assert [c["value"] for c in then] == [100.0]
    history = client.get("/v1/cells/history", params={"cell_key": now[0]["cell_key"]},
                         headers=auth).json()
    assert [(c["revision"], c["value"]) for c in history] == [(1, 100.0), (2, 120.0)]


def test_as_of_with_an_offset_is_the_instant_it_names(client: TestClient, token: Any) -> None:
    """An RFC 3339 instant in another zone names the same moment: on SQLite its local clock
    time was compared with UTC's, so an instant an hour before a correction, written with
    +05:00, already showed it (a red team)."""
    import time
    from datetime import UTC, datetime, timedelta, timezone

    fk = token("forsakringskassan")
    assert post(client, fk, [obs(value=100.0)]).status_code == 202
    time.sleep(0.05)
    between = datetime.now(UTC)
    time.sleep(0.05)
    assert post(client, fk, [obs(value=120.0, revision=2)]).status_code == 202
    auth = {"Authorization": f"Bearer {fk}"}
    q = {"measure": "benefit_net_days", "area": "2480", "period": "2023-10"}
    for zone in (timezone(timedelta(hours=5)), timezone(timedelta(hours=-5)), UTC):
        then = client.get("/v1/cells", params=q | {"as_of": between.astimezone(zone)
                                                   .isoformat()}, headers=auth)
        assert [c["value"] for c in then.json()] == [100.0], zone


def test_as_of_a_date_is_the_end_of_that_day_in_sweden(client: TestClient, token: Any
                                                        ) -> None:
    """A date reads as the indicators read it (samstat_kit.instants): the end of that day in
    Sweden, in any ISO form. It was the start of the day in UTC, so "as of today" showed
    nothing sent today, and anything else than RFC 3339 is a 422 that echoes nothing."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    fk = token("forsakringskassan")
    assert post(client, fk, [obs(value=100.0)]).status_code == 202
    auth = {"Authorization": f"Bearer {fk}"}
    q = {"measure": "benefit_net_days", "area": "2480", "period": "2023-10"}
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Stockholm")).date()
    for day in (today.isoformat(), today.strftime("%Y%m%d")):
        r = client.get("/v1/cells", params=q | {"as_of": day}, headers=auth)
        assert [c["value"] for c in r.json()] == [100.0], day
    before = (today - timedelta(days=1)).isoformat()
    assert client.get("/v1/cells", params=q | {"as_of": before}, headers=auth).json() == []
    for bad in ("juni", "2024-02-30", "19121212-1212"):  # the last: the gate says why
        r = client.get("/v1/cells", params=q | {"as_of": bad}, headers=auth)
        assert r.status_code == 422 and bad not in r.text, bad
        assert "as_of" in r.text or "personal identity number" in r.text, bad


def test_rows_are_stored_as_the_orm_stores_them(client: TestClient, token: Any,
                                                ingest_db: str) -> None:
    """The bulk paths (COPY, executemany) and the ORM write the same formats: an as-of
    question at the exact moment a batch was received finds its rows."""
    from services.ingest.observations import service
    from services.ingest.observations.models import IngestBatch

    r = post(client, token("forsakringskassan"),
             [obs(produced_at="2024-05-01T14:00:00.250000+02:00")])
    assert r.status_code == 202, r.text
    with session_scope(session_factory(ingest_db)) as s:
        batch = s.get(IngestBatch, r.json()["batch_id"])  # written by the ORM
        row = s.scalars(select(IngestObservation)).one()  # written in bulk
        assert row.received_at == batch.received_at
        assert row.produced_at.replace(tzinfo=None) == datetime(2024, 5, 1, 12, 0, 0, 250000)
        found = service.cells(session=s, measure="benefit_net_days", area="2480",
                              as_of=batch.received_at)
        assert [c.event_id for c in found] == [row.event_id]


def test_a_body_only_json_reads_is_judged_record_by_record(client: TestClient,
                                                           token: Any) -> None:
    """A byte-order mark, or NaN in one record: the batch is read, the record refused."""
    import json

    fk = token("forsakringskassan")
    headers = {"Authorization": f"Bearer {fk}", "Content-Type": "application/json"}
    body = json.dumps({"observations": [obs(), obs(value=float("nan"))]})
    r = client.post("/v1/observations", content=body.encode(), headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 1
    assert [(x["index"], x["field"]) for x in r.json()["rejected"]] == [(1, "value")]
    bom = b"\xef\xbb\xbf" + json.dumps({"observations": [obs(period="2023-11")]}).encode()
    r = client.post("/v1/observations", content=bom, headers=headers)
    assert r.status_code == 202 and r.json()["accepted"] == 1, r.text
