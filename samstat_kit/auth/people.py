"""People who sign in to the pages: add, list, disable, find. Functions take a keyword-only
``session`` and never commit (the caller's transaction does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_hex_id
from samstat_kit.auth.models import User
from samstat_kit.contracts import load_catalogue
from samstat_kit.netguard import MAIL_RULE, mail_receiver_allowed

ROLES = ("convener", "analyst", "operator", "admin")
MAX_EMAIL_LENGTH = 254


class PersonError(ValueError):
    """A person that cannot be added as asked (the message says which field and why)."""


@dataclass(frozen=True)
class Person:
    """A signed-in person, as every service sees them (copied out of the session)."""

    id: str
    email: str
    name: str
    agency: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def normalise_email(email: str) -> str:
    """Lower-cased and stripped: people type their address in any case, and one person must
    not become two users."""
    return email.strip().lower()


def valid_email(email: str) -> bool:
    """A plausible single address: one ``@``, something on both sides, a dot in the domain, no
    spaces, control characters or header-breaking commas (the address goes into a mail
    header)."""
    local, at, domain = email.partition("@")
    return (bool(at) and bool(local) and "." in domain.strip(".") and "@" not in domain
            and len(email) <= MAX_EMAIL_LENGTH
            and not any(c.isspace() or ord(c) < 32 or c in ',;<>"()[]\\' for c in email))


def _person(row: User) -> Person:
    return Person(id=row.id, email=row.email, name=row.name, agency=row.agency, role=row.role)


def add_person(*, session: Session, email: str, agency: str, name: str = "",
               role: str = "convener") -> Person:
    """A new active person; :class:`PersonError` for a bad address, an unknown agency or role,
    or an address already in use (disabled people keep theirs)."""
    email = normalise_email(email)
    if not valid_email(email):
        raise PersonError(f"email {email!r}: not a valid e-mail address")
    if not mail_receiver_allowed(email):
        # The sign-in link is mailed there: the relay would connect to what the domain names,
        # a host inside the deployment (as for notify's receivers, a red team).
        raise PersonError(f"email {email!r}: {MAIL_RULE}")
    agencies = load_catalogue().agencies
    if agency not in agencies:
        raise PersonError(f"agency {agency!r}: unknown; one of {', '.join(sorted(agencies))}")
    if role not in ROLES:
        raise PersonError(f"role {role!r}: unknown; one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise PersonError(f"email {email!r}: a person with this address exists already")
    row = User(id=new_hex_id(), email=email, name=name.strip() or email, agency=agency,
               role=role, created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return _person(row)


def list_people(*, session: Session, include_disabled: bool = True) -> list[tuple[Person, bool]]:
    """Everyone with whether they are active, by e-mail address."""
    query = select(User).order_by(User.email)
    if not include_disabled:
        query = query.where(User.disabled_at.is_(None))
    return [(_person(r), r.disabled_at is None) for r in session.scalars(query)]


def disable_person(*, session: Session, email: str) -> bool:
    """Disable (and sign out everywhere); False when there is no such person."""
    from samstat_kit.auth.sessions import revoke_all  # sessions import people, not vice versa

    row = session.scalar(select(User).where(User.email == normalise_email(email)))
    if row is None:
        return False
    if row.disabled_at is None:
        row.disabled_at = datetime.now(UTC)
    revoke_all(session=session, user_id=row.id)
    session.flush()
    return True


def active_person(*, session: Session, email: str | None = None,
                  person_id: str | None = None) -> Person | None:
    """The active person with this address (or id), else None."""
    query = select(User).where(User.disabled_at.is_(None))
    if person_id is not None:
        query = query.where(User.id == person_id)
    elif email is not None:
        query = query.where(User.email == normalise_email(email))
    else:
        return None
    row = session.scalar(query)
    return _person(row) if row is not None else None
