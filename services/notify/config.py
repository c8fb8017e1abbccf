from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from samstat_kit.netguard import WEB_PORTS, AllowList, nat64_prefixes
from samstat_kit.settings import KitSettings, SmtpSettings


class NotifySettings(KitSettings, SmtpSettings):
    """Notify's settings (environment variables prefixed SAMSTAT_)."""


    # An alert still firing (not acknowledged) this many days after it fired is escalated to
    # the association.
    escalate_after_days: float = 7.0
    escalation_agency: str = "samordningsforbundet"

    webhook_timeout_seconds: float = 5.0
    # Receivers allowed whatever they resolve to (loopback, private networks): comma-separated
    # host or host:port entries, e.g. "alerts.internal:8443,127.0.0.1". Every other webhook
    # must resolve only to public addresses (samstat_kit.netguard).
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The prefixes of this network's own NAT64 (DNS64), comma-separated, e.g.
    # "2001:db8:64::/96": an IPv6-only cluster reaches IPv4 through addresses under them, so
    # the guard judges the IPv4 address each carries (the well-known 64:ff9b::/96 always).
    webhook_nat64_prefixes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Ports a public webhook may name besides 443 and 80, comma-separated, e.g. "8443": any
    # other port would let agencies make notify talk to mail, cache or SSH servers.
    # Allow-listed hosts are not limited by it.
    webhook_allowed_ports: Annotated[list[Annotated[int, Field(gt=0, lt=65536)]],
                                     NoDecode] = Field(default_factory=list)
    # Retries: attempt n waits base × 2^(n-1), capped; after max_attempts the delivery is dead.
    delivery_max_attempts: int = 8
    delivery_backoff_seconds: float = 30.0
    delivery_max_backoff_seconds: float = 3600.0
    # Sends in flight at once; each slow receiver occupies one slot for at most its timeout.
    dispatch_concurrency: int = 16
    dispatch_batch_size: int = 50
    dispatch_idle_seconds: float = 1.0
    # How long a claimed delivery stays reserved for one replica while it is being sent;
    # must outlast the slowest send, or a slow delivery could be claimed and sent twice.
    dispatch_lease_seconds: float = 120.0
    # Stale-data checks, escalation, reminders, the weekly digest and the firing gauge run
    # this often.
    sweep_interval_seconds: float = 60.0

    # Grouping (Alertmanager's group_wait / group_interval): the first new alert of a convener
    # waits this long for others, and they go to each subscription as ONE message ...
    group_wait_seconds: Annotated[float, Field(ge=0)] = 30.0
    # ... and new alerts for a receiver that was sent a group message less than this ago wait
    # until this long after it (0: only group_wait applies).
    group_interval_seconds: Annotated[float, Field(ge=0)] = 300.0
    # An alert still firing (neither acknowledged nor silenced) is announced again this often
    # as a "reminder" (0 turns reminders off).
    repeat_interval_hours: Annotated[float, Field(ge=0)] = 24.0

    # The weekly digest per convener: sent once per ISO week, from this weekday (0 = Monday)
    # and hour in this time zone on.
    digest_enabled: bool = True
    digest_weekday: Annotated[int, Field(ge=0, le=6)] = 0
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 7
    digest_timezone: str = "Europe/Stockholm"

    # Off only for running the API without a broker (tests, offline demos).
    kafka_enabled: bool = True
    consumer_batch_size: int = 500
    consumer_max_backoff_seconds: float = 10.0

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _host_entries(cls, value: object) -> object:
        value = _comma_list(value)
        if isinstance(value, list):
            AllowList.parse(str(v) for v in value)  # a bad entry stops the start
        return value

    @field_validator("webhook_allowed_ports", mode="before")
    @classmethod
    def _ports(cls, value: object) -> object:
        return _comma_list(value)

    @property
    def webhook_ports(self) -> frozenset[int]:
        """Every port a public webhook may name."""
        return WEB_PORTS | frozenset(self.webhook_allowed_ports)

    @field_validator("webhook_nat64_prefixes", mode="before")
    @classmethod
    def _nat64_prefixes(cls, value: object) -> object:
        value = _comma_list(value)
        if isinstance(value, list):
            nat64_prefixes(str(v) for v in value)  # a bad prefix stops the start
        return value

    @model_validator(mode="after")
    def _receivers_by_port_in_production(self) -> NotifySettings:
        # Tests and `samstat run` allow 127.0.0.1 whole; in production a bare loopback or
        # link-local entry would open every port there to every agency's webhooks (a
        # security review): name the receiver's port.
        if self.env != "prod":
            return self
        wide = AllowList.parse(self.webhook_allowed_hosts).open_machines()
        if wide:
            raise ValueError(f"SAMSTAT_WEBHOOK_ALLOWED_HOSTS: {', '.join(wide)} needs the "
                             f"receiver's port in production (host:port), or every port "
                             f"there is open to webhooks")
        return self

    @model_validator(mode="after")
    def _known_timezone(self) -> NotifySettings:
        try:
            ZoneInfo(self.digest_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown digest_timezone {self.digest_timezone!r}") from None
        return self

    @model_validator(mode="after")
    def _lease_outlasts_sends(self) -> NotifySettings:
        slowest = max(self.webhook_timeout_seconds, self.smtp_timeout_seconds * 3)
        if self.dispatch_lease_seconds <= slowest:
            raise ValueError(f"dispatch_lease_seconds must exceed the slowest send "
                             f"({slowest:g} s)")
        return self


def get_settings() -> NotifySettings:
    return NotifySettings()


def _comma_list(value: object) -> object:
    """An environment variable's "a, b,c" as its entries; anything else as it is."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value
