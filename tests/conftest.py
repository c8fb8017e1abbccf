"""Shared fixtures: a real Tansu broker per test session, and databases on SQLite and PostgreSQL.

PostgreSQL tests run in a schema of their own per session, so parallel runs don't collide; they
are skipped, with the reason, only where no PostgreSQL answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from samstat.components import COMPONENTS
from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.db import dispose_engines, get_engine, migrate

PG_BASE = os.environ.get("SAMSTAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")



def pg_available() -> str | None:
    try:
        eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"no PostgreSQL at {PG_BASE}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """A real Kafka-compatible broker on a free port, for the whole test session."""
    b = LocalBroker(port=free_port())
    b.start()
    os.environ["SAMSTAT_KAFKA_BOOTSTRAP_SERVERS"] = b.bootstrap
    yield b
    b.stop()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:10]
    eng = create_engine(PG_BASE)
    with eng.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    dispose_engines()
    with eng.begin() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    eng.dispose()


def migrated(url: str, components: tuple[str, ...] = COMPONENTS) -> str:
    for package in components:
        try:
            migrate(url, package)
        except ModuleNotFoundError:
            continue  # a component without a migration tree yet
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "samstat.db"
    return migrated(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def postgres_url(pg_schema_url: str) -> str:
    return migrated(pg_schema_url)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@contextmanager
def rolled_back(url: str) -> Iterator[Session]:
    """A session on ``url`` whose work is rolled back when the block ends."""
    conn = get_engine(url).connect()
    trans = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


@contextmanager
def own_pg_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL schema of its own, empty, dropped afterwards: the URL that uses it."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    schema = prefix + uuid.uuid4().hex[:10]
    admin = create_engine(PG_BASE)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (a fresh schema on PostgreSQL), so downgrading harms no one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    with own_pg_schema("m_") as url:
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session whose work is rolled back at the end of each test."""
    with rolled_back(db_url) as s:
        yield s
