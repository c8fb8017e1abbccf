"""The unsubscribe link of every mail (``List-Unsubscribe``, RFC 2369 and the one-click POST
of RFC 8058): ``GET`` asks, ``POST`` ends the subscription, and notify remembers the receiver
unsubscribed (:mod:`services.notify.subscriptions.opt_outs`)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from samstat_kit import present
from services.notify.inbox import links as link_mod
from services.notify.inbox.common import NO_STORE, PAGES
from services.notify.inbox.common import message as _message
from services.notify.inbox.common import session_of as _session
from services.notify.subscriptions import opt_outs
from services.notify.subscriptions.models import Subscription

router = APIRouter(tags=["inbox"], include_in_schema=False)


UNSUBSCRIBE = {
    "sv": {"title": "Avsluta prenumerationen", "question": "Vill du inte längre få "
           "meddelanden från samstat till {target}?", "confirm": "Ja, avsluta",
           "done": "Klart. {target} får inte längre meddelanden från samstat.",
           "invalid": "Länken är inte giltig.", "gone": "Prenumerationen är redan avslutad."},
    "en": {"title": "Unsubscribe", "question": "Stop the messages from samstat to {target}?",
           "confirm": "Yes, unsubscribe", "done": "Done. {target} gets no more messages from "
           "samstat.", "invalid": "The link is not valid.",
           "gone": "The subscription has already ended."},
}


@router.get("/inbox/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> Response:
    """A confirmation form; a GET changes nothing (mail scanners fetch links)."""
    return _unsubscribe(request, token, act=False)


@router.post("/inbox/unsubscribe/{token}")
def unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058 one-click: mail providers POST ``List-Unsubscribe=One-Click`` without cookies,
    so the signed, unguessable per-subscription token is what protects this POST (no CSRF
    cookie can exist); the form on the confirmation page posts here too."""
    return _unsubscribe(request, token, act=True)


def _unsubscribe(request: Request, token: str, *, act: bool) -> Response:
    lang = present.language(request)
    words = UNSUBSCRIBE[lang]
    try:
        sub_id = request.app.state.links.read_unsubscribe(token)
    except link_mod.LinkError:
        return _message(request, words["invalid"], status=400)
    with _session(request) as session:
        sub = session.get(Subscription, sub_id)
        if sub is None:
            return _message(request, words["gone"], status=200, kind="ok")
        target = sub.target
        # The link of an ended subscription (an older mail) speaks for the address too: the
        # registry may have subscribed it anew since (its contact replaced, then named
        # again), or may name it again later.
        reached = opt_outs.reached(session, sub)
        if act:
            opt_outs.unsubscribe(session, sub, datetime.now(UTC))
        if not reached:
            return _message(request, words["gone"], status=200, kind="ok")
    if act:
        return _message(request, words["done"].format(target=target), status=200, kind="ok")
    form = Markup('<form method="post" action="/inbox/unsubscribe/{}"><p>{}</p>'
                  '<button type="submit">{}</button></form>').format(
        token, words["question"].format(target=target), words["confirm"])
    return PAGES.render(request, "message.html", texts={k: {"title": v["title"]}
                                                        for k, v in UNSUBSCRIBE.items()},
                        status=200, headers=NO_STORE, message=form, kind="ok", back=None,
                        back_label="")
