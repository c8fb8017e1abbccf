"""The components with migration trees, in the order they are migrated."""

from __future__ import annotations

from samstat_kit.db import migrate

COMPONENTS = (
    "samstat_kit.auth",
    "services.ingest",
    "services.indicators",
    "services.initiatives",
    "services.notify",
)

SERVICES = {
    "ingest": ("services.ingest.app:create_app", 8001),
    "indicators": ("services.indicators.app:create_app", 8002),
    "initiatives": ("services.initiatives.app:create_app", 8003),
    "notify": ("services.notify.app:create_app", 8004),
}


def migrate_all(url: str) -> None:
    for package in COMPONENTS:
        migrate(url, package)
