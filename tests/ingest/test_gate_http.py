"""The gate at the front door, on SQLite and PostgreSQL: a personal identity number is refused
wherever it hides in a request, nothing of it is echoed or logged, and hostile shapes (deep
nesting, huge integers, a body that is not JSON) get a reason, never a server error."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import (
    IngestBatch,
    IngestObservation,
    OutboxMessage,
)
from tests.ingest.conftest import obs

PNR12 = "198802089717"
UUID_PNR = "19880208-9717-4000-8000-000000000000"  # a canonical UUID and a personnummer
# Pieces of the number that must never come back (its date and its serial with check digit).
FRAGMENTS = ("880208", "9717", "198802089717")
CLIENT_LOGGERS = {"httpx", "kafka", "aiokafka"}


def _leaks(text: str) -> bool:
    return any(f in text for f in FRAGMENTS)


def _text(record: logging.LogRecord) -> str:
    """A record's message, formatted now. The Kafka client formats its arguments lazily, and
    a connection object it logged may have closed since (its __str__ then raises): then the
    raw message and the arguments' reprs still show any number they hold."""
    try:
        return record.getMessage()
    except Exception:
        try:
            return f"{record.msg} {record.args!r}"
        except Exception:
            return str(record.msg)


def stored(db: str) -> int:
    with session_scope(session_factory(db)) as s:
        return sum(int(s.scalar(select(func.count()).select_from(m)) or 0)
                   for m in (IngestObservation, OutboxMessage, IngestBatch))


def send(client: TestClient, tok: str, body: Any, **params: Any) -> Any:
    return client.post("/v1/observations", content=orjson.dumps(body), params=params,
                       headers={"Authorization": f"Bearer {tok}",
                                "Content-Type": "application/json"})


def _uuid_in(field: str) -> dict[str, Any]:
    if field == "dimensions":
        return obs(dimensions={"benefit": "sickness", "sex": UUID_PNR})
    return obs(**{field: UUID_PNR})


@pytest.mark.parametrize("field", ["area", "period", "unit", "agency", "measure",
                                   "produced_at", "dimensions"])
def test_a_number_in_a_uuid_shaped_string_is_refused_in_any_field(
        client: TestClient, token: Any, ingest_db: str, field: str) -> None:
    r = send(client, token("forsakringskassan"), {"observations": [obs(), _uuid_in(field)]})
    assert r.status_code == 422, r.text
    assert not _leaks(r.text) and stored(ingest_db) == 0
    assert r.json()["rejected"][0]["index"] == 1


def test_an_event_id_holding_a_number_is_refused_and_named(client: TestClient, token: Any,
                                                           ingest_db: str) -> None:
    """A random uuid4 holds one about once in 11 700: the producer is asked for a new id."""
    r = send(client, token("forsakringskassan"),
             {"observations": [obs(), obs(event_id=UUID_PNR)]})
    assert r.status_code == 422
    body = r.json()
    assert [(x["index"], x["field"]) for x in body["rejected"]] == [(1, "event_id")]
    assert "new event_id" in body["detail"]
    assert not _leaks(r.text) and stored(ingest_db) == 0
    # The dry run gives the same verdict.
    dry = send(client, token("forsakringskassan"),
               {"observations": [obs(), obs(event_id=UUID_PNR)]}, dry_run="true")
    assert dry.status_code == 422 and dry.json()["rejected"] == body["rejected"]


@pytest.mark.parametrize("hiding", [
    {"note": PNR12},  # a sibling of observations
    {"meta": {"contact": [{"pnr": "880208-9717"}]}},  # nested in a sibling
    {PNR12: "key"},  # a key beside observations
    {"meta": 198802089717.0},  # a float
    {"meta": 8802089717e0},  # a float written with an exponent
    {"meta": 198802089717},  # an integer
    {"meta": UUID_PNR},
])
def test_a_number_beside_the_observations_is_refused(client: TestClient, token: Any,
                                                     ingest_db: str,
                                                     hiding: dict[str, Any]) -> None:
    r = send(client, token("forsakringskassan"), {"observations": [obs()], **hiding})
    assert r.status_code == 422, r.text
    assert not _leaks(r.text) and stored(ingest_db) == 0


def test_numbers_as_floats_and_keys_inside_records_are_refused(client: TestClient,
                                                               token: Any,
                                                               ingest_db: str) -> None:
    fk = token("forsakringskassan")
    for record in (obs(value=198802089717.0), obs(value=8802089717e0),
                   obs(dimensions={PNR12: "K"}), obs(extra={"deep": [[PNR12]]})):
        r = send(client, fk, {"observations": [record]})
        assert r.status_code == 422, r.text
        assert not _leaks(r.text)
    assert stored(ingest_db) == 0


def _ingest_paths(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item
            if "{" not in path]


@pytest.mark.parametrize("query", [
    f"x={PNR12}", f"strict={UUID_PNR}", "dry_run=880208-9717", "a=880208+9717",
    f"{PNR12}=1", "q=" + quote("19880208-9717", safe=""),
    "q=%31%39%38%38%30%32%30%38%39%37%31%37",  # every digit percent-encoded
])
def test_a_number_in_the_query_string_is_refused_on_every_endpoint(
        client: TestClient, token: Any, ingest_db: str, query: str,
        caplog: pytest.LogCaptureFixture) -> None:
    auth = {"Authorization": f"Bearer {token('forsakringskassan')}"}
    endpoints = _ingest_paths(client)
    assert ("POST", "/v1/observations") in endpoints and len(endpoints) >= 4
    with caplog.at_level(logging.DEBUG):
        for method, path in endpoints:
            kwargs: dict[str, Any] = {"headers": auth}
            if method == "POST":
                kwargs["json"] = {"observations": [obs()]}
            r = client.request(method, f"{path}?{query}", **kwargs)
            assert r.status_code == 422, (method, path, r.status_code)
            assert not _leaks(r.text)
    # The server's logs. Left out: the test client (httpx logs its own requests: that is the
    # sender) and the Kafka clients of other fixtures, whose background threads log latencies,
    # ports and raw bytes where these digits turn up by chance ("2.6034669999717153 ms" failed
    # a run); anything they could carry to the broker is ruled out by stored() == 0 below.
    server = [r for r in caplog.records if r.name.split(".")[0] not in CLIENT_LOGGERS]
    assert not any(_leaks(_text(r)) for r in server)
    assert stored(ingest_db) == 0


def test_the_access_log_withholds_a_path_with_a_number() -> None:
    from samstat_kit import urlguard

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:1", "GET",
                                                           f"/v1/cells?area={PNR12}", "1.1",
                                                           422), None)
    urlguard.RedactPersonalNumbers().filter(record)
    assert not _leaks(record.getMessage()) and "withheld" in record.getMessage()


def test_deep_nesting_is_422_with_a_reason(client: TestClient, token: Any,
                                           ingest_db: str) -> None:
    fk = token("forsakringskassan")
    headers = {"Authorization": f"Bearer {fk}", "Content-Type": "application/json"}
    for depth in (40, 1000, 5000):
        for body in (b'{"observations": [' + b"[" * depth + b"]" * depth + b"]}",
                     b'{"observations": [{}], "x": ' + b"[" * depth + b"]" * depth + b"}"):
            r = client.post("/v1/observations", content=body, headers=headers)
            assert r.status_code == 422, (depth, r.status_code, r.text[:200])
            assert "nested" in r.json()["detail"]
    assert stored(ingest_db) == 0


@pytest.mark.parametrize("record", [
    {"revision": 2**70}, {"revision": 2**64 - 1}, {"revision": 2**63 - 1},
    {"revision": 2**31}, {"revision": -(2**70)}, {"value": 10**30}, {"value": 2**70},
    {"dimensions": {"benefit": "sickness", "sex": "K"}, "extra": 2**80},
])
def test_out_of_range_integers_are_refused_with_a_reason_never_500_or_503(
        client: TestClient, token: Any, ingest_db: str, record: dict[str, Any]) -> None:
    base = {k: v for k, v in obs().items() if k not in record}
    # Written by hand: orjson (like many encoders) refuses integers beyond 64 bits.
    raw = b",".join(orjson.dumps(k) + b":" + (str(v).encode() if isinstance(v, int)
                                              else orjson.dumps(v))
                    for k, v in record.items())
    body = b'{"observations": [' + orjson.dumps(base)[:-1] + b"," + raw + b"}]}"
    r = client.post("/v1/observations", content=body, headers={
        "Authorization": f"Bearer {token('forsakringskassan')}",
        "Content-Type": "application/json"})
    assert r.status_code in (202, 422), (r.status_code, r.text)
    if r.status_code == 202:  # a record-level rejection, named
        assert r.json()["accepted"] == 0 and r.json()["rejected"], r.text
    assert stored(ingest_db) in (0, 1)  # at most the batch row of a 202 that stored nothing


def test_out_of_range_integers_in_query_parameters(client: TestClient, token: Any) -> None:
    auth = {"Authorization": f"Bearer {token('forsakringskassan')}"}
    for path in ("/v1/cells?measure=m&area=" + str(2**70),
                 "/v1/cells/history?cell_key=" + str(2**80),
                 "/v1/observations?strict=" + str(2**70)):
        r = client.request("POST" if "observations" in path else "GET", path, headers=auth,
                           json={"observations": [obs()]})
        assert r.status_code in (200, 422), (path, r.status_code)


def test_a_body_that_is_not_json_is_415(client: TestClient, token: Any) -> None:
    r = client.post("/v1/observations", content=b"event_id,agency\n1,2\n",
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "text/csv"})
    assert r.status_code == 415 and "application/json" in r.json()["detail"]


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_a_compressed_body_is_415_saying_so(client: TestClient, token: Any,
                                            encoding: str) -> None:
    """A gzip-compressed batch was "body is not valid JSON": the reason names the encoding
    as what to change, and nothing is stored."""
    import gzip

    body = gzip.compress(orjson.dumps({"observations": [obs()]}))
    r = client.post("/v1/observations", content=body,
                    headers={"Authorization": f"Bearer {token('forsakringskassan')}",
                             "Content-Type": "application/json",
                             "Content-Encoding": encoding})
    assert r.status_code == 415 and "uncompressed" in r.json()["detail"], r.text
