"""The convener's pages on notify: ``/inbox``, ``/inbox/{id}`` with its action forms, and the
one-click acknowledge link's confirmation page ``/inbox/ack/{token}`` (GET shows, POST acts).

Swedish first, English by ``?lang=en`` (the presentation kit). Readers are people signed in
(or an agency token); every action is recorded with :func:`samstat_kit.web.actor`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from prometheus_client import Counter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.db import session_scope
from samstat_kit.present import account
from samstat_kit.web import (
    BrowserLogin,
    CsrfChecked,
    OptionalReader,
    Reader,
    actor,
    csp_nonce,
    csrf_input,
)
from services.notify import initiative_names
from services.notify.access import Conflict, Forbidden, NotFound, may_act_for
from services.notify.alerts.models import FIRING
from services.notify.delivery.texts import agency_name
from services.notify.inbox import bulk, list_view, listing, quiet
from services.notify.inbox import links as link_mod
from services.notify.inbox import service as inbox
from services.notify.inbox.provenance import Provenance, input_cells
from services.notify.inbox.texts import ALERT, CONFIRM, INBOX
from services.notify.inbox.views import alert_view, evidence

PAGES = present.Presenter(Path(__file__).parent / "templates")
LINK_ACTIONS = Counter("notify_link_actions_total",
                       "One-click acknowledge links posted, by outcome (done, used, expired...)",
                       ["outcome"])
LOGIN = BrowserLogin(home="/inbox")
CONFIRM_TEXTS = {lang: {**ALERT[lang], **CONFIRM[lang]} for lang in present.LANGUAGES}
router = APIRouter(tags=["inbox"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


def reader_key(reader: Reader) -> str:
    """Whose read marks: the person, or the token's agency."""
    person = reader.person
    return person.id if person is not None else f"token:{reader.principal.agency or 'admin'}"


def _session(request: Request) -> Any:
    return session_scope(request.app.state.session_factory)


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
    with _session(request) as session:
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
        shown = [list_view.row(r, lang, people, r.alert.status == FIRING and
                               may_act_for(principal, r.alert.convener)) for r in found.rows]
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
            sessions=lambda: _session(request), principal=reader.principal,
            alert_ids=alert or [], who=actor(reader), now=datetime.now(UTC),
            comment=comment, read_by=reader_key(reader))

    try:
        done = await run_in_threadpool(run)
    except inbox.Invalid as exc:
        return back([("bulk", exc.code)])
    if any(o.outcome == bulk.DONE for o in done):
        request.app.state.wake()
    return back(list_view.done_query(done))


async def _provenance(request: Request, reader: Reader | None, formula: Any, area: str,
                      period: str, exact: bool = False) -> Provenance:
    settings = request.app.state.inbox_settings
    return await input_cells(
        base_url=settings.ingest_url, token=reader.token if reader else None, formula=formula,
        area=area, period=period, transport=getattr(request.app.state, "ingest_transport", None),
        exact=exact)


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
        return _message(request, CONFIRM[lang][exc.reason], status=400 if exc.reason ==
                        "invalid" else 410)
    now = datetime.now(UTC)
    with _session(request) as session:
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
            return _message(request, CONFIRM[lang]["expired"], status=410)
        alert = session.get(inbox.Alert, claims.alert_id)
        if alert is None:
            return _message(request, CONFIRM[lang]["missing"], status=404)
        v = alert_view(session=session, alert=alert, lang=lang, now=now, may_act=False,
                       association=_association(request), after_days=_after_days(request))
        show_form = outcome is None
        status = {"used": 409, "stale_episode": 409, "forbidden": 403}.get(outcome or "", 200)
        return PAGES.render(
            request, "confirm.html", texts=CONFIRM_TEXTS, status=status, headers=NO_STORE,
            v=v, outcome=outcome, show_form=show_form, csrf=csrf_input(request),
            action=f"/inbox/ack/{quote(token, safe='')}", signed_in=False,
            status_name=CONFIRM_TEXTS[lang]["s_" + alert.status])


def _association(request: Request) -> str | None:
    """The escalation agency (settings ``escalation_agency``), if the app knows it."""
    settings = getattr(request.app.state, "settings", None)
    value = getattr(settings, "escalation_agency", None)
    return value if isinstance(value, str) else None


def _after_days(request: Request) -> float | None:
    """After how many days an unacknowledged alert is escalated (settings), if known."""
    value = getattr(getattr(request.app.state, "settings", None), "escalate_after_days", None)
    return float(value) if isinstance(value, int | float) else None


def _message(request: Request, message: str, *, status: int, kind: str = "error",
             back: str | None = None) -> Response:
    lang = present.language(request)
    return PAGES.render(request, "message.html", texts=CONFIRM, status=status,
                        headers=NO_STORE, message=message, kind=kind, back=back,
                        back_label=ALERT[lang]["back"])


@router.get("/inbox/{alert_id}")
async def alert_page(request: Request, alert_id: str, reader: OptionalReader,
                     done: str | None = None) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    lang = present.language(request)
    return await _alert_response(request, reader, alert_id,
                                 done=done if done and f"done_{done}" in ALERT[lang] else None)


async def _alert_response(request: Request, reader: Reader, alert_id: str, *,
                          done: str | None = None, error: str | None = None,
                          status: int = 200) -> Response:
    """The alert page; ``error`` (a form that could not be used) above it, with ``status``."""
    lang = present.language(request)

    def load() -> Any:
        now = datetime.now(UTC)
        with _session(request) as session:
            try:
                alert = inbox.visible_alert(session=session, principal=reader.principal,
                                            alert_id=alert_id)
            except NotFound:
                return None
            inbox.mark_read(session=session, alert_id=alert.id, reader=reader_key(reader),
                            now=now)
            may = may_act_for(reader.principal, alert.convener)
            v = alert_view(session=session, alert=alert, lang=lang, now=now, may_act=may,
                           association=_association(request),
                           after_days=_after_days(request))
            session.expunge_all()
            return v

    v = await run_in_threadpool(load)
    if v is None:
        return _missing(request, reader, alert_id)
    # A data-quality alert's evidence is its total and parts: of exactly its period.
    exact = v.quality is not None and not v.quality.gap
    provenance = await _provenance(request, reader, v.formula, v.alert.area, v.alert.period,
                                   exact=exact)
    rows, parts_sum = evidence(provenance, v.quality, v.alert.convener, lang)
    latest_total = next((r.value for r in rows if r.total and not r.protected), None)
    series = link_mod.indicator_page(request.app.state.settings.public_base_url, v.alert.indicator,
                                     v.alert.area)
    now = datetime.now(UTC)
    return PAGES.render(
        request, "alert.html", texts=ALERT, status=status, headers=NO_STORE, v=v,
        provenance=provenance, evidence=rows, parts_sum=parts_sum, series=series, done=done,
        latest_total=latest_total,
        error=error, csrf=csrf_input(request), signed_in=True, agency_name=agency_name,
        status_name=ALERT[lang]["s_" + v.alert.status],
        tomorrow=(now.astimezone(inbox.STOCKHOLM).date() + timedelta(days=1)).isoformat(),
        latest=inbox.latest_snooze(now).isoformat(),
        **account.header(request, reader))


def _missing(request: Request, reader: Reader, alert_id: str) -> Response:
    """No such alert (or not the reader's): said under the alert page's heading, signed in."""
    lang = present.language(request)
    return PAGES.render(request, "message.html", texts=ALERT, status=404, headers=NO_STORE,
                        message=ALERT[lang]["missing"].format(id=alert_id), kind="error",
                        back="/inbox", back_label=ALERT[lang]["back"],
                        **account.header(request, reader))


def _error_text(exc: Exception, lang: str) -> str:
    """Why a form could not be used, in the reader's language (the API keeps the English)."""
    words = ALERT[lang]
    if isinstance(exc, Forbidden):
        return words["error_forbidden"]
    if isinstance(exc, Conflict):
        return words["error_resolved"]
    code = getattr(exc, "code", "invalid")
    params = {k: present.formatting.date(v, lang) if isinstance(v, date) else
              agency_name(v) if k == "convener" else v
              for k, v in getattr(exc, "params", {}).items()}
    return words.get(f"error_{code}", words["error_invalid"]).format(**params)


async def _act(request: Request, reader: Reader | None, alert_id: str, done: str,
               action: Any, to: str | None = None) -> Response:
    """Run one form action and go back to the alert page (303), or show the alert page with
    why not (in the reader's language, above the forms)."""
    if reader is None:
        return LOGIN.redirect(request)

    def run() -> Exception | None:
        try:
            with _session(request) as session:
                action(session, reader)
        except (NotFound, Forbidden, Conflict, inbox.Invalid) as exc:
            return exc
        return None

    failed = await run_in_threadpool(run)
    if isinstance(failed, NotFound):
        return _missing(request, reader, alert_id)
    if failed is not None:
        status = 403 if isinstance(failed, Forbidden) else 409 \
            if isinstance(failed, Conflict) else 422
        return await _alert_response(request, reader, alert_id, status=status,
                                     error=_error_text(failed, present.language(request)))
    request.app.state.wake()
    return RedirectResponse(to or f"/inbox/{quote(alert_id, safe='')}?done={done}",
                            status_code=303, headers=NO_STORE)


# Read by the page, not by FastAPI: past 2,000 characters its 422 was the kit's generic page
# in place of the alert's with "a comment may be at most 2,000 characters". (The form's own
# ceiling keeps a body from being read into memory without end.)
Comment = Annotated[str, Form(max_length=200_000)]
COMMENT_LIMIT = 2000


def _short(text: str) -> str:
    if len(text) > COMMENT_LIMIT:
        raise inbox.Invalid(f"comment: at most {COMMENT_LIMIT} characters", "comment_length",
                            limit=COMMENT_LIMIT)
    return text


@router.post("/inbox/{alert_id}/acknowledge")
async def acknowledge_form(request: Request, alert_id: str, _csrf: CsrfChecked,
                     reader: OptionalReader, comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.acknowledge(session=session, principal=r.principal, alert_id=alert_id,
                          who=actor(r), now=datetime.now(UTC), comment=_short(comment))
    return await _act(request, reader, alert_id, "acknowledged", run)


@router.post("/inbox/{alert_id}/snooze")
async def snooze_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                until: Annotated[str, Form(max_length=40)] = "", comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        try:  # read here, not by FastAPI: its 422 was raw English JSON in place of the page
            day = date.fromisoformat(until.strip())
        except ValueError:
            raise inbox.Invalid("until: not a date", "snooze_date") from None
        inbox.snooze(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                     until=day, now=datetime.now(UTC), comment=_short(comment))
    return await _act(request, reader, alert_id, "snoozed", run)


@router.post("/inbox/{alert_id}/assign")
async def assign_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                assignee: Annotated[str, Form(max_length=254)] = "",
                comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.assign(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                     assignee=assignee, now=datetime.now(UTC), comment=_short(comment))
    return await _act(request, reader, alert_id, "assigned", run)


@router.post("/inbox/{alert_id}/comment")
async def comment_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                 text: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.comment(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                      text=_short(text), now=datetime.now(UTC))
    return await _act(request, reader, alert_id, "commented", run)


@router.post("/inbox/{alert_id}/unread")
async def unread_form(request: Request, alert_id: str, _csrf: CsrfChecked,
                reader: OptionalReader) -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.visible_alert(session=session, principal=r.principal, alert_id=alert_id)
        inbox.mark_unread(session=session, alert_id=alert_id, reader=reader_key(r))
    return await _act(request, reader, alert_id, "unread", run, to="/inbox")

