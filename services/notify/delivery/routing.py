"""Who hears of an alert: the convener's receivers, and the follow-up owner's in copy.

An agency's receivers are its own subscriptions; an agency without any is reached at the role
mailbox (and webhook) the registry names for it (``source = "registry"`` subscriptions,
kept by :mod:`services.notify.subscriptions.contacts`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts.models import Alert
from services.notify.delivery.models import CONVENER, COPY, PENDING, Delivery
from services.notify.subscriptions.models import Subscription

REGISTRY = "registry"


def address_of(channel: str, target: str) -> tuple[str, str]:
    """What makes two receivers the same (mail addresses ignore case)."""
    return channel, target.casefold() if channel == "email" else target


def address(sub: Subscription) -> tuple[str, str]:
    """What makes two subscriptions the same receiver."""
    return address_of(sub.channel, sub.target)


def receivers(*, session: Session, agency: str) -> list[Subscription]:
    """The agency's active subscriptions, or else the registry's contacts for it."""
    subs = list(session.scalars(select(Subscription).where(
        Subscription.convener == agency, Subscription.deleted_at.is_(None))
        .order_by(Subscription.created_at, Subscription.id)))
    # One receiver per address, the oldest: the registry's should two replicas have raced,
    # the agency's own should it have subscribed one twice (a POST retried after a timeout,
    # "Kansli@…" and "kansli@…"), which sent every alert twice.
    own = [s for s in subs if s.source != REGISTRY]
    out, seen = [], set()
    for sub in own or subs:
        if address(sub) not in seen:
            seen.add(address(sub))
            out.append(sub)
    return out


def plan(*, session: Session, convener: str, copy_to: str | None = None) -> dict[str, str]:
    """Subscription id → role: the convener's receivers, then the follow-up owner's (when
    another agency) as copies, one delivery per receiver even when it is both."""
    roles: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for sub in receivers(session=session, agency=convener):
        roles[sub.id] = CONVENER
        seen.add(address(sub))
    if copy_to and copy_to != convener:
        for sub in receivers(session=session, agency=copy_to):
            if sub.id not in roles and address(sub) not in seen:
                roles[sub.id] = COPY
                seen.add(address(sub))
    return roles


def enqueue(*, session: Session, alert: Alert, transition: str, convener: str, now: datetime,
            copy_to: str | None = None, sequence: int = 0) -> int:
    """Queue one delivery per receiver of ``convener`` (and, as copies, of ``copy_to``);
    returns how many are new.

    Already queued (alert, subscription, transition, episode, sequence) rows are left alone,
    so calling this again for the same change is harmless.
    """
    roles = plan(session=session, convener=convener, copy_to=copy_to)
    if not roles:
        return 0
    existing = set(session.scalars(select(Delivery.subscription_id).where(
        Delivery.alert_id == alert.id, Delivery.transition == transition,
        Delivery.episode == alert.episode, Delivery.sequence == sequence)))
    new = sorted(roles.keys() - existing)
    session.add_all(
        Delivery(alert_id=alert.id, subscription_id=sid, transition=transition,
                 episode=alert.episode, sequence=sequence, role=roles[sid], status=PENDING,
                 attempts=0, next_attempt_at=now, created_at=now)
        for sid in new
    )
    session.flush()
    return len(new)
