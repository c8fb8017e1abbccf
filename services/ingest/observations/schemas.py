"""The receipt, the error body and the documented request body. The observation itself
(pydantic mirror of schemas/observation.v1.schema.json) is :class:`ObservationCreate` of
:mod:`samstat_kit.checks`, shared with the agencies' client; tests check it agrees with the
JSON Schema."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, model_validator

from samstat_kit.checks import ObservationCreate
from services.ingest.observations.wire import held_back_id

__all__ = ["BatchCreate", "CellRead", "ErrorRead", "ObservationCreate", "ReceiptRead", "Rejection",
           "SuppressionRead"]


class Rejection(BaseModel):
    index: int
    field: str
    reason: str


SuppressionKind = Literal["primary", "secondary", "held", "agency", "superseded", "withdrawn"]


class SuppressionRead(BaseModel):
    index: int
    reason: str
    kind: SuppressionKind | None = None


class ErrorRead(BaseModel):
    """Every error answer of ingest (401, 403, 413, 415, 422, 429, 503): a reason, and for
    findings about records (403 denials, strict-mode and event-id refusals) one entry per
    finding. Never a value that was sent."""

    detail: str
    rejected: list[Rejection] = []


class ReceiptRead(BaseModel):
    batch_id: str
    accepted: int
    duplicates: int
    rejected: list[Rejection]
    suppressed: list[SuppressionRead] = []


class BatchCreate(BaseModel):
    """Documented request body; the handler parses it itself to report errors per record."""

    observations: list[ObservationCreate]


class CellRead(BaseModel):
    """One cell's value as it stood (latest revision, or the latest as of a moment)."""

    cell_key: str
    agency: str
    measure: str
    area: str
    period: str
    dimensions: dict[str, str]
    value: float | None
    unit: str
    obs_status: str
    conf_status: str
    revision: int
    event_id: str
    received_at: datetime
    withdrawn: bool = False  # this revision withdrew the cell (no value)

    @model_validator(mode="after")
    def _held_back(self) -> CellRead:
        """No value published, no producer's id either (see wire.held_back_id)."""
        if self.value is None:
            self.event_id = held_back_id(self.cell_key, self.revision)
        return self
