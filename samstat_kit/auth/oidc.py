"""OpenID Connect sign-in (production): Authlib's Starlette client, authorization code flow
with PKCE (S256), ``state`` and ``nonce``.

Authlib's ``authorize_redirect``/``authorize_access_token`` keep the flow's secrets in a
signed session cookie; samstat keeps them in the database instead (``auth_oidc_requests``,
keyed by the hashed ``state``), beside its sessions, so any replica of any service can finish
a sign-in another one started. The browser is bound to its ``state`` by a short-lived
HttpOnly cookie, so a callback URL pushed into someone else's browser signs nobody in.

The ID token is validated by Authlib against the provider's JWKS (signature), the configured
issuer, this client as audience, its expiry and the nonce; the person is the ACTIVE samstat
user with the token's e-mail address, which the provider must mark ``email_verified``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from starlette.requests import Request

from samstat_kit.auth.settings import AuthSettings

STATE_COOKIE = "samstat_oidc_state"
CALLBACK_PATH = "/login/oidc/callback"
REQUEST_TTL_SECONDS = 600


class OidcFailed(Exception):
    """The provider's answer does not sign anyone in (the reason goes to the log only)."""


@dataclass(frozen=True)
class Started:
    url: str
    state: str
    nonce: str
    code_verifier: str


def client(request: Request) -> StarletteOAuth2App:
    """The app's Authlib client (made once: it caches the provider's metadata and keys)."""
    state = request.app.state
    existing = getattr(state, "oidc_client", None)
    if existing is not None:
        return existing
    auth: AuthSettings = state.auth_settings
    assert auth.oidc_issuer and auth.oidc_client_id
    oauth = OAuth()
    registered = oauth.register(
        "samstat", client_id=auth.oidc_client_id,
        client_secret=auth.oidc_client_secret.get_secret_value()
        if auth.oidc_client_secret else None,
        server_metadata_url=auth.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": auth.oidc_scopes, "code_challenge_method": "S256",
                       "timeout": auth.oidc_timeout_seconds})
    state.oidc_client = registered
    return registered


def redirect_uri(request: Request) -> str:
    base = request.app.state.auth_settings.oidc_redirect_base
    if base:
        return base.rstrip("/") + CALLBACK_PATH
    return str(request.url_for("oidc_callback"))


async def start(request: Request) -> Started:
    """The provider's authorization URL with fresh state, nonce and PKCE verifier."""
    oauth = client(request)
    await _check_issuer(request, oauth)
    state = secrets.token_urlsafe(32)
    made = await oauth.create_authorization_url(redirect_uri(request), state=state,
                                                nonce=secrets.token_urlsafe(24))
    return Started(made["url"], state, made["nonce"], made["code_verifier"])


async def finish(request: Request, *, code: str, nonce: str, code_verifier: str) -> str:
    """Exchange the code (with the PKCE verifier) and validate the ID token; returns the
    verified e-mail address. :class:`OidcFailed` (or Authlib's errors) otherwise."""
    auth: AuthSettings = request.app.state.auth_settings
    oauth = client(request)
    token = await oauth.fetch_access_token(redirect_uri=redirect_uri(request), code=code,
                                           code_verifier=code_verifier)
    if "id_token" not in token:
        raise OidcFailed("the token response has no id_token")
    claims = await oauth.parse_id_token(
        token, nonce=nonce,
        claims_options={"iss": {"essential": True, "value": auth.oidc_issuer},
                        "aud": {"essential": True, "value": auth.oidc_client_id},
                        "exp": {"essential": True}})
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        raise OidcFailed("the ID token has no verified e-mail address")
    return str(email)


async def _check_issuer(request: Request, oauth: StarletteOAuth2App) -> None:
    """The discovered issuer must be the configured one (OpenID Connect Discovery 4.3)."""
    metadata = await oauth.load_server_metadata()
    if metadata.get("issuer") != request.app.state.auth_settings.oidc_issuer:
        raise OidcFailed("the provider's metadata names another issuer")
