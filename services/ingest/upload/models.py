"""An agency's uploads from the browser: the file as read (so a row can be corrected before
publishing), and what publishing it gave. Never a personal identity number: a file holding
one is refused before anything of it is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.ingest.observations.models import Base


class IngestUpload(Base):
    __tablename__ = "ingest_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(320))  # samstat_kit.web.actor
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # csv | sdmx-csv (columns)
    xlsx: Mapped[bool] = mapped_column(default=False)
    columns: Mapped[list[str]] = mapped_column(JSON)
    lines: Mapped[list[Any]] = mapped_column(JSON)  # [file row, {column: cell}, extra cells]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    batch_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What publishing said per file row: [row, column, field, reason, "rejected"|"suppressed"]
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
