"""Writing and looking up a batch's rows in bulk, the fastest way each database offers.

On PostgreSQL a statement for 500 rows (a multi-row ``INSERT``, an ``IN (…)`` of 500 keys) is
longer than 4 KB, and psycopg converts the placeholders of such statements in Python every
time; an executemany is one statement per row. That was most of ingest's time on PostgreSQL
(docs/benchmarks.md). There, rows go by ``COPY`` (sequence values taken in one query first)
and lookups bind one JSON array parameter. On SQLite, rows go by the driver's
``executemany`` (a loop in C), with the values converted as SQLAlchemy would store them:
SQLAlchemy's own many-row ``INSERT … RETURNING`` spent a third of ingest's time building
parameters in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Table, Text, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from services.ingest.observations.models import IngestObservation

_LOG_COLUMNS = ("seq", "event_id", "cell_key", "agency", "measure", "area", "period",
                "dimensions", "value", "unit", "obs_status", "conf_status", "revision",
                "produced_at", "received_at", "batch_id")
_LOG_FIELDS = itemgetter(*_LOG_COLUMNS[1:])
_DIMENSIONS = _LOG_COLUMNS.index("dimensions") - 1

_NEXTVALS = text("SELECT nextval(pg_get_serial_sequence('ingest_observations', 'seq')) "
                 "FROM generate_series(1, :n)")


def _postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def _copy(session: Session, table: str, columns: Sequence[str],
          rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` into ``table`` on the session's connection, inside its transaction."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, \
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_log(*, session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert observation-log ``rows`` (IngestObservation columns without ``seq``); returns
    their ``seq`` values in the rows' order."""
    if not rows:
        return []
    if not _postgres(session):
        _executemany(session, IngestObservation, _LOG_COLUMNS[1:],
                     map(_LOG_FIELDS, rows))
        # The log's own numbering, read back by event id (unique): no assumption about how
        # SQLite hands out row ids.
        ids = [row["event_id"] for row in rows]
        seq_of = dict(session.connection().execute(
            select(IngestObservation.event_id, IngestObservation.seq)
            .where(IngestObservation.event_id.in_(ids))).all())
        return [seq_of[i] for i in ids]
    # Ascending, so the log's order is the batch's order (as with the INSERT).
    seqs = sorted(int(s) for s in session.connection().scalars(_NEXTVALS, {"n": len(rows)}))
    _copy(session, "ingest_observations", _LOG_COLUMNS,
          (_log_row(seq, row) for seq, row in zip(seqs, rows, strict=True)))
    return seqs


def _log_row(seq: int, row: dict[str, Any]) -> list[Any]:
    values = [seq, *_LOG_FIELDS(row)]
    values[_DIMENSIONS + 1] = orjson.dumps(values[_DIMENSIONS + 1]).decode()
    return values


def insert_rows(*, session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (no JSON columns, server defaults allowed) into ``model``'s table."""
    if not rows:
        return
    columns = list(rows[0])
    fields = itemgetter(*columns)
    values = (fields(r) if len(columns) > 1 else (fields(r),) for r in rows)
    if _postgres(session):
        _copy(session, model.__tablename__, columns, values)
    else:
        _executemany(session, model, columns, values)


def _executemany(session: Session, model: Any, columns: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` into ``model``'s table with the DB-API cursor of the session's
    connection, inside its transaction; each value converted by its column type, as
    SQLAlchemy would bind it."""
    table: Table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    # The dialect's own type (SQLite's DATETIME formats the value as text): the generic type
    # has no processor, and sqlite3's default adapter would store another format.
    convert = [(i, proc) for i, c in enumerate(columns)
               if (proc := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
               is not None]

    def bound(row: Sequence[Any]) -> Sequence[Any]:
        if not convert:
            return row
        out = list(row)
        for i, proc in convert:
            out[i] = proc(out[i])
        return out

    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                           f"VALUES ({', '.join('?' * len(columns))})", map(bound, rows))
    finally:
        cursor.close()


def one_of(session: Session, column: InstrumentedAttribute[str],
           values: list[str]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one short statement with one parameter.

    The values go as one JSON array that the server unpacks: psycopg's array adapter quoted
    them one by one in Python (2 ms for 500 keys).
    """
    if _postgres(session):
        document = bindparam(None, orjson.dumps(values).decode(), type_=Text)
        return column.in_(select(func.jsonb_array_elements_text(cast(document, JSONB))))
    return column.in_(values)
