"""Row helpers for what several notify replicas may do at the same moment on one database.

Every replica reads the whole registry topic, runs the sweeps and serves the inbox, so two of
them often write the same row at once. A check-then-insert ("no row yet, add one") loses that
race on PostgreSQL: ``SELECT ... FOR UPDATE`` locks nothing when there is no row, both insert,
and the second fails on the key, rolling back its whole unit of work.
"""

from __future__ import annotations

from typing import Any, TypeVar

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
    stmt = insert_for(session, model).values(**values).on_conflict_do_nothing() \
        .returning(model)
    return session.scalars(stmt).one_or_none()
