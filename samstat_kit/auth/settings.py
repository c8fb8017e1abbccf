"""Sign-in and web-hardening settings, the same for every service of a deployment
(environment variables prefixed ``SAMSTAT_``; the SMTP names are notify's)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from samstat_kit.settings import SmtpSettings


class AuthSettings(SmtpSettings):
    model_config = SettingsConfigDict(env_prefix="SAMSTAT_", extra="ignore",
                                      hide_input_in_errors=True)

    # The one browser session cookie of the deployment. With ``cookie_domain`` set (say
    # "samstat.example.se") every host under it shares the sign-in; unset, the cookie belongs
    # to the host that set it (all four services on one host share it: cookies ignore ports).
    session_cookie: str = "samstat_session"
    cookie_domain: str | None = None
    session_max_age_seconds: int = 12 * 3600
    # Signed out after this long without a request.
    session_idle_seconds: int = 4 * 3600
    # Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (Secure cookies) and
    # X-Forwarded-Host (the form's Origin may name it).
    trust_forwarded_proto: bool = False

    # Hosts (host[:port]) of this deployment besides public_base_url's, comma-separated: an
    # e-mailed link points to the host it was asked on only when that host is listed here.
    public_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The e-mailed one-time link (local and small deployments; off when OIDC is enough).
    email_signin_enabled: bool = True
    signin_link_ttl_seconds: int = 15 * 60

    # OpenID Connect (production): unset issuer means no OIDC button.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_timeout_seconds: float = 10.0
    # Where the provider sends the browser back, when the public URL differs from the one the
    # service sees (behind a proxy): e.g. "https://samstat.example.se". Default: the request's.
    oidc_redirect_base: str | None = None

    # /metrics: when set, a scrape must send "Authorization: Bearer <metrics_token>".
    metrics_token: SecretStr | None = None

    @field_validator("public_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [h.strip() for h in value.split(",") if h.strip()] if isinstance(value, str) \
            else value

    @model_validator(mode="after")
    def _https_issuer_in_production(self) -> AuthSettings:
        # The issuer's discovery document names the keys that sign the ID tokens: fetched
        # over plain http, anyone on the path could substitute their own keys and sign in
        # as anyone. Development may use a local provider on loopback.
        issuer = urlsplit(self.oidc_issuer or "")
        if self.env == "prod" and self.oidc_issuer and not (issuer.scheme == "https"
                                                            and issuer.hostname):
            raise ValueError("SAMSTAT_ENV=prod needs an https:// SAMSTAT_OIDC_ISSUER: its "
                             "discovery document and the keys it names must not travel in "
                             "clear text")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
