"""Production stops at start-up rather than send secrets in clear text (a red team): an OIDC
issuer that is not https (its discovery document names the keys ID tokens are checked
against), and an SMTP relay without STARTTLS (the mails carry sign-in and one-click links).
Development and tests keep a plain relay and provider on loopback. Settings only: nothing
connects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from samstat_kit.auth.settings import AuthSettings
from services.notify.config import NotifySettings
from tests.ops.metrics_inventory import ROOT

PG = "postgresql+psycopg://samstat@db.invalid/samstat"


@pytest.fixture
def prod(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment of a production pod, TLS to the relay included (deploy/k8s)."""
    monkeypatch.setenv("SAMSTAT_ENV", "prod")
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", PG)
    monkeypatch.setenv("SAMSTAT_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("SAMSTAT_SMTP_PORT", "587")
    monkeypatch.setenv("SAMSTAT_SMTP_STARTTLS", "true")
    monkeypatch.delenv("SAMSTAT_OIDC_ISSUER", raising=False)
    return monkeypatch


def test_production_as_deployed_starts(prod: pytest.MonkeyPatch) -> None:
    prod.setenv("SAMSTAT_OIDC_ISSUER", "https://idp.example.org/realms/samstat")
    assert AuthSettings().oidc_issuer == "https://idp.example.org/realms/samstat"
    assert NotifySettings().smtp_starttls


def test_the_shipped_configmap_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/k8s's settings (the Secrets' values aside) pass these checks."""
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "deploy/k8s/base/configmap.yaml").read_text())["data"]
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", PG)
    assert NotifySettings().env == "prod" and AuthSettings().smtp_starttls


@pytest.mark.parametrize("build", [NotifySettings, AuthSettings])
@pytest.mark.parametrize("host", ["smtp.example.org", "127.0.0.1"])
def test_an_smtp_relay_in_clear_text_stops_production(prod: pytest.MonkeyPatch, build: type,
                                                      host: str) -> None:
    prod.setenv("SAMSTAT_SMTP_HOST", host)
    prod.setenv("SAMSTAT_SMTP_STARTTLS", "false")
    with pytest.raises(ValidationError, match="needs SAMSTAT_SMTP_STARTTLS=true"):
        build()


def test_the_default_relay_stops_production_too(prod: pytest.MonkeyPatch) -> None:
    """A deployment that names no relay at all is refused, not sent in clear to loopback."""
    for name in ("SAMSTAT_SMTP_HOST", "SAMSTAT_SMTP_PORT", "SAMSTAT_SMTP_STARTTLS"):
        prod.delenv(name)
    with pytest.raises(ValidationError, match="SAMSTAT_SMTP_STARTTLS"):
        NotifySettings()


@pytest.mark.parametrize("issuer", [
    "http://idp.example.org/realms/samstat", "HTTP://idp.example.org/", "idp.example.org",
    "https:///realms/samstat", "ftp://idp.example.org/", "http://127.0.0.1:8080/realms/dev"])
def test_an_oidc_issuer_not_https_stops_production(prod: pytest.MonkeyPatch,
                                                   issuer: str) -> None:
    prod.setenv("SAMSTAT_OIDC_ISSUER", issuer)
    with pytest.raises(ValidationError, match="needs an https:// SAMSTAT_OIDC_ISSUER"):
        AuthSettings()


@pytest.mark.parametrize("env", ["dev", "test"])
def test_development_keeps_a_plain_relay_and_provider_on_loopback(
        monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("SAMSTAT_ENV", env)
    monkeypatch.setenv("SAMSTAT_OIDC_ISSUER", "http://127.0.0.1:8080/realms/dev")
    monkeypatch.delenv("SAMSTAT_SMTP_STARTTLS", raising=False)
    auth = AuthSettings()
    assert (auth.smtp_host, auth.smtp_starttls) == ("127.0.0.1", False)
    assert auth.oidc_issuer == "http://127.0.0.1:8080/realms/dev"
    assert not NotifySettings().smtp_starttls
