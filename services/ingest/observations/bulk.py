"""Writing and looking up a batch's rows in bulk, the fastest way each database offers.

On PostgreSQL a statement for 500 rows (a multi-row ``INSERT``, an ``IN (…)`` of 500 keys) is
longer than 4 KB, and psycopg converts the placeholders of such statements in Python every
time; an executemany is one statement per row. That was most of ingest's time on PostgreSQL
(docs/benchmarks.md). There, rows go by binary ``COPY`` (log and new cells in a savepoint); when a
batch racing this one took a key meanwhile, or for cells that exist, the rows go as one JSON
parameter that the server unpacks, so that the statement can say ``ON CONFLICT``: a racing
duplicate is skipped and a cell never moves to a lower revision (the guarded write), whatever
commits first. Lookups bind one JSON array parameter. On SQLite, rows go by the driver's
``executemany`` (a loop in C), with the values converted as SQLAlchemy would store them:
SQLAlchemy's own many-row ``INSERT … RETURNING`` spent a third of ingest's time building
parameters in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from samstat_kit.db import json_text
from services.ingest.observations.models import IngestCell, IngestObservation

_LOG_COLUMNS = ("seq", "event_id", "cell_key", "agency", "measure", "area", "period",
                "dimensions", "value", "unit", "obs_status", "conf_status", "revision",
                "produced_at", "received_at", "batch_id")
_LOG_FIELDS = itemgetter(*_LOG_COLUMNS[1:])
_DIMENSIONS = _LOG_COLUMNS.index("dimensions") - 1

# One row holding them all: fetching 500 rows one by one cost a batch half a millisecond.
_NEXTVALS = text("SELECT array_agg(nextval(pg_get_serial_sequence('ingest_observations', "
                 "'seq'))) FROM generate_series(1, :n)")


def _postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def _copy(session: Session, table: Table, columns: Sequence[str],
          rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` into ``table`` on the session's connection, inside its transaction.

    In binary when every column's type allows (:func:`_binary_types`): the server stores
    each value as it comes instead of parsing text (a float, a timestamp; a payload as its
    bytes, not twice as many hex digits), and psycopg writes it without formatting text. For
    a 500-observation batch that took a third off ingest's time for its log and outbox rows
    in Python (4.2 → 1.5 ms) and a quarter off PostgreSQL's (7.5 → 5.6 ms), same run."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    types = _binary_types(table, tuple(columns))
    binary = " (FORMAT BINARY)" if types is not None else ""
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
        if types is not None:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


# The binary COPY type of a column, by its PostgreSQL type. Binary input applies no cast, so
# the type must be the column's own; JSON goes as text (its binary form is its text: psycopg's
# json dumper would encode the already-encoded document again, as a JSON string).
_BINARY_TYPES = {"BIGINT": "int8", "INTEGER": "int4", "FLOAT": "float8",
                 "DOUBLE PRECISION": "float8", "TIMESTAMP WITH TIME ZONE": "timestamptz",
                 "BYTEA": "bytea", "TEXT": "text", "JSON": "text", "BOOLEAN": "bool"}


def _table(model: Any) -> Table:
    return model.__table__


@cache
def _binary_types(table: Table, columns: tuple[str, ...]) -> list[str] | None:
    """The binary COPY types of ``columns``, or None (text COPY) if one has none here."""
    dialect = postgresql.dialect()
    out = []
    for name in columns:
        compiled = table.c[name].type.compile(dialect=dialect)
        kind = "varchar" if compiled.startswith("VARCHAR") else _BINARY_TYPES.get(compiled)
        if kind is None:
            return None
        out.append(kind)
    return out


# PostgreSQL: the rows as one JSON parameter, unpacked by the server (psycopg converts the
# placeholders of long statements in Python; one parameter avoids that, as COPY did), with
# ON CONFLICT so that a racing duplicate is skipped, not a UniqueViolation. Inserted in
# event-id order: two batches racing over the same ids lock them in one order (no deadlock).
_PG_LOG = text(
    "INSERT INTO ingest_observations (seq, event_id, cell_key, agency, measure, area, period, "
    "dimensions, value, unit, obs_status, conf_status, revision, produced_at, received_at, "
    "batch_id) "
    "SELECT seq, event_id, cell_key, agency, measure, area, period, dimensions, value, unit, "
    "obs_status, conf_status, revision, produced_at, received_at, batch_id "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(seq bigint, event_id text, "
    "cell_key text, agency text, measure text, area text, period text, dimensions json, "
    "value double precision, unit text, obs_status text, conf_status text, revision integer, "
    "produced_at timestamptz, received_at timestamptz, batch_id text) "
    "ORDER BY event_id "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id, seq")

# The guarded write: a cell only ever moves to a higher revision, whatever commits first.
# In cell-key order, so batches racing over the same cells lock them in one order.
_PG_CELLS = text(
    "INSERT INTO ingest_cells (cell_key, revision, seq) "
    "SELECT cell_key, revision, seq FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS r(cell_key text, revision integer, seq bigint) ORDER BY cell_key "
    "ON CONFLICT (cell_key) DO UPDATE SET revision = excluded.revision, seq = excluded.seq "
    "WHERE ingest_cells.revision < excluded.revision RETURNING cell_key")
_SQLITE_CELLS = (
    "INSERT INTO ingest_cells (cell_key, revision, seq) VALUES (?, ?, ?) "
    "ON CONFLICT (cell_key) DO UPDATE SET revision = excluded.revision, seq = excluded.seq "
    "WHERE ingest_cells.revision < excluded.revision")


def insert_log(*, session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert observation-log ``rows`` (IngestObservation columns without ``seq``, one
    ``batch_id``; other keys are ignored); returns ``{event_id: seq}`` of the rows inserted.
    A row whose event id is already in the log (a duplicate that raced this batch) is
    skipped, not an error."""
    if not rows:
        return {}
    if not _postgres(session):
        _executemany(session, IngestObservation, _LOG_COLUMNS[1:], map(_LOG_FIELDS, rows),
                     conflict="ON CONFLICT (event_id) DO NOTHING")
        # The log's own numbering, read back by batch: no assumption about how SQLite hands
        # out row ids, and a skipped duplicate (another batch's row) is not counted as ours.
        return dict(session.connection().execute(
            select(IngestObservation.event_id, IngestObservation.seq)
            .where(IngestObservation.batch_id == rows[0]["batch_id"])).all())
    # Ascending, so the log's order is the batch's order.
    seqs = sorted(session.connection().scalar(_NEXTVALS, {"n": len(rows)}))
    # Optimistic: COPY (the fast way) in a savepoint. Only when a duplicate raced this batch
    # (it committed after our lookup) does COPY fail; then the guarded statement skips it.
    if _copied(session, _table(IngestObservation), _LOG_COLUMNS,
               [_log_row(seq, row) for seq, row in zip(seqs, rows, strict=True)]):
        return {row["event_id"]: seq for seq, row in zip(seqs, rows, strict=True)}
    document = orjson.dumps([dict(zip(_LOG_COLUMNS, _log_row(seq, row), strict=True))
                             for seq, row in zip(seqs, rows, strict=True)])
    return dict(session.connection().execute(_PG_LOG, {"rows": document.decode()}).all())


def _log_row(seq: int, row: dict[str, Any]) -> list[Any]:
    values = [seq, *_LOG_FIELDS(row)]
    values[_DIMENSIONS + 1] = orjson.dumps(values[_DIMENSIONS + 1]).decode()
    return values


_UNIQUE_VIOLATION = "23505"


def _copied(session: Session, table: Table, columns: Sequence[str],
            rows: list[Sequence[Any]]) -> bool:
    """COPY ``rows`` in a savepoint; False (and nothing written) if a unique key was taken
    by a transaction that committed meanwhile. Other errors propagate.

    The savepoint is the driver's, and is never released: a release is a round trip of its
    own, and an unreleased savepoint ends with the transaction (two releases were two of a
    batch's fourteen round trips). SQLAlchemy's ``begin_nested`` also flushed the session
    first; nothing it holds is written by COPY, so nothing needs to be flushed before."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    name = f"copy_{table.name}"
    with driver.cursor() as cursor:
        cursor.execute(f"SAVEPOINT {name}")
        try:
            _copy(session, table, columns, rows)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            return False
    return True


def upsert_cells(*, session: Session, cells: list[dict[str, Any]],
                 known: set[str] | None = None) -> set[str]:
    """Move each cell (``cell_key``, ``revision``, ``seq``; one row per key) to its revision
    unless it already has that or a higher one; returns the keys this call moved. ``known``:
    the keys the batch's lookup found (the others are new unless a batch raced this one)."""
    if not cells:
        return set()
    connection = session.connection()
    if _postgres(session):
        fresh = [c for c in cells if c["cell_key"] not in (known or ())]
        if fresh and _copied(session, _table(IngestCell), ("cell_key", "revision", "seq"),
                             [(c["cell_key"], c["revision"], c["seq"]) for c in fresh]):
            # New cells by COPY, as before; the guarded statement for the rest.
            rest = [c for c in cells if c["cell_key"] in (known or ())]
            moved = {c["cell_key"] for c in fresh}
        else:
            rest, moved = cells, set()
        if rest:
            moved |= set(connection.scalars(_PG_CELLS, {"rows": orjson.dumps(rest).decode()}))
        return moved
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.executemany(_SQLITE_CELLS, [(c["cell_key"], c["revision"], c["seq"])
                                           for c in cells])
    finally:
        cursor.close()
    ours = {c["cell_key"]: c["seq"] for c in cells}
    now = connection.execute(select(IngestCell.cell_key, IngestCell.seq)
                             .where(IngestCell.cell_key.in_(list(ours)))).all()
    return {key for key, seq in now if ours[key] == seq}


def lookup(*, session: Session, cell_keys: list[str], event_ids: list[str]
           ) -> tuple[dict[str, int], dict[str, str]]:
    """The stored revision of each of ``cell_keys`` that exists, and the agency of each of
    ``event_ids`` already in the log.

    One statement, not two: a round trip fewer per batch, and both halves read one snapshot,
    so an original that a racing batch committed is seen in the cells exactly when its event
    id is seen too (a duplicate, never a stale revision). The revision comes as text, so that
    the two halves are one column each. On SQLite two statements (its transaction reads one
    snapshot anyway, and it has no round trip to save: the union cost it 7 % more CPU)."""
    if not _postgres(session):
        connection = session.connection()
        return (dict(connection.execute(
                    select(IngestCell.cell_key, IngestCell.revision)
                    .where(one_of(session, IngestCell.cell_key, cell_keys))).all()),
                dict(connection.execute(
                    select(IngestObservation.event_id, IngestObservation.agency)
                    .where(one_of(session, IngestObservation.event_id, event_ids))).all()))
    cells = (select(literal_column("1", Integer), IngestCell.cell_key,
                    cast(IngestCell.revision, String))
             .where(one_of(session, IngestCell.cell_key, cell_keys)))
    ids = (select(literal_column("2", Integer), IngestObservation.event_id,
                  IngestObservation.agency)
           .where(one_of(session, IngestObservation.event_id, event_ids)))
    current: dict[str, int] = {}
    owners: dict[str, str] = {}
    for kind, key, value in session.connection().execute(union_all(cells, ids)):
        if kind == 1:
            current[key] = int(value)
        else:
            owners[key] = value
    return current, owners


def delete_log(*, session: Session, event_ids: list[str]) -> None:
    """Take back this transaction's log rows (revisions that lost a race to a newer one)."""
    if event_ids:
        session.connection().execute(
            delete(IngestObservation)
            .where(one_of(session, IngestObservation.event_id, event_ids)))


def insert_rows(*, session: Session, model: Any, rows: list[dict[str, Any]],
                json: Sequence[str] = ()) -> None:
    """Insert rows (server defaults allowed) into ``model``'s table. ``json``: the JSON
    columns, given as Python values (the rows are not changed)."""
    if not rows:
        return
    columns = list(rows[0])
    fields = itemgetter(*columns)
    values = (fields(r) if len(columns) > 1 else (fields(r),) for r in rows)
    if _postgres(session):
        # COPY takes a JSON column's text as it is (see _BINARY_TYPES): encoded here.
        table = _table(model)
        at = [(columns.index(c), getattr(table.c[c].type, "none_as_null", False))
              for c in json]
        _copy(session, table, columns, (_encoded(v, at) for v in values) if at else values)
    elif json:  # the column type's own serializer, as SQLAlchemy's insert binds it
        session.execute(_table(model).insert(), rows)
    else:
        _executemany(session, model, columns, values)


def _encoded(row: Sequence[Any], at: list[tuple[int, bool]]) -> list[Any]:
    """A row's JSON columns as SQLAlchemy's JSON type binds them: through the engine's
    serializer, and None as the JSON ``null`` unless the column is ``none_as_null`` (Core's
    insert stored ``past = None`` as ``'null'``, not SQL NULL, as SQLite still does)."""
    out = list(row)
    for i, none_as_null in at:
        out[i] = None if out[i] is None and none_as_null else json_text(out[i])
    return out


def _executemany(session: Session, model: Any, columns: Sequence[str],
                 rows: Iterable[Sequence[Any]], conflict: str = "") -> None:
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
                           f"VALUES ({', '.join('?' * len(columns))}) {conflict}", map(bound, rows))
    finally:
        cursor.close()


def one_of(session: Session, column: InstrumentedAttribute[Any],
           values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` as one short statement with one parameter.

    The values go as one JSON array that the server unpacks: psycopg's array adapter quoted
    them one by one in Python (2 ms for 500 keys). Text or integer columns.
    """
    document = bindparam(None, orjson.dumps(values).decode(), type_=Text)
    if _postgres(session):
        elements: ColumnElement[Any] = func.jsonb_array_elements_text(cast(document, JSONB))
        if not isinstance(column.type, String):  # the elements are text: as the column's
            elements = cast(elements, column.type)
        return column.in_(select(elements))
    # SQLite likewise (json_each): an expanding IN of 500 values was compiled in Python for
    # every statement.
    return column.in_(select(func.json_each(document).table_valued("value").c.value))
