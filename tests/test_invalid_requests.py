"""A malformed request gets FastAPI's list of fields at fault, never its input and never a
500 (a red team: a lone surrogate, "\\ud800" in JSON, made FastAPI's own answer, which
repeats the input, impossible to encode on every JSON route of notify and initiatives)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from tests.test_openapi_services import SERVICES

SENT = [  # (service, method, path, token scope)
    ("notify", "POST", "/v1/alerts/x/ack", "agency"),
    ("notify", "POST", "/v1/alerts/ack", "agency"),
    ("notify", "POST", "/v1/alerts/x/comments", "agency"),
    ("notify", "POST", "/v1/mute-windows", "agency"),
    ("notify", "POST", "/v1/subscriptions", "agency"),
    ("notify", "POST", "/v1/silences", "agency"),
    ("initiatives", "POST", "/v1/initiatives", "admin"),
    ("initiatives", "POST", "/v1/contacts", "admin"),
    ("initiatives", "PATCH", "/v1/indicators/x", "admin"),
]


def _headers(url: str, scope: str) -> dict[str, str]:
    with session_scope(session_factory(url)) as s:
        tok = tokens.issue(session=s, scope=scope,
                           agency="forsakringskassan" if scope == "agency" else None)
    return {"Authorization": f"Bearer {tok}", "content-type": "application/json",
            "If-Match": "1"}


@pytest.mark.parametrize("service, method, path, scope", SENT)
def test_a_lone_surrogate_is_a_422_naming_the_field(sqlite_url: str, service: str,
                                                    method: str, path: str,
                                                    scope: str) -> None:
    client = TestClient(SERVICES[service](sqlite_url), raise_server_exceptions=False)
    body = b'{"comment": "\\ud800", "text": "\\ud800", "name": "\\ud800", "\\ud800": 1}'
    r = client.request(method, path, headers=_headers(sqlite_url, scope), content=body)
    assert r.status_code == 422, (r.status_code, r.text[:200])
    assert isinstance(r.json()["detail"], list | str)


def test_the_answer_names_the_field_and_not_what_was_sent(sqlite_url: str) -> None:
    client = TestClient(SERVICES["notify"](sqlite_url))
    r = client.post("/v1/silences", headers=_headers(sqlite_url, "agency"),
                    json={"convener": "forsakringskassan", "duration_hours": "sju-timmar",
                          "comment": "hemlig-text-123"})
    assert r.status_code == 422
    fields = r.json()["detail"]
    assert any(f["loc"][-1] == "duration_hours" and f["msg"] for f in fields)
    assert "sju-timmar" not in r.text and "hemlig-text-123" not in r.text
    assert all(set(f) == {"loc", "msg", "type"} for f in fields)


@pytest.mark.parametrize("service, path, name", [
    ("notify", "/v1/alerts?offset=9223372036854775808", "offset"),
    ("notify", "/v1/alerts?offset=%2B00099999999999999999999", "offset"),
])
def test_a_number_beyond_64_bits_is_named_and_a_read_stores_nothing(
        sqlite_url: str, service: str, path: str, name: str) -> None:
    """The parameter is named, and a read does not say "nothing was stored" (it could not
    have stored anything)."""
    client = TestClient(SERVICES[service](sqlite_url), raise_server_exceptions=False)
    r = client.get(path, headers=_headers(sqlite_url, "admin"))
    assert r.status_code == 422, (r.status_code, r.text[:200])
    detail = str(r.json()["detail"])
    assert "stored" not in detail
    assert detail.startswith(f"{name}: a whole number out of range"), detail
