"""The convener's inbox ``/inbox`` (a page at a time, filtered) and acknowledging several
alerts from it; this module's ``router`` also carries the link's confirmation page
(:mod:`.confirm`), an alert's page (:mod:`.alert_page`) and its forms (:mod:`.alert_forms`).

Swedish first, English by ``?lang=en`` (the presentation kit). Readers are people signed in
(or an agency token); every action is recorded with :func:`samstat_kit.web.actor`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.present import account
from samstat_kit.web import CsrfChecked, OptionalReader, actor, csp_nonce, csrf_input
from services.notify import initiative_names
from services.notify.access import may_act_for
from services.notify.alerts.models import FIRING
from services.notify.delivery.texts import agency_name
from services.notify.inbox import alert_forms, alert_page, bulk, confirm, list_view, listing, quiet
from services.notify.inbox import service as inbox
from services.notify.inbox.common import LOGIN, NO_STORE, PAGES, reader_key, session_of
from services.notify.inbox.texts import INBOX

__all__ = ["LOGIN", "router"]

router = APIRouter(tags=["inbox"], include_in_schema=False)


@router.get("/inbox")
def inbox_page(request: Request, reader: OptionalReader, status: str | None = None,
               initiative: str | None = None, area: str | None = None,
               after: str | None = None, before: str | None = None) -> Response:
    """The list, a page at a time (``after``/``before``: the cursor of the row the page
    follows or precedes); ``status`` is the state filter (open, firing, acknowledged,
    resolved, muted). Firing alerts the reader may acknowledge get a checkbox, for
    acknowledging several at once (:func:`acknowledge_many_form`)."""
    if reader is None:
        return LOGIN.redirect(request)
    lang = present.language(request)
    filters = list_view.filters_of(status, initiative, area)
    principal = reader.principal
    here = {"after": listing.Cursor.decode(after), "before": listing.Cursor.decode(before)}
    with session_of(request) as session:
        found = listing.page(session=session, principal=principal, reader=reader_key(reader),
                             now=datetime.now(UTC), lang=lang, filters=filters,
                             after=here["after"], before=here["before"])
        counts = listing.open_by_initiative(session=session, principal=principal)
        initiatives, areas = listing.filter_options(session=session, principal=principal)
        agencies = {principal.agency} if principal.agency else set()
        windows = [w for a in sorted(agencies)
                   for w in quiet.windows_for(session=session, convener=a)]
        people = inbox.display_names(session=session)
        titles = initiative_names.names(session=session)
        places = list_view.precisions(found.rows)
        shown = [list_view.row(r, lang, people, r.alert.status == FIRING and
                               may_act_for(principal, r.alert.convener),
                               places[r.alert.indicator]) for r in found.rows]
        window_rows = [{"convener_name": agency_name(w.convener),
                        "start": list_view.day_month(w.start_month, w.start_day, lang),
                        "end": list_view.day_month(w.end_month, w.end_day, lang),
                        "comment": w.comment} for w in windows]
    intro = INBOX[lang]["intro_admin"] if principal.is_admin else \
        INBOX[lang]["intro"].format(agency=agency_name(principal.agency))
    return PAGES.render(
        request, "inbox.html", texts=INBOX, headers=NO_STORE, rows=shown, intro=intro,
        found=found, last=found.first + len(shown) - 1, counts=counts,
        newer_url=list_view.list_url(filters, before=found.newer) if found.newer else None,
        older_url=list_view.list_url(filters, after=found.older) if found.older else None,
        status_filter=filters.state, initiative=filters.initiative, area=filters.area or "",
        initiatives=initiatives, areas=list_view.area_choices(areas, lang),
        initiative_label=lambda n: initiative_names.named(n, titles.get(n)),
        windows=window_rows, **account.header(request, reader),
        bulk=sum(r["may_ack"] for r in shown), here=list_view.list_query(filters, **here),
        notice=list_view.notice(request.query_params, lang), csrf=csrf_input(request),
        nonce=csp_nonce(request))


Filter = Annotated[str | None, Form(max_length=list_view.MAX_FILTER)]


@router.post("/inbox/acknowledge")
async def acknowledge_many_form(
        request: Request, _csrf: CsrfChecked, reader: OptionalReader,
        alert: Annotated[list[str] | None, Form()] = None,
        comment: Annotated[str, Form(max_length=2000)] = "", status: Filter = None,
        initiative: Filter = None, area: Filter = None, after: Filter = None,
        before: Filter = None) -> Response:
    """The list's checkboxes: acknowledge the ticked alerts (:mod:`.bulk`, each as one
    alone would be), then back to the same list and page, saying how many were and why
    others were not (in its address: ``bulk=done`` and the counts)."""
    filters = list_view.filters_of(status, initiative, area)
    older, newer = listing.Cursor.decode(after), listing.Cursor.decode(before)

    def back(extra: list[tuple[str, str]]) -> RedirectResponse:
        return RedirectResponse(list_view.list_url(filters, after=older, before=newer,
                                                   extra=extra),
                                status_code=303, headers=NO_STORE)

    if reader is None:  # signed out meanwhile: after signing in, the same list (not a POST)
        here = LOGIN.safe_next(list_view.list_url(filters, after=older, before=newer))
        return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303,
                                headers=NO_STORE)

    def run() -> list[bulk.Outcome]:
        return bulk.acknowledge_many(
            sessions=lambda: session_of(request), principal=reader.principal,
            alert_ids=alert or [], who=actor(reader), now=datetime.now(UTC),
            comment=comment, read_by=reader_key(reader))

    try:
        done = await run_in_threadpool(run)
    except inbox.Invalid as exc:
        return back([("bulk", exc.code)])
    if any(o.outcome == bulk.DONE for o in done):
        request.app.state.wake()
    return back(list_view.done_query(done))


# After the list's own routes, in this order: /inbox/ack/{token} before /inbox/{alert_id}.
for _part in (confirm.router, alert_page.router, alert_forms.router):
    router.include_router(_part)
