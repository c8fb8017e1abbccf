"""An initiative is named where conveners read it (a usability walk: "Initiativ 2" alone meant
nothing): the inbox's counts and filter, the alert page, the weekly digest and an alert's
e-mail, from the name the registry's event carries; without one, the number alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samstat_kit.db import session_scope
from services.notify.delivery.messages import text
from services.notify.digests import render
from services.notify.digests.service import summarize

from .test_inbox_pages import FK, alert_of, auth, client  # noqa: F401 (fixtures)
from .test_messages import notices

NAME = "Medicinska underlag för sjukskrivna arbetslösa"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_inbox_and_the_alert_name_the_initiative(client: TestClient,  # noqa: F811
                                                     auth: dict) -> None:  # noqa: F811
    named = alert_of(client, initiative=7, initiative_title=NAME)
    alert_of(client, initiative=8)  # an older registry: no name
    inbox = _text(client.get("/inbox", headers=auth[FK]).text)
    assert f"Initiativ 7 – {NAME}" in inbox and "Initiativ 8" in inbox
    assert "Initiativ 8 –" not in inbox
    english = _text(client.get("/inbox?lang=en", headers=auth[FK]).text)
    assert f"7 – {NAME}" in english
    page = _text(client.get(f"/inbox/{named.id}?lang=sv", headers=auth[FK]).text)
    assert f"Samverkansinitiativ 7 – {NAME}" in page


def test_the_digest_names_the_initiative(client: TestClient) -> None:  # noqa: F811
    alert = alert_of(client, initiative=7, initiative_title=NAME)
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        summary = summarize(session=s, convener=FK, week="2026-W49", start=now - timedelta(
            days=7), end=now + timedelta(minutes=1), public_base_url="https://s.example")
        sv = render.text(summary, "sv")
    assert f"Samverkansinitiativ 7 – {NAME}" in sv and alert.initiative == 7


def test_an_alert_s_e_mail_names_the_initiative(session: Session) -> None:
    [n] = notices(session, ("email", "json", "sv"), initiative_title=NAME).values()
    assert re.search(rf"Samverkansinitiativ: +2 – {NAME}\n", text(n))
    [unnamed] = notices(session, ("email", "json", "sv")).values()
    assert re.search(r"Samverkansinitiativ: +2\n", text(unnamed))
