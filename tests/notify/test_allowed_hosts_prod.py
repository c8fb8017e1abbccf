"""In production an allow-listed receiver on this machine or a link-local address names its
port: a bare entry opened every port there (the database's, the metrics', the metadata
service's) to every agency's webhooks (a security review). Settings only: nothing is sent."""

from __future__ import annotations

import pytest

from services.notify.config import NotifySettings

PG = "postgresql+psycopg://samstat@db.invalid/samstat"
PROD = {"env": "prod", "database_url": PG, "smtp_starttls": True}


@pytest.mark.parametrize("entries", [
    "127.0.0.1", "localhost", "[::1]", "127.1", "alerts.internal:8443,127.0.0.1",
    "169.254.169.254", "hooks.localhost",
    # Red team: a connection to the unspecified address reaches the loopback's listeners.
    "0.0.0.0", "0", "[::]", "[::ffff:0.0.0.0]"])
def test_a_bare_entry_for_this_machine_stops_production(entries: str) -> None:
    with pytest.raises(ValueError, match="needs the receiver's port"):
        NotifySettings(**PROD, webhook_allowed_hosts=entries)


@pytest.mark.parametrize("entries", [
    "127.0.0.1:9000", "[::1]:8080,localhost:9001", "alerts.internal", "10.20.0.5",
    "alerts.internal:8443"])
def test_a_receiver_by_its_port_or_another_host_starts(entries: str) -> None:
    NotifySettings(**PROD, webhook_allowed_hosts=entries)


def test_outside_production_this_machine_may_be_allowed_whole() -> None:
    assert NotifySettings(env="dev", webhook_allowed_hosts="127.0.0.1").webhook_allowed_hosts \
        == ["127.0.0.1"]
