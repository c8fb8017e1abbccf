"""Ingest's tables: the batch audit log, the observation log (every revision), the current
revision per cell, and the outbox the relay drains to Kafka."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from samstat_kit.db import new_metadata

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = new_metadata()


class IngestBatch(Base):
    """Audit log: who sent what when, and the counts. Never values."""

    __tablename__ = "ingest_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)
    token_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # http | kafka
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    records: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[int] = mapped_column(Integer)


class IngestObservation(Base):
    """The ingest log: every accepted revision of every cell, in arrival order."""

    __tablename__ = "ingest_observations"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    cell_key: Mapped[str] = mapped_column(String(400), index=True)
    agency: Mapped[str] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(32))
    obs_status: Mapped[str] = mapped_column(String(1))
    conf_status: Mapped[str] = mapped_column(String(1))
    revision: Mapped[int] = mapped_column(Integer)
    produced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[str] = mapped_column(String(36), index=True)

    @property
    def withdrawn(self) -> bool:
        """A withdrawal (observation ``withdrawn: true``, SDMX ACTION=D) is logged as no value
        with conf_status F: the contract allows that combination for nothing else (a withheld
        value is C or N), so the log needs no column of its own for it."""
        return self.value is None and self.conf_status == "F"


class IngestCell(Base):
    """The current revision of each cell, for the staleness check."""

    __tablename__ = "ingest_cells"

    cell_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigId)


class OutboxMessage(Base):
    """A Kafka message committed with the batch; the relay deletes it once the broker acked."""

    __tablename__ = "ingest_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The relay's lease (services/ingest/relay.py): which relay is publishing the row, and
    # until when; an expired lease is taken over by any relay.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
