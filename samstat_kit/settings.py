"""Settings shared by every service.

Each service subclasses :class:`KitSettings` with its own prefix-free fields and builds it in
``get_settings()``/``create_app()``: never at import time, so tests can set the environment first.

Every settings class hides its input in validation errors (``hide_input_in_errors``): pydantic
would otherwise print part of the environment it read (a password, a signing secret) in the
message that stops the start, which ends up in the pod's log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Connection to any Kafka: the local Tansu broker or a production cluster (SASL/TLS)."""

    model_config = SettingsConfigDict(env_prefix="SAMSTAT_KAFKA_", extra="ignore",
                                      hide_input_in_errors=True)

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    topic_prefix: str = "samstat"
    partitions: int = 4
    replication_factor: int = 1
    # Tansu makes a group's first join wait the rebalance timeout; tests lower it to seconds.
    rebalance_timeout_ms: int = 6000
    # How long the stream worker's fetches may wait for data (faust itself hard-codes 1.5 s;
    # see services/indicators/worker/faust_compat.py for why that is too long on the local broker).
    fetch_max_wait_ms: int = 200
    session_timeout_ms: int = 10000


class SmtpSettings(BaseSettings):
    """Outgoing mail, shared by notify's messages and the kit's e-mailed sign-in links. Port
    25 without auth is the usual internal relay; set the credentials and STARTTLS for an
    authenticated submission port."""

    model_config = SettingsConfigDict(env_prefix="SAMSTAT_", extra="ignore",
                                      hide_input_in_errors=True)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "samstat@localhost"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # The same SAMSTAT_ENV as KitSettings': read here too, as the kit's sign-in settings
    # (which send the e-mailed links) are no KitSettings.
    env: Literal["dev", "test", "prod"] = "dev"

    @model_validator(mode="after")
    def _relay_over_tls_in_production(self) -> SmtpSettings:
        # A mail carries a bearer secret (a sign-in link, a one-click acknowledge link) and a
        # convener's alert: in production never in clear text between pods and relay, which
        # any host on the path (or a relay spoofed by DNS) could read. smtplib's STARTTLS
        # verifies the relay's certificate against SAMSTAT_SMTP_HOST.
        if self.env == "prod" and not self.smtp_starttls:
            raise ValueError("SAMSTAT_ENV=prod needs SAMSTAT_SMTP_STARTTLS=true: the SMTP "
                             "relay must be reached over TLS (a submission port, usually "
                             "587), never in clear text")
        return self


class KitSettings(BaseSettings):
    """What every service needs: environment, database, Kafka, logging, local state."""

    model_config = SettingsConfigDict(env_prefix="SAMSTAT_", extra="ignore",
                                      hide_input_in_errors=True)

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("var")
    database_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = False
    # Base URL of the human-facing pages, used in alert links.
    public_base_url: str = "http://127.0.0.1:8002"

    @property
    def kafka(self) -> KafkaSettings:
        return KafkaSettings()

    @property
    def db_url(self) -> str:
        """The configured URL, or the embedded SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'samstat.db').resolve()}"

    @model_validator(mode="after")
    def _prod_needs_real_database(self) -> KitSettings:
        # Fail fast: production must never silently fall back to a local SQLite file.
        if self.env == "prod" and not self.database_url:
            raise ValueError("SAMSTAT_DATABASE_URL is required when SAMSTAT_ENV=prod")
        # Nor on an SQLite URL given on purpose: the services and their replicas share one
        # database across pods, and SQLite is a file on one machine with one writer.
        if self.env == "prod" and self.db_url.lower().startswith("sqlite"):
            raise ValueError("SAMSTAT_ENV=prod needs PostgreSQL in SAMSTAT_DATABASE_URL, "
                             "not SQLite (one file, one writer, one machine)")
        return self
