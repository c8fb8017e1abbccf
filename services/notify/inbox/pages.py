"""The convener's pages on notify: ``/inbox``, ``/inbox/{id}`` with its action forms, and the
one-click acknowledge link's confirmation page ``/inbox/ack/{token}`` (GET shows, POST acts).

Swedish first, English by ``?lang=en`` (the presentation kit). Readers are people signed in
(or an agency token); every action is recorded with :func:`samstat_kit.web.actor`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from prometheus_client import Counter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.db import session_scope
from samstat_kit.web import BrowserLogin, CsrfChecked, OptionalReader, Reader, actor, csrf_input
from services.notify import initiative_names
from services.notify.access import Conflict, Forbidden, NotFound, may_act_for
from services.notify.delivery.texts import agency_name, area_name, rule_name
from services.notify.inbox import links as link_mod
from services.notify.inbox import listing, quiet
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


def _account(reader: Reader) -> str:
    person = reader.person
    if person is not None:
        return f"{person.name or person.email} · {agency_name(person.agency)}"
    return agency_name(reader.principal.agency) if reader.principal.agency else "admin"


def _logout(request: Request) -> Any:
    return Markup(
        '<form method="post" action="/logout">{}<button type="submit">{}</button></form>'
    ).format(csrf_input(request), present.BASE_TEXTS[present.language(request)]["sign_out"])


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@router.get("/inbox")
def inbox_page(request: Request, reader: OptionalReader, status: str | None = None,
               initiative: str | None = None, area: str | None = None,
               after: str | None = None, before: str | None = None) -> Response:
    """The list, a page at a time (``after``/``before``: the cursor of the row the page
    follows or precedes); ``status`` is the state filter (open, firing, acknowledged,
    resolved, muted)."""
    if reader is None:
        return LOGIN.redirect(request)
    lang = present.language(request)
    filters = listing.Filters(state=status if status in listing.STATES else None,
                              initiative="none" if initiative == "none" else _int(initiative),
                              area=area or None)
    principal = reader.principal
    with _session(request) as session:
        found = listing.page(session=session, principal=principal, reader=reader_key(reader),
                             now=datetime.now(UTC), lang=lang, filters=filters,
                             after=listing.Cursor.decode(after),
                             before=listing.Cursor.decode(before))
        counts = listing.open_by_initiative(session=session, principal=principal)
        initiatives, areas = listing.filter_options(session=session, principal=principal)
        agencies = {principal.agency} if principal.agency else set()
        windows = [w for a in sorted(agencies)
                   for w in quiet.windows_for(session=session, convener=a)]
        people = inbox.display_names(session=session)
        titles = initiative_names.names(session=session)
        shown = [_row(r, lang, people) for r in found.rows]
        window_rows = [{"convener_name": agency_name(w.convener),
                        "start": _day_month(w.start_month, w.start_day, lang),
                        "end": _day_month(w.end_month, w.end_day, lang),
                        "comment": w.comment} for w in windows]
    intro = INBOX[lang]["intro_admin"] if principal.is_admin else \
        INBOX[lang]["intro"].format(agency=agency_name(principal.agency))
    return PAGES.render(
        request, "inbox.html", texts=INBOX, headers=NO_STORE, rows=shown, intro=intro,
        found=found, last=found.first + len(shown) - 1, counts=counts,
        newer_url=_list_url(filters, before=found.newer),
        older_url=_list_url(filters, after=found.older),
        status_filter=filters.state, initiative=filters.initiative, area=area or "",
        initiatives=initiatives, areas=[(a, area_name(a)) for a in areas],
        initiative_label=lambda n: initiative_names.named(n, titles.get(n)),
        windows=window_rows, account=_account(reader), logout=_logout(request))


def _list_url(filters: listing.Filters, *, after: listing.Cursor | None = None,
              before: listing.Cursor | None = None) -> str | None:
    """The inbox with the same filters, one page on (None: there is no such page)."""
    cursor = after or before
    if cursor is None:
        return None
    query = [(k, str(v)) for k, v in (("status", filters.state),
                                      ("initiative", filters.initiative),
                                      ("area", filters.area)) if v is not None]
    query.append(("after" if after else "before", cursor.encode()))
    return "/inbox?" + urlencode(query)


def _row(r: listing.Row, lang: str, people: dict[str, str]) -> dict[str, Any]:
    assignee = r.alert.assignee or ""
    return {"alert": r.alert, "title": r.title, "unit": r.unit, "unread": r.unread,
            "muted": r.muted, "rule_name": rule_name(r.alert.rule, lang),
            "area_name": area_name(r.alert.area),
            "period": present.formatting.period(r.alert.period, lang, short=True),
            "assignee_name": people.get(assignee, assignee)}


def _day_month(month: int, day: int, lang: str) -> str:
    return present.formatting.date(date(2024, month, day), lang).rsplit(" ", 1)[0]


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
        account=_account(reader), logout=_logout(request))


def _missing(request: Request, reader: Reader, alert_id: str) -> Response:
    """No such alert (or not the reader's): said under the alert page's heading, signed in."""
    lang = present.language(request)
    return PAGES.render(request, "message.html", texts=ALERT, status=404, headers=NO_STORE,
                        message=ALERT[lang]["missing"].format(id=alert_id), kind="error",
                        back="/inbox", back_label=ALERT[lang]["back"],
                        account=_account(reader), logout=_logout(request))


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


Comment = Annotated[str, Form(max_length=2000)]


@router.post("/inbox/{alert_id}/acknowledge")
async def acknowledge_form(request: Request, alert_id: str, _csrf: CsrfChecked,
                     reader: OptionalReader, comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.acknowledge(session=session, principal=r.principal, alert_id=alert_id,
                          who=actor(r), now=datetime.now(UTC), comment=comment)
    return await _act(request, reader, alert_id, "acknowledged", run)


@router.post("/inbox/{alert_id}/snooze")
async def snooze_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                until: Annotated[date, Form()], comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.snooze(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                     until=until, now=datetime.now(UTC), comment=comment)
    return await _act(request, reader, alert_id, "snoozed", run)


@router.post("/inbox/{alert_id}/assign")
async def assign_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                assignee: Annotated[str, Form(max_length=254)] = "",
                comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.assign(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                     assignee=assignee, now=datetime.now(UTC), comment=comment)
    return await _act(request, reader, alert_id, "assigned", run)


@router.post("/inbox/{alert_id}/comment")
async def comment_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                 text: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.comment(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                      text=text, now=datetime.now(UTC))
    return await _act(request, reader, alert_id, "commented", run)


@router.post("/inbox/{alert_id}/unread")
async def unread_form(request: Request, alert_id: str, _csrf: CsrfChecked,
                reader: OptionalReader) -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.visible_alert(session=session, principal=r.principal, alert_id=alert_id)
        inbox.mark_unread(session=session, alert_id=alert_id, reader=reader_key(r))
    return await _act(request, reader, alert_id, "unread", run, to="/inbox")

