"""Signed, expiring one-click links: open an alert, acknowledge it from a message.

A link carries ``{alert, episode, subscription, link id}`` signed by itsdangerous with the
deployment's link secrets (the newest signs, every configured one verifies, so a rotation
does not break links already sent) and a timestamp checked against ``link_max_age_days``.
``GET`` of an acknowledge link only shows a confirmation page (mail scanners fetch links);
the ``POST`` of that page acknowledges, once: the link id is then recorded as used
(:class:`~services.notify.inbox.models.UsedLink`), so a replay does nothing. A link minted for
a subscription acts only while that subscription exists: once it is deleted (a person who
left, a receiver removed) its links show what an expired one does
(:func:`~services.notify.inbox.service.link_state`, ``revoked``). Pure, no I/O.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from services.notify.alerts.models import QUALITY_PREFIX
from services.notify.inbox.settings import InboxSettings

SALT = "samstat.notify.acknowledge.v1"
UNSUBSCRIBE_SALT = "samstat.notify.unsubscribe.v1"


class LinkError(Exception):
    """Why a link does not act: ``expired`` or ``invalid`` (tampered, foreign, malformed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    alert_id: str
    episode: int
    subscription_id: str | None
    link_id: str


@dataclass(frozen=True)
class AlertLinks:
    page: str
    acknowledge: str


class Links:
    """Makes and reads the links of one deployment."""

    def __init__(self, secrets_oldest_first: list[str], base_url: str,
                 max_age_seconds: float) -> None:
        self._signer = URLSafeTimedSerializer(secrets_oldest_first, salt=SALT)
        # Unsubscribe links do not expire (an old mail must still let one stop the mails),
        # and are signed apart, so one kind of token is never taken for the other.
        self._unsubscribe = URLSafeTimedSerializer(secrets_oldest_first, salt=UNSUBSCRIBE_SALT)
        self.base_url = base_url.rstrip("/")
        self.max_age = max_age_seconds

    @classmethod
    def from_settings(cls, settings: InboxSettings | None = None) -> Links:
        s = settings or InboxSettings()
        return cls([x.get_secret_value() for x in s.link_secrets], s.base_url,
                   s.link_max_age_days * 86400)

    def token(self, alert_id: str, episode: int, subscription_id: str | None = None) -> str:
        return self._signer.dumps({"a": alert_id, "e": episode, "s": subscription_id,
                                   "n": secrets.token_urlsafe(12)})

    def read(self, token: str) -> LinkClaims:
        try:
            doc = self._signer.loads(token, max_age=int(self.max_age))
        except SignatureExpired:
            raise LinkError("expired") from None
        except BadSignature:
            raise LinkError("invalid") from None
        if not (isinstance(doc, dict) and isinstance(doc.get("a"), str)
                and isinstance(doc.get("e"), int) and isinstance(doc.get("n"), str)):
            raise LinkError("invalid")
        sub = doc.get("s")
        return LinkClaims(doc["a"], doc["e"], sub if isinstance(sub, str) else None, doc["n"])

    def unsubscribe(self, subscription_id: str) -> str:
        return f"{self.base_url}/inbox/unsubscribe/{self._unsubscribe.dumps(subscription_id)}"

    def read_unsubscribe(self, token: str) -> str:
        try:
            sub = self._unsubscribe.loads(token)
        except BadSignature:
            raise LinkError("invalid") from None
        if not isinstance(sub, str):
            raise LinkError("invalid")
        return sub

    def page(self, alert_id: str) -> str:
        return f"{self.base_url}/inbox/{quote(alert_id, safe='')}"

    def acknowledge(self, token: str) -> str:
        return f"{self.base_url}/inbox/ack/{token}"

    def for_alert(self, alert_id: str, episode: int,
                  subscription_id: str | None = None) -> AlertLinks:
        return AlertLinks(self.page(alert_id),
                          self.acknowledge(self.token(alert_id, episode, subscription_id)))


def indicator_page(public_base_url: str, indicator: str, area: str | None = None) -> str | None:
    """The indicators service's page of ``indicator`` (for ``area``), where a message about
    it links; None for a data-quality alert's, which names a measure and has no page (its
    page in the inbox explains it)."""
    if indicator.startswith(QUALITY_PREFIX):
        return None
    page = f"{public_base_url.rstrip('/')}/indicators/{indicator}"
    return page if area is None else f"{page}?area={area}"
