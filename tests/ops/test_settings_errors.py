"""A setting that stops the start names what is wrong, never a secret it was given: the message
goes to the pod's log (and from there to whoever reads the logs)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import BaseModel, ValidationError

from samstat_kit.auth.settings import AuthSettings
from services.ingest.config import IngestSettings
from services.notify.config import NotifySettings
from services.notify.inbox.settings import InboxSettings

DB_PASSWORD = "Pg-pass-7c41e0d9a2"
SMTP_PASSWORD = "Smtp-pass-93b0c6e4f1"
LINK_SECRET = "Link-signing-key-5d8a2f7c90b1"


def leaked(message: str, secret: str, size: int = 5) -> list[str]:
    """Every piece of ``secret`` (``size`` characters or more) that ``message`` shows."""
    return [secret[i:i + size] for i in range(len(secret) - size + 1)
            if secret[i:i + size] in message]


@pytest.mark.parametrize(("what", "build", "env"), [
    ("a link secret too short beside the real one", InboxSettings,
     {"SAMSTAT_LINK_SECRETS": f"too-short,{LINK_SECRET}"}),
    ("an unknown digest time zone", NotifySettings,
     {"SAMSTAT_DIGEST_TIMEZONE": "Mars/Olympus"}),
    ("a dispatch lease shorter than a send", NotifySettings,
     {"SAMSTAT_DISPATCH_LEASE_SECONDS": "1"}),
    ("a relay lease shorter than a send", IngestSettings,
     {"SAMSTAT_RELAY_LEASE_SECONDS": "1"}),
    ("an SMTP relay in clear text", NotifySettings, {"SAMSTAT_SMTP_STARTTLS": "false"}),
    ("an OIDC issuer over http", AuthSettings,
     {"SAMSTAT_OIDC_ISSUER": f"http://samstat:{DB_PASSWORD}@idp.example.org/realms/s"}),
])
def test_a_refused_setting_shows_no_secret(monkeypatch: pytest.MonkeyPatch, what: str,
                                           build: Callable[[], BaseModel],
                                           env: dict[str, str]) -> None:
    monkeypatch.setenv("SAMSTAT_ENV", "prod")
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", f"postgresql://samstat:{DB_PASSWORD}@db/samstat")
    monkeypatch.setenv("SAMSTAT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("SAMSTAT_LINK_SECRETS", LINK_SECRET)
    monkeypatch.setenv("SAMSTAT_SMTP_STARTTLS", "true")  # each case refused for its own reason
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        build()
    message = str(refused.value)
    assert "Value error" in message, what  # refused for the reason the case is about
    for secret in (DB_PASSWORD, SMTP_PASSWORD, LINK_SECRET):
        assert not leaked(message, secret), (what, message)


@pytest.mark.parametrize("url", [None, "sqlite:////var/lib/samstat/samstat.db",
                                 "sqlite+pysqlite:///samstat.db", "SQLite:///x.db"])
def test_production_runs_on_postgresql_only(monkeypatch: pytest.MonkeyPatch,
                                            url: str | None) -> None:
    """The services and their replicas share one database across pods: a local SQLite file,
    by default or named on purpose, stops the start in production instead of splitting the
    exchange into one database per pod."""
    monkeypatch.setenv("SAMSTAT_ENV", "prod")
    monkeypatch.setenv("SAMSTAT_LINK_SECRETS", LINK_SECRET)
    if url is None:
        monkeypatch.delenv("SAMSTAT_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("SAMSTAT_DATABASE_URL", url)
    with pytest.raises(ValidationError, match="SAMSTAT_DATABASE_URL"):
        IngestSettings()
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", f"postgresql+psycopg://samstat:{DB_PASSWORD}@db/s")
    assert IngestSettings().env == "prod"
