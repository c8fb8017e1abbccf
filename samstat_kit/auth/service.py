"""Issue, verify and revoke tokens. Plain functions taking a keyword-only session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_hex_id
from samstat_kit.auth.models import ApiToken

PREFIX = "sst"


@dataclass(frozen=True)
class Principal:
    token_id: str
    scope: str
    agency: str | None

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    *, session: Session, scope: str, agency: str | None = None, ttl_days: int | None = 365
) -> str:
    """Create a token and return it in clear text: the only time it is ever seen."""
    if scope not in ("agency", "admin"):
        raise ValueError(f"unknown scope {scope!r}")
    if scope == "agency" and not agency:
        raise ValueError("an agency token needs an agency")
    token_id = new_hex_id()
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        ApiToken(
            id=token_id,
            secret_hash=_hash(secret),
            scope=scope,
            agency=agency if scope == "agency" else None,
            created_at=now,
            expires_at=now + timedelta(days=ttl_days) if ttl_days else None,
        )
    )
    session.flush()
    return f"{PREFIX}_{token_id}_{secret}"


def _aware(ts: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored is UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def verify(*, session: Session, token: str) -> Principal | None:
    try:
        prefix, token_id, secret = token.split("_", 2)
    except ValueError:
        return None
    if prefix != PREFIX:
        return None
    row = session.get(ApiToken, token_id)
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        return None
    now = datetime.now(UTC)
    if row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    return Principal(token_id=row.id, scope=row.scope, agency=row.agency)


def revoke(*, session: Session, token_id: str) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    session.flush()
    return True


def list_tokens(*, session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at)))
