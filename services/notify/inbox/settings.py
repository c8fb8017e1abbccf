"""Settings of the inbox and its one-click links (environment variables prefixed SAMSTAT_)."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from samstat_kit.netguard import on_this_machine

log = logging.getLogger(__name__)

# Only for dev and test deployments that configured nothing: a fixed secret means links keep
# working across restarts and replicas there. Production must set its own (checked below).
DEV_LINK_SECRET = "samstat-development-link-secret-not-for-production"
# ...and only for pages served on this machine. The fixed secret is public (it is above), so
# anyone could sign links with it: a dev deployment reachable by others (SAMSTAT_ENV unset, a
# real public URL) made every alert acknowledgeable without signing in (a security review).
# Such a deployment gets a secret of this process instead: links work until it restarts.
_PROCESS_SECRET = secrets.token_urlsafe(32)


class InboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMSTAT_", extra="ignore",
                                      hide_input_in_errors=True)

    env: Literal["dev", "test", "prod"] = "dev"
    public_base_url: str = "http://127.0.0.1:8002"
    # Secrets that sign the one-click links, comma-separated, OLDEST FIRST: the last one signs,
    # every one verifies. To rotate, append a new secret, and drop the old one once the links
    # it signed have expired (link_max_age_days).
    link_secrets: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    link_max_age_days: Annotated[float, Field(gt=0)] = 14.0
    # Public URL of notify itself (the inbox and the links live there); defaults to
    # public_base_url.
    notify_public_url: str | None = None
    # Where the alert page reads who reported the inputs (ingest's /v1/cells) and the
    # indicator's values; unset: the page shows what notify itself holds.
    ingest_url: str | None = None
    indicators_url: str | None = None
    # An alert inhibited by an open data-quality or stale alert is looked at again this often.
    inhibit_recheck_seconds: Annotated[float, Field(gt=0)] = 300.0

    @field_validator("link_secrets", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @model_validator(mode="after")
    def _secret_in_production(self) -> InboxSettings:
        if not self.link_secrets:
            if self.env == "prod":
                raise ValueError("SAMSTAT_LINK_SECRETS is required when SAMSTAT_ENV=prod")
            local = on_this_machine(self.base_url)
            if not local:
                log.warning("SAMSTAT_LINK_SECRETS is not set and the pages are served at %s: "
                            "one-click links are signed with a secret of this process and "
                            "stop working when it restarts; set SAMSTAT_LINK_SECRETS (and "
                            "SAMSTAT_ENV=prod in production)", self.base_url)
            self.link_secrets = [SecretStr(DEV_LINK_SECRET if local else _PROCESS_SECRET)]
        if any(len(s.get_secret_value()) < 16 for s in self.link_secrets):
            raise ValueError("each SAMSTAT_LINK_SECRETS entry needs at least 16 characters")
        return self

    @property
    def base_url(self) -> str:
        return (self.notify_public_url or self.public_base_url).rstrip("/")

