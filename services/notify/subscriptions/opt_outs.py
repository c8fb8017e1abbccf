"""Receivers that unsubscribed, remembered per agency and address (``notify_opt_outs``).

Ending the subscriptions alone was forgotten at the next edit of the agency's contact in the
registry, which subscribed its role mailbox again against the reader's explicit wish. The
registry's sync (:mod:`services.notify.subscriptions.contacts`) skips an opted-out address;
only the agency subscribing the address itself (``POST /v1/subscriptions``) lifts it.

Both sides lock the agency's ``notify_contacts`` row first (PostgreSQL), in that order, so an
unsubscribe and a registry event read at the same moment by another replica do not each miss
the other's work: the sync would otherwise read no opt-out and subscribe the mailbox anew.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.notify.delivery.routing import address, address_of
from services.notify.rows import insert_new
from services.notify.subscriptions.models import Contact, OptOut, Subscription


def lock_contact(session: Session, agency: str) -> None:
    """Hold the agency's contact row until the transaction ends (when it has one)."""
    session.execute(select(Contact.agency).where(Contact.agency == agency).with_for_update())


def _same(session: Session, sub: Subscription) -> list[Subscription]:
    """The agency's active subscriptions to the receiver of ``sub`` (itself, if active)."""
    subs = session.scalars(select(Subscription).where(
        Subscription.convener == sub.convener, Subscription.channel == sub.channel,
        Subscription.deleted_at.is_(None)))
    return [other for other in subs if address(other) == address(sub)]


def reached(session: Session, sub: Subscription) -> bool:
    """Whether the receiver of ``sub`` still hears from its agency (through any of them)."""
    return bool(_same(session, sub))


def unsubscribe(session: Session, sub: Subscription, now: datetime) -> None:
    """End every subscription of ``sub``'s agency to its receiver (``sub`` itself may have
    ended already), and remember that the receiver unsubscribed. The page says the address
    gets no more messages: one subscribed twice ("Kansli@…" and "kansli@…") went on getting
    them through the other, and the registry's mailbox came back with the next registry
    edit."""
    lock_contact(session, sub.convener)
    for other in _same(session, sub):
        other.deleted_at = now
    channel, addr = address(sub)
    # Already there (two clicks at once): the first reader's record stands.
    insert_new(session, OptOut, convener=sub.convener, channel=channel, address=addr,
               subscription_id=sub.id, created_at=now)
    session.flush()


def of_agency(session: Session, agency: str) -> set[tuple[str, str]]:
    """The agency's opted-out receivers, as :func:`address_of` gives them."""
    return set(session.execute(select(OptOut.channel, OptOut.address).where(
        OptOut.convener == agency)).tuples())


def lift(session: Session, agency: str, channel: str, target: str) -> bool:
    """Forget that the receiver unsubscribed; whether it had. (The caller holds the
    contact's lock: see :func:`services.notify.subscriptions.contacts.lift_opt_out`.)"""
    ch, addr = address_of(channel, target)
    gone = session.scalars(delete(OptOut).where(
        OptOut.convener == agency, OptOut.channel == ch, OptOut.address == addr)
        .returning(OptOut.address)).all()
    return bool(gone)
