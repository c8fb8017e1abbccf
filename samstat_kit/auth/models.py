"""API tokens, and the people who sign in to the pages with their sessions."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from samstat_kit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class ApiToken(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # sha256 of the secret part: tokens are 256-bit random, so a slow hash adds nothing.
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))  # agency | admin
    agency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class User(Base):
    """A person who signs in to the pages (``samstat user add``); disabled, never deleted, so
    the audit trails that name them keep meaning something."""

    __tablename__ = "auth_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # convener | analyst | operator | admin
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    """One browser sign-in, shared by every service of the deployment (one database). The
    cookie holds a 256-bit random secret; only its sha256 is stored, so a database read does
    not hand out sessions."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_users.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # email | oidc
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SignInLink(Base):
    """An e-mailed one-time sign-in link: hashed, expiring, used at most once."""

    __tablename__ = "auth_signin_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_users.id"), index=True)
    next_path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OidcRequest(Base):
    """An OpenID Connect authorization in flight: what the callback needs to finish it (the
    PKCE verifier and the nonce never leave the server)."""

    __tablename__ = "auth_oidc_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the state
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
