"""Subscriptions and silences. Plain functions with a keyword-only session; nothing commits."""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from concurrent.futures import TimeoutError as LookupTimeout
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_id
from samstat_kit.auth.service import Principal
from samstat_kit.daemon_pool import DaemonPool
from samstat_kit.netguard import (
    MAIL_RULE,
    NOT_ALLOWED,
    Refused,
    WebhookGuard,
    mail_receiver_allowed,
)
from services.notify.access import Conflict, Forbidden, NotFound, actor, may_act_for
from services.notify.delivery.senders import new_secret
from services.notify.subscriptions.contacts import lift_opt_out
from services.notify.subscriptions.models import OptOut, Silence, Subscription
from services.notify.subscriptions.schemas import SilenceCreate, SubscriptionCreate

# Deliberately loose: the mail server is the judge; this only catches obvious typos.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Invalid(ValueError):
    pass


# Registration's host lookups: their own few threads, each waited on no longer than a send
# would wait. A lookup cannot be cancelled, and a name whose DNS never answers (the
# registering agency's choice) held the request's worker thread, one of the app's shared
# ones, for the resolver's full timeouts: registrations in parallel stalled every route (a
# red team). Now such lookups fill only these threads; registrations behind them are
# refused after the deadline, in the same words as a refused address. Daemon threads: one
# still waiting on such a name must not hold up the process's exit (samstat_kit.daemon_pool).
_LOOKUPS = DaemonPool(4, "notify-register-lookup")


class Busy(Exception):
    """Every lookup thread is busy: the target was not looked up (503, try again)."""


def _vet(guard: WebhookGuard, url: str, seconds: float | None) -> None:
    """``guard.vet(url)`` in the lookup threads. The deadline is the lookup's own, counted
    from when it starts: counted from the submit, a registration queued behind four silent
    names timed out unlooked-up and was told its public host was a refused address. One
    still queued after the deadline is withdrawn and said busy (nothing about its host)."""
    if seconds is None:
        guard.vet(url)
        return
    started = threading.Event()

    def lookup() -> None:
        started.set()
        guard.vet(url)

    future = _LOOKUPS.submit(lookup)
    if not started.wait(seconds) and future.cancel():
        raise Busy("webhook host lookups are busy; try again shortly")
    try:
        future.result(timeout=seconds)
    except LookupTimeout:
        raise Refused(NOT_ALLOWED) from None


def _check_target(body: SubscriptionCreate, guard: WebhookGuard,
                  seconds: float | None = None) -> None:
    if body.channel == "email":
        if not _EMAIL.fullmatch(body.target):  # fullmatch: "$" lets a final "\n" by
            raise Invalid(f"{body.target!r} is not an e-mail address")
        if not mail_receiver_allowed(body.target):
            # The relay would connect to what the domain names: an address of the agency's
            # choice (samstat_kit.netguard.mail_receiver_allowed).
            raise Invalid(f"target: {MAIL_RULE}")
        if body.format != "json" or body.secret is not None:
            raise Invalid("format and secret apply to webhooks only")
        return
    try:
        _vet(guard, body.target, seconds)
    except Refused as exc:
        if str(exc) != NOT_ALLOWED:  # not a valid URL, or a port outside the policy
            raise Invalid(f"target: {exc}") from None
        # Names the field and the rule, never what the host resolved to.
        raise Invalid(f"target: {exc} (webhooks must resolve only to public addresses; "
                      f"loopback, private, link-local, multicast and reserved ones are "
                      f"refused unless the operator allows the host)") from None


def create_subscription(*, session: Session, principal: Principal, body: SubscriptionCreate,
                        now: datetime, known_agencies: Collection[str] | None = None,
                        guard: WebhookGuard | None = None, lookup_seconds: float | None = None
                        ) -> tuple[Subscription, str | None]:
    """Register a receiver; returns it with the webhook secret (the only time it is shown).

    A receiver that unsubscribed from the agency's messages hears again: its agency (or an
    admin for it) subscribing it is deliberate, as no registry edit is.
    ``guard`` judges webhook targets (the default resolves names through the system and
    allows no internal host); ``lookup_seconds``: how long its host lookup may take (the
    app gives a send's time limit; None: as long as the resolver takes)."""
    if not may_act_for(principal, body.convener):
        raise Forbidden(f"only {body.convener} or an admin may subscribe for {body.convener}")
    if known_agencies is not None and body.convener not in known_agencies:
        raise Invalid(f"unknown agency {body.convener!r}")
    _check_target(body, guard or WebhookGuard(), lookup_seconds)
    secret = body.secret
    if body.channel == "webhook" and secret is None:
        secret = new_secret()
    sub = Subscription(
        id=new_id(), convener=body.convener, channel=body.channel,
        target=body.target, secret=secret, lang=body.lang, format=body.format,
        created_at=now, created_by=actor(principal),
    )
    session.add(sub)
    session.flush()
    lift_opt_out(session, body.convener, body.channel, body.target, now)
    return sub, secret


def _listed(principal: Principal, convener: str | None, what: str) -> str | None:
    """Whose ``what`` a list shows: any convener's (or all) for an admin, an agency's own."""
    if principal.is_admin:
        return convener
    if convener is not None and convener != principal.agency:
        raise Forbidden(f"an agency token lists only its own {what}")
    return principal.agency


def list_subscriptions(*, session: Session, principal: Principal,
                       convener: str | None = None) -> list[Subscription]:
    """Admins see any convener's; an agency only its own (targets are personal data)."""
    convener = _listed(principal, convener, "subscriptions")
    q = select(Subscription).where(Subscription.deleted_at.is_(None))
    if convener is not None:
        q = q.where(Subscription.convener == convener)
    return list(session.scalars(q.order_by(Subscription.created_at, Subscription.id)))


def list_opt_outs(*, session: Session, principal: Principal,
                  convener: str | None = None) -> list[OptOut]:
    """The receivers that unsubscribed, which the registry's contacts no longer reach;
    seen as the subscriptions are (addresses are personal data)."""
    convener = _listed(principal, convener, "opt-outs")
    q = select(OptOut)
    if convener is not None:
        q = q.where(OptOut.convener == convener)
    return list(session.scalars(q.order_by(OptOut.convener, OptOut.created_at,
                                           OptOut.address)))


def delete_subscription(*, session: Session, principal: Principal, subscription_id: str,
                        now: datetime) -> None:
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.deleted_at is not None:
        raise NotFound(f"no subscription {subscription_id}")
    if not may_act_for(principal, sub.convener):
        raise Forbidden(f"only {sub.convener} or an admin may delete this subscription")
    if sub.source == "registry":
        raise Conflict("this receiver is the agency's contact in the registry; change it there, "
                       "or add a subscription of the agency's own, which takes precedence")
    sub.deleted_at = now
    session.flush()


def create_silence(*, session: Session, principal: Principal, body: SilenceCreate,
                   now: datetime) -> Silence:
    """Admins silence anything; an agency only its own alerts (convener set to itself)."""
    convener = body.convener
    if not principal.is_admin:
        if convener is not None and convener != principal.agency:
            raise Forbidden("an agency token may silence only alerts it convenes")
        convener = principal.agency
    if body.expires_at is not None:
        expires = body.expires_at
    else:
        assert body.duration_hours is not None
        expires = now + timedelta(hours=body.duration_hours)
    if expires <= now:
        raise Invalid("expires_at is in the past")
    if expires > now + timedelta(days=366):
        raise Invalid("a silence lasts at most a year")
    silence = Silence(
        id=new_id(), indicator=body.indicator, area=body.area, convener=convener,
        comment=body.comment, created_at=now, created_by=actor(principal), expires_at=expires,
    )
    session.add(silence)
    session.flush()
    return silence


def list_silences(*, session: Session, now: datetime, principal: Principal,
                  include_expired: bool = False) -> list[Silence]:
    """The silences a token may read: an admin's all, an agency's its own and those that
    silence everyone (no convener: an admin's, which stop its mail too, so it must be able
    to see why). Another agency's comments and who set them are that agency's, as its quiet
    times are (a red team read every agency's)."""
    q = select(Silence)
    if not principal.is_admin:
        q = q.where(or_(Silence.convener == principal.agency, Silence.convener.is_(None)))
    if not include_expired:
        q = q.where(Silence.expires_at > now)
    return list(session.scalars(q.order_by(Silence.expires_at, Silence.id)))


def expire_silence(*, session: Session, principal: Principal, silence_id: str,
                   now: datetime) -> Silence:
    """End a silence now (kept for the record)."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise NotFound(f"no silence {silence_id}")
    if not principal.is_admin and silence.convener != principal.agency:
        raise Forbidden("an agency token may end only its own silences")
    silence.expires_at = now
    session.flush()
    return silence
