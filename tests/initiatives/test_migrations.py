"""The migration tree upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from samstat_kit.db import downgrade, migrate, session_factory, session_scope
from services.initiatives.registry import service
from services.initiatives.registry.models import Base

TABLES = {t.name for t in Base.metadata.sorted_tables}


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _drift(url: str) -> list[object]:
    """What autogenerate would still change: nothing if migrations and models agree."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    return [d for d in diffs if "alembic_version" not in repr(d)]


def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    migrate(fresh_url, "services.initiatives")
    assert _tables(fresh_url) >= TABLES
    assert "alembic_version_initiatives" in _tables(fresh_url)
    assert _drift(fresh_url) == []
    # The schema holds the seed (constraints, JSON, dates) on this database...
    with session_scope(session_factory(fresh_url)) as s:
        assert service.seed(session=s, year=2024).indicators == 33
    # ...and the downgrade removes every table even with data in them.
    downgrade(fresh_url, "services.initiatives")
    assert not TABLES & _tables(fresh_url)
    migrate(fresh_url, "services.initiatives")
    assert _tables(fresh_url) >= TABLES
