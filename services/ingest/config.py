from __future__ import annotations

from pydantic import Field, model_validator

from samstat_kit.settings import KitSettings


class IngestSettings(KitSettings):
    """Ingest's settings (environment variables prefixed SAMSTAT_)."""

    suppression_threshold: int = 5
    max_batch_records: int = 5000
    max_body_bytes: int = 8 * 1024 * 1024
    rate_limit_per_minute: int = 600
    # Where the rate limit counts: in process (default; one replica) or a store shared by the
    # replicas: "database" (the service's PostgreSQL) or e.g. redis://redis:6379/0 (see
    # services/ingest/ratelimit.py).
    rate_limit_storage_url: str | None = None
    rate_limit_key_prefix: str = "samstat"
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.2
    relay_max_backoff_seconds: float = 5.0
    relay_send_timeout_seconds: float = 30.0
    # How long the rows a relay took stay its own (services/ingest/relay.py): the rows of a
    # replica that died are published by another after this.
    relay_lease_seconds: float = 60.0
    # How often /metrics takes the last privacy audit's figures from the audit log (the audit
    # runs as a job of its own: services/ingest/disclosure/service.py, show_last_audit).
    audit_figures_seconds: float = Field(default=60.0, gt=0)
    # --- Kafka ingest (agencies publishing to <prefix>.observations.raw.<agency>) ---
    kafka_ingest_enabled: bool = True
    kafka_ingest_max_records: int = 500  # records per polled batch (one transaction per agency)
    kafka_ingest_group: str | None = None  # default "<topic prefix>-ingest-raw"
    # --- end Kafka ingest ---

    @model_validator(mode="after")
    def _lease_outlasts_publish(self) -> IngestSettings:
        # A lease that ends while its relay still publishes lets another relay publish too.
        if self.relay_lease_seconds <= self.relay_send_timeout_seconds:
            raise ValueError(f"relay_lease_seconds must exceed relay_send_timeout_seconds "
                             f"({self.relay_send_timeout_seconds:g} s)")
        return self


def get_settings() -> IngestSettings:
    return IngestSettings()
