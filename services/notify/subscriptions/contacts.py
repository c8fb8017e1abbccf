"""Role mailboxes and webhooks named by the registry, the default route of an agency that has
no subscription of its own.

Registry events may carry ``contacts: [{"agency", "email", "webhook", "version"?}]`` (the
initiatives service's ``initiatives_contacts``; ``webhook_url`` is read as ``webhook``). For
the agencies an event names (convener, follow-up owner) the list is the registry's word: a
named agency missing from it has no contact any more. Each contact is kept in
``notify_contacts`` and as ``source = "registry"`` subscriptions (sv, json, unsigned), which
routing uses only while the agency has none of its own. A receiver that unsubscribed
(:mod:`services.notify.subscriptions.opt_outs`) is not subscribed again, whatever the registry
sends, until the agency subscribes it itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_id
from samstat_kit.netguard import mail_receiver_allowed
from services.notify.delivery.routing import address_of
from services.notify.rows import insert_new, row_locks
from services.notify.subscriptions import opt_outs
from services.notify.subscriptions.models import Contact, Subscription

log = logging.getLogger(__name__)

REGISTRY = "registry"
_AGENCY = re.compile(r"^[a-z][a-z0-9\-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RegistryContact:
    agency: str
    email: str | None
    webhook: str | None
    version: int | None = None

    def wanted(self) -> list[tuple[str, str]]:
        return [(ch, t) for ch, t in (("email", self.email), ("webhook", self.webhook)) if t]


def parse_contacts(raw: Any) -> list[RegistryContact]:
    """The usable entries of an event's ``contacts``; a bad entry is skipped, loudly, so it
    never costs the event its definition."""
    if not isinstance(raw, list):
        return []
    out = []
    for entry in raw:
        try:
            agency = str(entry["agency"])
            email = entry.get("email") or None
            webhook = entry.get("webhook") or entry.get("webhook_url") or None
            version = entry.get("version")
            if not _AGENCY.fullmatch(agency) or len(agency) > 64:
                raise ValueError(f"bad agency {agency!r}")
            if email is not None and (not isinstance(email, str) or not _EMAIL.fullmatch(email)
                                      or len(email) > 254
                                      or not mail_receiver_allowed(email)):
                raise ValueError(f"bad e-mail address for {agency}")
            if webhook is not None:
                url = urlsplit(str(webhook))
                if url.scheme not in ("http", "https") or not url.hostname \
                        or len(str(webhook)) > 2000:
                    raise ValueError(f"bad webhook for {agency}")
            if version is not None and (isinstance(version, bool)
                                        or not isinstance(version, int)):
                raise ValueError(f"bad version for {agency}")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            log.warning("skipping registry contact: %s", exc)
            continue
        out.append(RegistryContact(agency, email, str(webhook) if webhook else None, version))
    return out


def _sync_subscriptions(session: Session, agency: str, wanted: list[tuple[str, str]],
                        now: datetime) -> None:
    """Make the agency's registry subscriptions exactly ``wanted``, less the receivers that
    unsubscribed (retiring the others). The caller holds the contact's lock."""
    unsubscribed = opt_outs.of_agency(session, agency)
    wanted = [w for w in wanted if address_of(*w) not in unsubscribed]
    current = list(session.scalars(select(Subscription).where(
        Subscription.convener == agency, Subscription.source == REGISTRY,
        Subscription.deleted_at.is_(None))))
    for sub in current:
        if (sub.channel, sub.target) not in wanted:
            sub.deleted_at = now
    have = {(s.channel, s.target) for s in current}
    for channel, target in wanted:
        if (channel, target) not in have:
            session.add(Subscription(
                id=new_id(), convener=agency, channel=channel, target=target,
                secret=None, lang="sv", format="json", created_at=now, created_by=REGISTRY,
                source=REGISTRY))
    session.flush()


def lift_opt_out(session: Session, agency: str, channel: str, target: str,
                 now: datetime) -> bool:
    """The agency subscribed ``target`` itself, a deliberate act that lifts its opt-out
    (whether there was one). Its registry subscriptions are then made anew from the stored
    contact, as if the receiver had never unsubscribed, rather than at the next registry
    edit, so the mailbox is the default route again once the agency drops its own."""
    row = session.get(Contact, agency, with_for_update=True,
                      populate_existing=row_locks(session))
    if not opt_outs.lift(session, agency, channel, target):
        return False
    if row is not None:
        wanted = RegistryContact(agency, row.email, row.webhook).wanted()
        _sync_subscriptions(session, agency, wanted, now)
    return True


def _store_contact(session: Session, c: RegistryContact, now: datetime) -> bool:
    """Store one contact; whether it changed. Replicas reading the same event change it
    once: the first stores it, the others wait for its row (locked, PostgreSQL) and find it
    stored. (A lock on a row that does not exist yet holds nothing: hence insert_new.)"""
    fields = {"email": c.email, "webhook": c.webhook, "version": c.version, "updated_at": now}
    row = session.get(Contact, c.agency, with_for_update=True,
                      populate_existing=row_locks(session))
    if row is None:
        if insert_new(session, Contact, agency=c.agency, **fields) is not None:
            _sync_subscriptions(session, c.agency, c.wanted(), now)
            return True
        row = session.get(Contact, c.agency, with_for_update=True,
                          populate_existing=row_locks(session))
        if row is None:  # removed meanwhile by a later event, which this replica reads too
            return False
    if c.version is not None and row.version is not None and c.version < row.version:
        return False
    if (row.email, row.webhook, row.version) == (c.email, c.webhook, c.version):
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    _sync_subscriptions(session, c.agency, c.wanted(), now)
    return True


def apply_contacts(*, session: Session, contacts: list[RegistryContact], named: Iterable[str],
                   now: datetime) -> int:
    """Store the registry's contacts; returns how many agencies' contacts changed."""
    given = {c.agency: c for c in contacts}
    changed = sum(_store_contact(session, c, now) for c in given.values())
    for agency in set(named) - given.keys():
        row = session.get(Contact, agency, with_for_update=True,
                          populate_existing=row_locks(session))
        if row is not None:
            session.delete(row)
            _sync_subscriptions(session, agency, [], now)
            changed += 1
    session.flush()
    return changed
