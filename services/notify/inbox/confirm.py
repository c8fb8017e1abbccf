"""The one-click acknowledge link's confirmation page ``/inbox/ack/{token}``: GET shows the
alert and a form and changes nothing (mail scanners prefetch links); POST acknowledges once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.web import CsrfChecked, OptionalReader, Reader, actor, csrf_input
from services.notify.inbox import links as link_mod
from services.notify.inbox import service as inbox
from services.notify.inbox.common import (
    NO_STORE,
    PAGES,
    after_days,
    association,
    message,
    session_of,
)
from services.notify.inbox.texts import ALERT, CONFIRM
from services.notify.inbox.views import alert_view

LINK_ACTIONS = Counter("notify_link_actions_total",
                       "One-click acknowledge links posted, by outcome (done, used, expired...)",
                       ["outcome"])
CONFIRM_TEXTS = {lang: {**ALERT[lang], **CONFIRM[lang]} for lang in present.LANGUAGES}
router = APIRouter(tags=["inbox"], include_in_schema=False)


@router.get("/inbox/ack/{token}")
async def confirm_page(request: Request, token: str) -> Response:
    """Shows the alert and a confirmation form; changes nothing (scanners prefetch links)."""
    return await run_in_threadpool(_confirm, request, token, None)


@router.post("/inbox/ack/{token}")
async def confirm_post(request: Request, token: str, _csrf: CsrfChecked,
                       reader: OptionalReader,
                       comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    return await run_in_threadpool(_confirm, request, token, (reader, comment))


def _confirm(request: Request, token: str, post: tuple[Reader | None, str] | None) -> Response:
    lang = present.language(request)
    links: link_mod.Links = request.app.state.links
    try:
        claims = links.read(token)
    except link_mod.LinkError as exc:
        if post is not None:
            LINK_ACTIONS.labels(exc.reason).inc()
        return message(request, CONFIRM[lang][exc.reason], status=400 if exc.reason ==
                        "invalid" else 410)
    now = datetime.now(UTC)
    with session_of(request) as session:
        outcome = None
        if post is not None:
            reader, comment = post
            who = actor(reader) if reader is not None else None
            outcome = inbox.acknowledge_by_link(session=session, claims=claims, who=who,
                                                comment=comment, now=now)
            LINK_ACTIONS.labels(outcome).inc()
        else:
            outcome = inbox.link_state(session=session, claims=claims)
        if outcome == "revoked":
            # Its subscription is gone: the page of an expired link, nothing of the alert.
            return message(request, CONFIRM[lang]["expired"], status=410)
        alert = session.get(inbox.Alert, claims.alert_id)
        if alert is None:
            return message(request, CONFIRM[lang]["missing"], status=404)
        v = alert_view(session=session, alert=alert, lang=lang, now=now, may_act=False,
                       association=association(request), after_days=after_days(request))
        show_form = outcome is None
        status = {"used": 409, "stale_episode": 409, "forbidden": 403}.get(outcome or "", 200)
        return PAGES.render(
            request, "confirm.html", texts=CONFIRM_TEXTS, status=status, headers=NO_STORE,
            v=v, outcome=outcome, show_form=show_form, csrf=csrf_input(request),
            action=f"/inbox/ack/{quote(token, safe='')}", signed_in=False,
            status_name=CONFIRM_TEXTS[lang]["s_" + alert.status])
