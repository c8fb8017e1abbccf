"""Who is told about alerts (subscriptions) and what is kept quiet for a while (silences)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.notify.alerts.models import Base


class Subscription(Base):
    """An e-mail address or webhook that receives a convener's alerts."""

    __tablename__ = "notify_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    convener: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    # Webhooks sign their bodies with it (HMAC needs the clear value, so it is not hashed).
    secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lang: Mapped[str] = mapped_column(String(2))  # sv | en
    format: Mapped[str] = mapped_column(String(16))  # json | slack | teams (webhooks)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    # Soft delete: the delivery log keeps pointing at the row.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # "api": registered over HTTP; "registry": the agency's role mailbox or webhook named by
    # the registry, used only while the agency has no subscription of its own.
    source: Mapped[str] = mapped_column(String(16), default="api", server_default="api")


class Contact(Base):
    """An agency's role mailbox and webhook as the registry last named them."""

    __tablename__ = "notify_contacts"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    webhook: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # The registry's version of the contact when it sends one: an older one never wins.
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OptOut(Base):
    """A receiver that unsubscribed from an agency's messages (the link of a mail): the
    registry's contacts never subscribe it again; only the agency subscribing the address
    itself lifts this. ``address`` is :func:`services.notify.delivery.routing.address_of`'s
    (e-mail addresses folded to one case)."""

    __tablename__ = "notify_opt_outs"

    convener: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(500), primary_key=True)
    # The subscription whose link was used: which mail the reader answered.
    subscription_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Silence(Base):
    """While active, deliveries of matching alerts are skipped; the alerts themselves live on.

    A matcher left null matches everything.
    """

    __tablename__ = "notify_silences"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    indicator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    area: Mapped[str | None] = mapped_column(String(32), nullable=True)
    convener: Mapped[str | None] = mapped_column(String(64), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
