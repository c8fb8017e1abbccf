"""What the inbox's pages share: the templates, the sign-in redirect, whose read marks, a
database session, and the page of a bare message (an expired link, an unknown alert).

The pages are split by what they answer: :mod:`.pages` the list (and acknowledging from it),
:mod:`.confirm` the one-click link's confirmation, :mod:`.alert_page` an alert's page and
:mod:`.alert_forms` its forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from samstat_kit import present
from samstat_kit.db import session_scope
from samstat_kit.web import BrowserLogin, Reader
from services.notify.inbox.texts import ALERT, CONFIRM

PAGES = present.Presenter(Path(__file__).parent / "templates")
LOGIN = BrowserLogin(home="/inbox")
NO_STORE = {"Cache-Control": "no-store"}


def reader_key(reader: Reader) -> str:
    """Whose read marks: the person, or the token's agency."""
    person = reader.person
    return person.id if person is not None else f"token:{reader.principal.agency or 'admin'}"


def session_of(request: Request) -> Any:
    return session_scope(request.app.state.session_factory)


def page_switch(request: Request, path: str) -> str | None:
    """The language switch of a page answering a form (POST): the page at ``path`` in the
    other language, since the form's own address is no page (a GET there was 405). None for
    a page asked for by its address: the kit's switch keeps that address."""
    if request.method in ("GET", "HEAD"):
        return None
    other = present.other_language(present.language(request))
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return path + "?" + urlencode([*query, ("lang", other)])


def association(request: Request) -> str | None:
    """The escalation agency (settings ``escalation_agency``), if the app knows it."""
    settings = getattr(request.app.state, "settings", None)
    value = getattr(settings, "escalation_agency", None)
    return value if isinstance(value, str) else None


def after_days(request: Request) -> float | None:
    """After how many days an unacknowledged alert is escalated (settings), if known."""
    value = getattr(getattr(request.app.state, "settings", None), "escalate_after_days", None)
    return float(value) if isinstance(value, int | float) else None


def message(request: Request, text: str, *, status: int, kind: str = "error",
            back: str | None = None) -> Response:
    lang = present.language(request)
    return PAGES.render(request, "message.html", texts=CONFIRM, status=status,
                        headers=NO_STORE, message=text, kind=kind, back=back,
                        back_label=ALERT[lang]["back"])


