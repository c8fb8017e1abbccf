"""Kafka names and connection options that need no Kafka client library: the topics of the
exchange, kafka-python's connection options, the JSON encoding. Shared by the services (via
:mod:`samstat_kit.kafka`) and the agencies' client (Python 3.9, kafka-python only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samstat_kit.settings import KafkaSettings


@dataclass(frozen=True)
class Topics:
    """Every topic of the exchange, derived from one prefix."""

    prefix: str

    @property
    def validated(self) -> str:
        return f"{self.prefix}.observations.validated"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}.observations.deadletter"

    @property
    def indicator_values(self) -> str:
        return f"{self.prefix}.indicator-values"

    @property
    def registry(self) -> str:
        return f"{self.prefix}.registry"

    @property
    def data_quality(self) -> str:
        return f"{self.prefix}.data-quality"

    @property
    def indicators_internal(self) -> str:
        """The worker's own repartition topic: cells forwarded to aggregate areas, and
        recompute requests, keyed by the area whose partition must handle them."""
        return f"{self.prefix}.indicators.internal"

    def raw(self, agency: str) -> str:
        return f"{self.prefix}.observations.raw.{agency}"

    def core(self) -> list[str]:
        return [
            self.validated,
            self.deadletter,
            self.indicator_values,
            self.registry,
            self.data_quality,
            self.indicators_internal,
        ]


def _connection(settings: KafkaSettings) -> dict[str, Any]:
    """What both client libraries call alike: servers, protocol and SASL."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.sasl_mechanism:
        opts["sasl_mechanism"] = settings.sasl_mechanism
        opts["sasl_plain_username"] = settings.sasl_username
        opts["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return opts


def admin_options(settings: KafkaSettings) -> dict[str, Any]:
    """The same connection in kafka-python's vocabulary."""
    opts = _connection(settings)
    if settings.ssl_cafile:
        opts["ssl_cafile"] = str(settings.ssl_cafile)
    return opts


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
