"""Fixtures of the notify tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import migrated


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    """A SQLite database of this test's own, for what looks at everything in the database
    (the weekly digest, the sweeps), where the session-wide one holds other tests' alerts."""
    return migrated(f"sqlite:///{tmp_path / 'notify.db'}", ("samstat_kit.auth", "services.notify"))


@pytest.fixture(autouse=True)
def loopback_receivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests' webhook receivers listen on loopback, which notify refuses unless the
    operator allows it: these tests are that operator (tests/notify/test_ssrf.py sets its own
    allow-list, empty by default)."""
    monkeypatch.setenv("SAMSTAT_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    yield
