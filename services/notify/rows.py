"""Row helpers for what several notify replicas may do at the same moment on one database.

Every replica reads the whole registry topic, runs the sweeps and serves the inbox, so two of
them often write the same row at once. A check-then-insert ("no row yet, add one") loses that
race on PostgreSQL: ``SELECT ... FOR UPDATE`` locks nothing when there is no row, both insert,
and the second fails on the key, rolling back its whole unit of work.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table, false, inspect, update
from sqlalchemy.orm import DeclarativeBase, Session

from samstat_kit.db import insert_for

M = TypeVar("M", bound=DeclarativeBase)


def row_locks(session: Session) -> bool:
    """Whether ``SELECT ... FOR UPDATE`` locks rows here (PostgreSQL), and so whether a locked
    read must also refresh the copy the session may hold of the row (``populate_existing``):
    the ORM returns an object already in the session as it was read, not as the row is now,
    and a decision on that copy is not protected by the lock.

    SQLite drops FOR UPDATE (one writer at a time, no row locks): there a refresh protects
    nothing, and it would reload what this session wrote without the time zones SQLite does
    not keep."""
    return session.get_bind().dialect.name == "postgresql"


def insert_new(session: Session, model: type[M], **values: Any) -> M | None:
    """Insert one row unless a row with any of its unique keys exists: the new row, or None.

    ``INSERT ... ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent transaction's
    uncommitted row with the same key makes this wait for it, then do nothing if it
    committed. So None means "another transaction has it": read it then, locked, and decide
    on what is stored. (Not a savepoint and a caught IntegrityError: on SQLite the savepoint
    of a transaction's first write commits that write early.)
    """
    inserted = insert_all_new(session, model, [values])
    return inserted[0] if inserted else None


def insert_all_new(session: Session, model: type[M], rows: list[dict[str, Any]]) -> list[M]:
    """:func:`insert_new` for many rows (with the same keys) in one statement: the rows it
    inserted, in no particular order. Give them in one order (by key) wherever two
    transactions may insert some of the same rows, so that each waits for the other rather
    than both waiting for each other (a deadlock on PostgreSQL)."""
    if not rows:
        return []
    stmt = insert_for(session, model).on_conflict_do_nothing().returning(model)
    return list(session.scalars(stmt, rows))


def locked(session: Session, model: type[M], key: Any) -> M | None:
    """The row of primary key ``key``, read afresh and locked until the transaction ends, for a
    change decided on its state (an acknowledgement must not revive an alert resolved a moment
    ago, nor two of them both find it firing).

    PostgreSQL: ``SELECT ... FOR UPDATE``, refreshing the session's copy (see
    :func:`row_locks`). SQLite drops FOR UPDATE and has no row locks, only one writer at a
    time: so first a write that changes nothing. It takes the database's write lock (waiting
    for the writer there is), and the read after it sees every change committed before, while
    none can be committed until this transaction ends. If that write began the transaction
    (the driver begins one at the first write), what the session read before was read
    outside it and may be out of date: read again. If the session had written before, it
    has held the lock since and is not refreshed: a refresh would take the time zones away
    from what it wrote (a copy read before its first write stays as read; no caller keeps
    one across a write).
    """
    if row_locks(session):
        return session.get(model, key, with_for_update=True, populate_existing=True)
    session.flush()  # changes of this session's own first: writing them begins the transaction
    stale = not getattr(session.connection().connection.driver_connection, "in_transaction",
                        True)
    mapper = inspect(model)
    keys = key if isinstance(key, tuple) else (key,)
    _write_nothing(session, model, *(c == v for c, v in zip(mapper.primary_key, keys,
                                                             strict=True)))
    return session.get(model, key, populate_existing=stale)


def write_lock(session: Session, model: type[M]) -> None:
    """Take SQLite's write lock now, before this unit of work reads what it will decide on
    (the sweep finding alerts overdue, a consumer finding an alert firing), so that no other
    writer (an acknowledgement from the inbox, the other loop) commits between that read and
    its writes: the driver begins a transaction only at the first write, and reads before it
    see a state another writer may change before this one writes. Nothing on PostgreSQL,
    where such decisions take row locks (FOR UPDATE). Call it before the first read."""
    if row_locks(session):
        return
    session.flush()
    _write_nothing(session, model, false())


def _write_nothing(session: Session, model: type[M], *where: Any) -> None:
    """An UPDATE that changes nothing: on SQLite it takes the database's write lock (waiting
    for the writer there is) and begins the transaction, matching rows or not."""
    table = inspect(model).local_table
    assert isinstance(table, Table)  # a mapped class of its own table
    # A column of no key or index, where there is one: SQLite rewrites the index entries of
    # what an UPDATE sets, even to the same value.
    indexed = {c.name for ix in table.indexes for c in ix.columns}
    plain = [c for c in table.columns if not (c.primary_key or c.unique or c.foreign_keys
                                              or c.index or c.name in indexed)]
    column = (plain or [c for c in table.columns if not c.primary_key])[0]
    session.execute(update(table).where(*where).values({column.name: column}))
