"""A form on an alert's page that could not be used came back with the typed comment gone:
a colleague had acknowledged first, the alert had ended, a date or a comment was refused.
The page now says what happened, in the reader's language, and what was typed is back in the
forms: in its own form if the page still shows it, else in "Skriv en kommentar", saying so.
A colleague's acknowledgement first is no error: the comment is kept as a comment, and the
page says that a colleague acknowledged, not "Larmet är kvitterat"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from samstat_kit.db import session_scope
from services.notify.alerts.models import ACKNOWLEDGED, RESOLVED, Alert
from services.notify.inbox.texts import ALERT

from .test_inbox_pages import FK, alert_of, auth, client  # noqa: F401 (fixtures)

TYPED = "Vi har kollat med Försäkringskassan <b>och</b> siffran stämmer – återkommer."
LANGS = ["sv", "en"]


def _box(page: str, box: str) -> str:
    found = re.search(rf'<textarea id="{box}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None, box
    return html.unescape(found.group(1))


def _set(client: TestClient, alert_id: str, **values: object) -> None:  # noqa: F811
    with session_scope(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        alert = s.get(Alert, alert_id)
        assert alert is not None
        for k, v in values.items():
            setattr(alert, k, v)


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_comment_is_back_in_its_own_box(client: TestClient, auth: dict,  # noqa: F811
                                                  lang: str) -> None:
    alert = alert_of(client)
    base = f"/inbox/{alert.id}"
    long = TYPED + " x" * 1000  # past 2,000 characters
    r = client.post(f"{base}/acknowledge?lang={lang}", data={"comment": long},
                    headers=auth[FK])
    assert r.status_code == 422 and ALERT[lang]["error_comment_length"][:20] in r.text
    assert _box(r.text, "ack-comment") == long  # to shorten, not to write again
    r = client.post(f"{base}/comment?lang={lang}", data={"text": long}, headers=auth[FK])
    assert r.status_code == 422 and _box(r.text, "comment-text") == long


@pytest.mark.parametrize("lang", LANGS)
def test_the_alert_ended_meanwhile_the_comment_goes_to_the_comment_box(
        client: TestClient, auth: dict, lang: str) -> None:  # noqa: F811
    alert = alert_of(client)
    _set(client, alert.id, status=RESOLVED)  # resolved while the page was open
    r = client.post(f"/inbox/{alert.id}/acknowledge?lang={lang}", data={"comment": TYPED},
                    headers=auth[FK])
    assert r.status_code == 409
    notice = re.search(r'<p class="notice error" role="alert">(.*?)</p>', r.text, re.S)
    assert notice is not None
    said = html.unescape(notice.group(1))
    assert ALERT[lang]["error_resolved"] in said and ALERT[lang]["error_kept_moved"] in said
    assert 'id="ack-comment"' not in r.text  # its own form is gone: the comment box has it
    assert _box(r.text, "comment-text") == TYPED
    # saved from there, it is the alert's comment
    client.post(f"/inbox/{alert.id}/comment", data={"text": _box(r.text, "comment-text")},
                headers=auth[FK])
    history = client.get(f"/v1/alerts/{alert.id}", headers=auth[FK]).json()["history"]
    assert any(h.get("comment") == TYPED for h in history)


@pytest.mark.parametrize("lang", LANGS)
def test_a_colleague_acknowledged_first(client: TestClient, auth: dict, lang: str) -> None:  # noqa: F811
    alert = alert_of(client)
    _set(client, alert.id, status=ACKNOWLEDGED, acknowledged_by="karin.s@example.se",
         acknowledged_at=datetime.now(UTC))
    r = client.post(f"/inbox/{alert.id}/acknowledge?lang={lang}", data={"comment": TYPED},
                    headers=auth[FK], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=already_comment")
    page = client.get(r.headers["location"] + f"&lang={lang}", headers=auth[FK]).text
    notice = re.search(r'<p class="notice ok" role="status">(.*?)</p>', page, re.S)
    assert notice is not None  # that a colleague did, not "Larmet är kvitterat." as if this one
    assert html.unescape(notice.group(1)) == ALERT[lang]["done_already_comment"]
    assert html.escape(TYPED, quote=False) in page  # in the history, as a comment


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_date_is_back_in_the_picker_and_the_switch_leads_to_the_page(
        client: TestClient, auth: dict, lang: str) -> None:  # noqa: F811
    alert = alert_of(client)
    r = client.post(f"/inbox/{alert.id}/snooze?lang={lang}", data={"until": "2099-01-01"},
                    headers=auth[FK])
    assert r.status_code == 422 and 'value="2099-01-01"' in r.text
    other = "en" if lang == "sv" else "sv"
    # The form's address is no page (GET: 405): the switch leads to the alert's page.
    assert f'class="lang" href="/inbox/{alert.id}?lang={other}"' in r.text
    assert client.get(f"/inbox/{alert.id}?lang={other}", headers=auth[FK]).status_code == 200
