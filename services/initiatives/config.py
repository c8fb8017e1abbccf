from __future__ import annotations

from samstat_kit.settings import KitSettings


class InitiativesSettings(KitSettings):
    """The initiatives service's settings (environment variables prefixed SAMSTAT_)."""

    # The local broker forgets everything on restart, so the full registry is republished
    # periodically (SAMSTAT_REGISTRY_REPUBLISH_SECONDS, as in docs/contracts-internal.md).
    registry_republish_seconds: float = 300.0
    registry_retry_max_seconds: float = 30.0
    # Off only for tools and tests that want the HTTP API without a Kafka client.
    registry_publish: bool = True

    # --- follow-up report and experience bank (services/initiatives/report) ---------------
    # The indicators read model, read over HTTP; the reader's own token is forwarded.
    indicators_url: str = "http://127.0.0.1:8002"
    indicators_timeout_seconds: float = 10.0
    # Headless Chromium prints the report to PDF (Debian package "chromium").
    chromium_path: str = "chromium"
    chromium_sandbox: bool = True  # false in containers without user namespaces
    pdf_timeout_seconds: float = 60.0
    # How long a PDF request waits for one of the two renderers before it is answered 503
    # with Retry-After (it waits on the event loop, holding no thread).
    pdf_slot_wait_seconds: float = 2.0
    # How long the samstat_token cookie set by POST /login lives.
    session_cookie_max_age_seconds: int = 8 * 3600
    # --- end follow-up report -------------------------------------------------------------


def get_settings() -> InitiativesSettings:
    return InitiativesSettings()
