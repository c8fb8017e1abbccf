"""Weekly digests over HTTP: send this week's now (admin), and read past ones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from samstat_kit.db import session_scope
from samstat_kit.http import AdminToken, AnyToken
from services.notify.api import ERRORS
from services.notify.delivery.texts import language
from services.notify.digests import render, service
from services.notify.digests.models import Digest
from services.notify.digests.schemas import DigestRead, DigestRun
from services.notify.subscriptions.models import Subscription

router = APIRouter(tags=["digests"])

_AGENCY = r"^[a-z][a-z0-9\-]*$"


def _read(g: Digest, sub: Subscription) -> DigestRead:
    lang = language(sub.lang)
    return DigestRead(
        id=g.id, convener=g.convener, subscription_id=g.subscription_id, channel=sub.channel,
        lang=lang, iso_week=g.iso_week, period_start=g.period_start, period_end=g.period_end,
        status=g.status, attempts=g.attempts, last_error=g.last_error,
        created_at=g.created_at, sent_at=g.sent_at, subject=render.subject(g.summary, lang),
        text=render.text(g.summary, lang), summary=g.summary)


@router.post("/v1/digests/run", response_model=DigestRun, responses=ERRORS,
             summary="Write this week's digests now (admin); each convener gets one a week")
def run_digests(
    request: Request, _admin: AdminToken,
    convener: Annotated[str | None, Query(pattern=_AGENCY, max_length=64,
                                          description="Only this convener")] = None,
) -> DigestRun:
    """For operators and tests: the digests the weekly schedule would write, written now
    and sent at once. A convener whose digest of this ISO week exists already gets none."""
    settings = request.app.state.settings
    now = datetime.now(UTC)
    week = service.week_of(now, settings.digest_timezone)
    with session_scope(request.app.state.session_factory) as session:
        created = service.create_digests(
            session=session, now=now, week=week, public_base_url=settings.public_base_url,
            only=[convener] if convener is not None else None, links=request.app.state.links)
        ids = [g.subscription_id for g in created]
        subs = {s.id: s for s in session.scalars(
            select(Subscription).where(Subscription.id.in_(ids)))}
        out = DigestRun(week=week, created=[_read(g, subs[g.subscription_id])
                                            for g in created])
    request.app.state.wake()
    return out


def _iso_week(week: str) -> bool:
    """Whether ``week`` names a week of the calendar (2024-W99 matched the pattern and
    answered an empty list, as if no digest had been written that week)."""
    if not re.fullmatch(r"[0-9]{4}-W[0-9]{2}", week):
        return False
    try:
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        return False
    return True


@router.get("/v1/digests", response_model=list[DigestRead], responses=ERRORS,
            summary="Past weekly digests, newest first (an agency sees its own)")
def get_digests(
    request: Request, principal: AnyToken,
    convener: Annotated[str | None, Query(max_length=64)] = None,
    week: Annotated[str | None, Query(description="ISO week, e.g. 2024-W09")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DigestRead]:
    if week is not None and not _iso_week(week):
        raise HTTPException(422, "week: an ISO week such as 2024-W09 (weeks 01 to 52 or 53)")
    if not principal.is_admin:
        if principal.agency is None or (convener is not None
                                        and convener != principal.agency):
            raise HTTPException(403, "an agency token reads only its own digests")
        convener = principal.agency
    with session_scope(request.app.state.session_factory) as session:
        rows = service.list_digests(session=session, convener=convener, week=week,
                                    limit=limit, offset=offset)
        return [_read(g, s) for g, s in rows]
