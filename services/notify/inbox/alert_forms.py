"""The forms of an alert's page (acknowledge, snooze, assign, comment, mark unread): each
acts and goes back to the page (303), or shows the page with why not and what the reader had
typed still in the form (:mod:`.alert_page`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from samstat_kit import present
from samstat_kit.web import CsrfChecked, OptionalReader, Reader, actor
from services.notify.access import Conflict, Forbidden, NotFound
from services.notify.delivery.texts import agency_name
from services.notify.inbox import service as inbox
from services.notify.inbox.alert_page import Typed, alert_response, missing
from services.notify.inbox.common import LOGIN, NO_STORE, reader_key, session_of
from services.notify.inbox.texts import ALERT

router = APIRouter(tags=["inbox"], include_in_schema=False)


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
               action: Any, typed: Typed, to: str | None = None) -> Response:
    """Run one form action and go back to the alert page (303), or show the alert page with
    why not (in the reader's language, above the forms) and what was ``typed`` in the form
    back in it. ``action`` may name another outcome than ``done`` (a colleague's first)."""
    if reader is None:
        return LOGIN.redirect(request)

    def run() -> Exception | str | None:
        try:
            with session_of(request) as session:
                return action(session, reader)
        except (NotFound, Forbidden, Conflict, inbox.Invalid) as exc:
            return exc

    failed = await run_in_threadpool(run)
    if isinstance(failed, str):
        done, failed = failed, None
    if isinstance(failed, NotFound):
        return missing(request, reader, alert_id)
    if failed is not None:
        status = 403 if isinstance(failed, Forbidden) else 409 \
            if isinstance(failed, Conflict) else 422
        return await alert_response(request, reader, alert_id, status=status, typed=typed,
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
    def run(session: Session, r: Reader) -> str | None:
        who = actor(r)
        alert = inbox.acknowledge(session=session, principal=r.principal, alert_id=alert_id,
                                  who=who, now=datetime.now(UTC), comment=_short(comment))
        # Acknowledged by someone else before this form was sent: the comment was kept as a
        # comment; "Larmet är kvitterat." alone would say this reader did it.
        if alert.acknowledged_by != who:
            return "already_comment" if comment.strip() else "already"
        return None
    return await _act(request, reader, alert_id, "acknowledged", run,
                      Typed("ack", text=comment))


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
    return await _act(request, reader, alert_id, "snoozed", run,
                      Typed("snooze", text=comment, until=until))


@router.post("/inbox/{alert_id}/assign")
async def assign_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                assignee: Annotated[str, Form(max_length=254)] = "",
                comment: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.assign(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                     assignee=assignee, now=datetime.now(UTC), comment=_short(comment))
    return await _act(request, reader, alert_id, "assigned", run,
                      Typed("assign", text=comment, assignee=assignee))


@router.post("/inbox/{alert_id}/comment")
async def comment_form(request: Request, alert_id: str, _csrf: CsrfChecked, reader: OptionalReader,
                 text: Comment = "") -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.comment(session=session, principal=r.principal, alert_id=alert_id, who=actor(r),
                      text=_short(text), now=datetime.now(UTC))
    return await _act(request, reader, alert_id, "commented", run, Typed("comment", text=text))


@router.post("/inbox/{alert_id}/unread")
async def unread_form(request: Request, alert_id: str, _csrf: CsrfChecked,
                reader: OptionalReader) -> Response:
    def run(session: Session, r: Reader) -> None:
        inbox.visible_alert(session=session, principal=r.principal, alert_id=alert_id)
        inbox.mark_unread(session=session, alert_id=alert_id, reader=reader_key(r))
    return await _act(request, reader, alert_id, "unread", run, Typed("unread"), to="/inbox")
