"""An alert's page ``/inbox/{id}``: what happened, why (the cells behind it), its forms and
its history; also the page a form that could not be used comes back to, with what the reader
had typed kept in the forms (:class:`Kept`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.present import account
from samstat_kit.present.markup import echoed
from samstat_kit.web import OptionalReader, Reader, csrf_input
from services.notify.access import NotFound, may_act_for
from services.notify.alerts.models import FIRING, RESOLVED
from services.notify.delivery.texts import agency_name
from services.notify.inbox import links as link_mod
from services.notify.inbox import service as inbox
from services.notify.inbox.common import (
    LOGIN,
    NO_STORE,
    PAGES,
    after_days,
    association,
    page_switch,
    reader_key,
    session_of,
)
from services.notify.inbox.provenance import Provenance, input_cells
from services.notify.inbox.texts import ALERT
from services.notify.inbox.views import alert_view, evidence

router = APIRouter(tags=["inbox"], include_in_schema=False)


@dataclass(frozen=True)
class Typed:
    """What a form that could not be used had in it: ``form`` is ack, snooze, assign or
    comment; ``text`` its comment (the comment form's text)."""

    form: str
    text: str = ""
    until: str = ""
    assignee: str | None = None


@dataclass(frozen=True)
class Kept:
    """What goes back into the page's forms. A comment goes back into its own form if the
    page still shows it, else into "Skriv en kommentar" (shown to everyone who sees the
    alert) and ``moved`` says so: typed words are never dropped."""

    ack: str = ""
    comment: str = ""
    until: str = ""
    assignee: str | None = None
    moved: bool = False

    @classmethod
    def of(cls, typed: Typed | None, v: Any) -> Kept:
        if typed is None:
            return cls()
        status = v.alert.status
        shown = {"ack": v.may_act and status == FIRING, "comment": True,
                 "snooze": v.may_act and status != RESOLVED,
                 "assign": v.may_act and status != RESOLVED}
        until = typed.until if typed.form == "snooze" and shown["snooze"] else ""
        assignee = typed.assignee if typed.form == "assign" and shown["assign"] else None
        if not typed.text.strip():
            return cls(until=until, assignee=assignee)
        if typed.form == "ack" and shown["ack"]:
            return cls(ack=typed.text, until=until, assignee=assignee)
        # The comment form's own text, or a comment its form (snooze, assign: no comment box
        # on the page; ack: gone) cannot show: in the comment box.
        return cls(comment=typed.text, until=until, assignee=assignee,
                   moved=typed.form != "comment")


async def _provenance(request: Request, reader: Reader | None, formula: Any, area: str,
                      period: str, exact: bool = False) -> Provenance:
    settings = request.app.state.inbox_settings
    return await input_cells(
        base_url=settings.ingest_url, token=reader.token if reader else None, formula=formula,
        area=area, period=period, transport=getattr(request.app.state, "ingest_transport", None),
        exact=exact)


@router.get("/inbox/{alert_id}")
async def alert_page(request: Request, alert_id: str, reader: OptionalReader,
                     done: str | None = None) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    lang = present.language(request)
    return await alert_response(request, reader, alert_id,
                                 done=done if done and f"done_{done}" in ALERT[lang] else None)


async def alert_response(request: Request, reader: Reader, alert_id: str, *,
                         done: str | None = None, error: str | None = None,
                         status: int = 200, typed: Typed | None = None) -> Response:
    """The alert page; ``error`` (a form that could not be used) above it, with ``status``,
    and what the reader had typed in it (``typed``) back in the forms: a comment that could
    not be saved was lost with the page (a colleague first, a date out of range)."""
    lang = present.language(request)

    def load() -> Any:
        now = datetime.now(UTC)
        with session_of(request) as session:
            try:
                alert = inbox.visible_alert(session=session, principal=reader.principal,
                                            alert_id=alert_id)
            except NotFound:
                return None
            inbox.mark_read(session=session, alert_id=alert.id, reader=reader_key(reader),
                            now=now)
            may = may_act_for(reader.principal, alert.convener)
            v = alert_view(session=session, alert=alert, lang=lang, now=now, may_act=may,
                           association=association(request),
                           after_days=after_days(request))
            session.expunge_all()
            return v

    v = await run_in_threadpool(load)
    if v is None:
        return missing(request, reader, alert_id)
    # A data-quality alert's evidence is its total and parts: of exactly its period.
    exact = v.quality is not None and not v.quality.gap
    provenance = await _provenance(request, reader, v.formula, v.alert.area, v.alert.period,
                                   exact=exact)
    rows, parts_sum = evidence(provenance, v.quality, v.alert.convener, lang)
    latest_total = next((r.value for r in rows if r.total and not r.protected), None)
    series = link_mod.indicator_page(request.app.state.settings.public_base_url, v.alert.indicator,
                                     v.alert.area)
    now = datetime.now(UTC)
    kept = Kept.of(typed, v)
    if kept.moved and error:  # its own form is gone (acknowledged, resolved): say where it is
        error = f"{error} {ALERT[lang]['error_kept_moved']}"
    return PAGES.render(
        request, "alert.html", texts=ALERT, status=status, headers=NO_STORE, v=v,
        provenance=provenance, evidence=rows, parts_sum=parts_sum, series=series, done=done,
        latest_total=latest_total,
        error=error, kept=kept, csrf=csrf_input(request), signed_in=True, agency_name=agency_name,
        status_name=ALERT[lang]["s_" + v.alert.status],
        tomorrow=(now.astimezone(inbox.STOCKHOLM).date() + timedelta(days=1)).isoformat(),
        latest=inbox.latest_snooze(now).isoformat(),
        switch_url=page_switch(request, f"/inbox/{quote(alert_id, safe='')}"),
        **account.header(request, reader))


def _missing_text(alert_id: str, lang: str) -> str:
    """The alert named by its id; by none when the address holds no id (any text a link
    carried would be said on the page)."""
    shown = echoed(alert_id)
    return ALERT[lang]["missing"].format(id=shown) if shown else ALERT[lang]["missing_any"]


def missing(request: Request, reader: Reader, alert_id: str) -> Response:
    """No such alert (or not the reader's): said under the alert page's heading, signed in."""
    lang = present.language(request)
    return PAGES.render(request, "message.html", texts=ALERT, status=404, headers=NO_STORE,
                        message=_missing_text(alert_id, lang), kind="error",
                        back="/inbox", back_label=ALERT[lang]["back"],
                        switch_url=page_switch(request, f"/inbox/{quote(alert_id, safe='')}"),
                        **account.header(request, reader))
