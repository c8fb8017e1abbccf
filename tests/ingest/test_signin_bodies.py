"""Ingest's sign-in forms never repeat a personal identity number (a red team): the login
pages wrote the form's ``next`` and a mistyped e-mail address back into the page. Every
body ingest's gate and upload pages do not answer themselves is now read by the kit's body
guard, as on the other services; the gate's own answers stay its own."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from tests.echo import said

NUMBER = "19880208-9717"


@pytest.fixture
def ingest(ingest_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(IngestSettings(database_url=ingest_db)),
                    follow_redirects=False) as c:
        yield c


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


@pytest.mark.parametrize("path, form", [
    ("/login", {"token": "nope", "next": f"/upload?note={NUMBER}"}),
    ("/login", {"token": "nope", "next": f"/upload/{NUMBER}"}),
    ("/login/email", {"email": f"ring {NUMBER}", "next": "/upload"}),
    ("/login/email", {"email": NUMBER, "next": "/upload"}),
])
@pytest.mark.parametrize("signed", [False, True])
def test_a_number_in_a_sign_in_form_is_refused_and_not_repeated(
        ingest: TestClient, path: str, form: dict[str, str], signed: bool) -> None:
    sent = form | ({"csrf_token": _csrf(ingest)} if signed else {})
    r = ingest.post(path, data=sent)
    assert r.status_code == 422 and "880208" not in said(r.text)


def test_ordinary_sign_in_forms_still_reach_their_routes(ingest: TestClient) -> None:
    r = ingest.post("/login/email", data={"csrf_token": _csrf(ingest),
                                          "email": "inte-en-adress", "next": "/upload"})
    assert r.status_code == 400  # the route's own answer: the address is not one


def test_the_gate_still_names_the_record_and_field(ingest: TestClient) -> None:
    """/v1/observations is answered by ingest's gate (the record, the field), not by the
    kit's guard: an unauthenticated call meets the sign-in check, a number is never said."""
    r = ingest.post("/v1/observations", json=[{"area": NUMBER}])
    assert r.status_code in (401, 422) and "880208" not in said(r.text)
    assert "personal identity number; nothing was stored" not in r.text
