"""Fixtures of the notify tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import migrated


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    """A SQLite database of this test's own, for what looks at everything in the database
    (the weekly digest, the sweeps), where the session-wide one holds other tests' alerts."""
    return migrated(f"sqlite:///{tmp_path / 'notify.db'}", ("samstat_kit.auth", "services.notify"))
