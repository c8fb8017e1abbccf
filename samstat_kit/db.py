"""Database engine, sessions and migrations shared by the services.

SQLite is the embedded default; PostgreSQL is production. Transactions belong to the request or
message handler (:func:`session_scope`); repositories only ``add``/``flush``.
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

# One naming convention for every service, so migrations name constraints the same on both
# databases and downgrades can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the four services read while one writes; busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def json_text(value: Any) -> str:
    """JSON columns through orjson: json.dumps of every row's dimensions was a measurable
    part of ingest's time (stored text stays plain JSON). json for what orjson cannot write
    (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


@cache
def get_engine(url: str) -> Engine:
    """One engine per URL and process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=json_text, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        json_serializer=json_text,
        # A statement's error message would otherwise carry its values, and messages are
        # logged: true values of hidden cells (disclosure_cells), raw rows of an upload.
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )
    event.listen(engine, "connect", _postgres_timeouts)
    return engine


def _postgres_timeouts(dbapi_conn: Any, _record: Any) -> None:
    # No request may hold a connection (and its locks) for long: a stuck statement fails, the
    # transaction rolls back, and the caller gets a 503 it can retry.
    with dbapi_conn.cursor() as cur:
        cur.execute("SET statement_timeout = 15000")
        cur.execute("SET lock_timeout = 10000")
        cur.execute("SET idle_in_transaction_session_timeout = 60000")
    dbapi_conn.commit()


@cache
def writer_lock(url: str) -> AbstractContextManager[Any]:
    """Held around a write transaction that many threads of one process run at once.

    SQLite has one writer at a time anyway, and its waiters sleep-poll with a growing
    back-off (up to 100 ms a try), so they wake late and in no order: under the ingest
    benchmark's 4 clients p99 was 1.4–1.6 s. Queued on a lock instead, p99 was 0.3–0.4 s
    for the same throughput. Other databases lock rows, not the file: nothing to hold.
    """
    return threading.Lock() if url.startswith("sqlite") else nullcontext()


def insert_for(session: Session, table: Any) -> Any:
    """The INSERT of the session's database, with its ON CONFLICT clauses (PostgreSQL in
    production, SQLite embedded: the two databases the services run on)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a database error is a unique key taken (by a concurrent transaction, mostly):
    SQLSTATE 23505 on PostgreSQL, SQLite's own message there."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) == "23505" or \
        "UNIQUE constraint failed" in str(orig)


def dispose_engines() -> None:
    get_engine.cache_clear()


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The one place a unit of work commits, or rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str, package: str) -> Config:
    """Alembic config for one component's migration tree (``<package>/migrations``).

    Every component keeps its own version table, so the services' schemas evolve independently
    while living in one database.
    """
    root = importlib.resources.files(package) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(root))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["version_table"] = "alembic_version_" + package.rsplit(".", 1)[-1]
    return cfg


def migrate(url: str, package: str, revision: str = "heads") -> None:
    """Upgrade to every head: independent changes of one component (new tables of separate
    features) may branch from the same revision, and all of them are applied."""
    command.upgrade(alembic_config(url, package), revision)


def downgrade(url: str, package: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url, package), revision)


def run_migrations_online(target_metadata: MetaData) -> None:
    """Body of every component's ``migrations/env.py``."""
    from alembic import context

    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url")
    assert url
    connectable = cfg.attributes.get("connection")
    engine = None
    if connectable is None:
        engine = create_engine(url, poolclass=NullPool)
        if url.startswith("sqlite"):
            event.listen(engine, "connect", _sqlite_pragmas)
        connectable = engine.connect()
    try:
        context.configure(
            connection=connectable,
            target_metadata=target_metadata,
            version_table=cfg.attributes["version_table"],
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
        if engine is not None:
            connectable.commit()
    finally:
        if engine is not None:
            connectable.close()
            engine.dispose()
