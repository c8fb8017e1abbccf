"""The indicators read model's migrations go up and down on both databases and match the
models (the titles table came with 0003)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from samstat_kit.db import downgrade, migrate
from services.indicators.api.models import Base

TABLES = {t.name for t in Base.metadata.sorted_tables}


def test_upgrade_matches_models_downgrade_removes_them(empty_url: str) -> None:
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        migrate(empty_url, "services.indicators")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= TABLES >= {"indicators_titles"}
            ctx = MigrationContext.configure(conn, opts={
                "include_name": lambda name, kind, _parent: kind != "table"
                or str(name).startswith("indicators_")})
            assert compare_metadata(ctx, Base.metadata) == []
        downgrade(empty_url, "services.indicators", "0002_vintages")
        with engine.connect() as conn:
            assert "indicators_titles" not in inspect(conn).get_table_names()
        downgrade(empty_url, "services.indicators")
        with engine.connect() as conn:
            assert not TABLES & set(inspect(conn).get_table_names())
        migrate(empty_url, "services.indicators")  # and up again
    finally:
        engine.dispose()
