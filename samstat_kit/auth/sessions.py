"""Browser sessions, e-mailed one-time sign-in links and OpenID Connect requests in flight.

Every secret handed to a browser is 256-bit random and stored only as its sha256 (a slow hash
adds nothing for random secrets). Single use is enforced by one conditional ``UPDATE`` whose
row count says who won, so two clicks racing on two services cannot both sign in.
Functions take a keyword-only ``session`` and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from samstat_kit.auth.models import OidcRequest, SignInLink, User, WebSession
from samstat_kit.auth.people import Person, active_person

SESSION_PREFIX = "sss_"  # tells a session secret from an API token ("sst_...") at a glance
MAX_SECRET_LENGTH = 128
# last_seen_at is written at most this often per session: a page view is a read, not a write.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(ts: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored is UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, and the session's (hashed) id for audit logs."""

    person: Person
    session_id: str


def start_session(*, session: Session, person: Person, method: str,
                  max_age: timedelta) -> str:
    """A new session for ``person``; returns the secret for the cookie (seen only here)."""
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    session.add(WebSession(id=_hash(secret), user_id=person.id, method=method, created_at=now,
                           expires_at=now + max_age, last_seen_at=now))
    session.flush()
    return secret


def session_person(*, session: Session, secret: str, idle: timedelta) -> SignedIn | None:
    """The person of a live session (not revoked, not expired, not idle longer than ``idle``,
    the person still active), else None. Records when it was last seen."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    row = session.get(WebSession, _hash(secret))
    now = _now()
    if (row is None or row.revoked_at is not None or _aware(row.expires_at) <= now
            or _aware(row.last_seen_at) + idle <= now):
        return None
    person = active_person(session=session, person_id=row.user_id)
    if person is None:
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return SignedIn(person, row.id)


def revoke_session(*, session: Session, secret: str) -> bool:
    """Sign this session out (logout); False when there was no such live session."""
    result = session.execute(update(WebSession)
                             .where(WebSession.id == _hash(secret),
                                    WebSession.revoked_at.is_(None))
                             .values(revoked_at=_now()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all(*, session: Session, user_id: str) -> int:
    """Sign a person out everywhere (when disabled)."""
    result = session.execute(update(WebSession)
                             .where(WebSession.user_id == user_id,
                                    WebSession.revoked_at.is_(None))
                             .values(revoked_at=_now()))
    return int(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------ sign-in links


def issue_link(*, session: Session, person: Person, next_path: str, ttl: timedelta) -> str:
    """A one-time sign-in secret for the e-mailed link."""
    secret = secrets.token_urlsafe(32)
    now = _now()
    session.add(SignInLink(id=_hash(secret), user_id=person.id, next_path=next_path,
                           created_at=now, expires_at=now + ttl))
    session.flush()
    return secret


def links_since(*, session: Session, person: Person, since: timedelta) -> int:
    """How many links this person was sent lately (to cap mail to one inbox). The person is
    locked until the transaction ends: requests at once would each count under the cap
    before any of them had issued its link, and all send one."""
    session.execute(select(User.id).where(User.id == person.id).with_for_update())
    cutoff = _now() - since
    return int(session.scalar(select(func.count()).select_from(SignInLink)
                              .where(SignInLink.user_id == person.id,
                                     SignInLink.created_at > cutoff)) or 0)


def _usable_link(session: Session, secret: str) -> SignInLink | None:
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    row = session.get(SignInLink, _hash(secret))
    if row is None or row.used_at is not None or _aware(row.expires_at) <= _now():
        return None
    return row


def peek_link(*, session: Session, secret: str) -> tuple[Person, str] | None:
    """Who a still usable link would sign in, and where it leads, without using it up: the
    confirmation page behind a GET (mail scanners fetch links)."""
    row = _usable_link(session, secret)
    if row is None:
        return None
    person = active_person(session=session, person_id=row.user_id)
    return (person, row.next_path) if person is not None else None


def consume_link(*, session: Session, secret: str) -> tuple[Person, str] | None:
    """Use the link up and return who it signs in and where to; None when it is unknown,
    expired, already used (also by a concurrent click) or its person is disabled."""
    found = peek_link(session=session, secret=secret)
    if found is None:
        return None
    result = session.execute(update(SignInLink)
                             .where(SignInLink.id == _hash(secret),
                                    SignInLink.used_at.is_(None))
                             .values(used_at=_now()))
    return found if result.rowcount == 1 else None  # type: ignore[attr-defined]


# ------------------------------------------------------------------ OpenID Connect requests


@dataclass(frozen=True)
class PendingOidc:
    nonce: str
    code_verifier: str
    next_path: str


def save_oidc_request(*, session: Session, state: str, pending: PendingOidc,
                      ttl: timedelta) -> None:
    now = _now()
    # Every anonymous GET /login/oidc leaves a row: the expired ones go as the next is saved,
    # else a loop of requests grew the table without bound (a review). What stays is what
    # the last ``ttl`` started.
    session.execute(delete(OidcRequest).where(OidcRequest.expires_at < now))
    session.add(OidcRequest(id=_hash(state), nonce=pending.nonce,
                            code_verifier=pending.code_verifier, next_path=pending.next_path,
                            created_at=now, expires_at=now + ttl))
    session.flush()


def take_oidc_request(*, session: Session, state: str) -> PendingOidc | None:
    """The request this ``state`` started, used up; None when unknown, expired or replayed."""
    if not state or len(state) > MAX_SECRET_LENGTH:
        return None
    row = session.get(OidcRequest, _hash(state))
    if row is None or row.used_at is not None or _aware(row.expires_at) <= _now():
        return None
    result = session.execute(update(OidcRequest)
                             .where(OidcRequest.id == row.id, OidcRequest.used_at.is_(None))
                             .values(used_at=_now()))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return PendingOidc(row.nonce, row.code_verifier, row.next_path)


def purge_expired(*, session: Session, older_than: timedelta = timedelta(days=30)) -> None:
    """Forget sessions, links and OIDC requests that ended more than ``older_than`` ago."""
    cutoff = _now() - older_than
    for model in (WebSession, SignInLink, OidcRequest):
        session.execute(delete(model).where(model.expires_at < cutoff))


