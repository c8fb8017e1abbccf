"""Two identical creates at once (a client retrying a request that timed out, two admins):
both pass the existence check, one inserts, and the other is told it exists already (409,
as documented), not "database unavailable, retry" (503). Real threads meet after their
check and before their insert; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from services.initiatives.registry.models import Contact, Initiative
from tests.races import meet_at_add, race

from .helpers import Api


def test_two_identical_contacts_at_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    c = api.client
    c.delete("/v1/contacts/kommun-2409", headers=api.admin)  # left over from a failed run
    body = {"agency": "kommun-2409", "email": "sammankallande@skelleftea.se"}
    try:
        with meet_at_add(monkeypatch, Contact, 2):
            out = race([lambda: c.post("/v1/contacts", json=body, headers=api.admin)] * 2)
        assert sorted(r.status_code for r in out) == [201, 409], [r.text for r in out]
    finally:
        c.delete("/v1/contacts/kommun-2409", headers=api.admin)


def test_two_identical_initiatives_at_once(api: Api, plan_year: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    c = api.client
    ini = {"plan_year": plan_year, "number": 7, "title": "Test", "area": "prevention",
           "parties": ["forsakringskassan"], "convener": "forsakringskassan",
           "status": "not_started", "activities": [], "goals": []}
    first = c.post("/v1/initiatives", json=ini | {"number": 1}, headers=api.admin)
    assert first.status_code == 201, first.text  # the plan exists: only the initiative races
    with meet_at_add(monkeypatch, Initiative, 2):
        out = race([lambda: c.post("/v1/initiatives", json=ini, headers=api.admin)] * 2)
    assert sorted(r.status_code for r in out) == [201, 409], [r.text for r in out]
