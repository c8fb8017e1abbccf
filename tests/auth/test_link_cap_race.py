"""Requests for sign-in links to one inbox at once, on PostgreSQL: the cap (links sent per
link lifetime) holds, because each request counts with the person locked until it has issued
its link; without the lock each counted under the cap and all sent one. (SQLite has one
writer at a time and never lets two count-then-insert transactions both write.)"""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from samstat_kit.auth import pages, routes, signin
from samstat_kit.auth import sessions as store
from samstat_kit.auth.models import SignInLink
from samstat_kit.auth.people import add_person
from samstat_kit.auth.settings import AuthSettings
from samstat_kit.db import session_factory, session_scope
from tests.races import second_waits


def test_the_cap_on_links_holds_for_requests_at_once(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    email = f"p-{uuid.uuid4().hex[:10]}@vannas.se"
    factory = session_factory(postgres_url)
    with session_scope(factory) as s:
        person = add_person(session=s, email=email, agency="kommun-2460")
        for _ in range(routes.MAX_LINKS_PER_TTL - 1):  # one more is allowed
            store.issue_link(session=s, person=person, next_path="/",
                             ttl=timedelta(minutes=15))
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        auth_settings=AuthSettings(), session_factory=factory)))
    monkeypatch.setattr(signin, "link_url", lambda _req, secret: f"http://x/?token={secret}")
    monkeypatch.setattr(signin, "build_message", lambda *_a, **_kw: "mail")
    monkeypatch.setattr(pages, "language", lambda _req: "sv")
    waited, out = second_waits(monkeypatch, store, "links_since",
                               lambda: routes._link_message(request, email, "/"),
                               lambda: routes._link_message(request, email, "/"))
    assert waited
    assert [isinstance(out[k], tuple) for k in ("first", "second")] == [True, False]
    with session_scope(factory) as s:
        sent = s.scalar(select(func.count()).select_from(SignInLink)
                        .where(SignInLink.user_id == person.id))
    assert sent == routes.MAX_LINKS_PER_TTL
