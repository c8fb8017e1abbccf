"""Pydantic mirror of schemas/observation.v1.schema.json (the contract), plus the receipt.

Ingest validates with pydantic for speed; tests check that it agrees with the JSON Schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_+\-]+$", max_length=64)]


class ObservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    event_id: UUID
    agency: Annotated[str, StringConstraints(max_length=64)]
    measure: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    area: Annotated[str, StringConstraints(max_length=32)]
    period: Annotated[str, StringConstraints(max_length=8)]
    dimensions: dict[Code, Code] = Field(default_factory=dict)
    value: float | None
    unit: Annotated[str, StringConstraints(max_length=32)]
    obs_status: Literal["A", "P", "E", "B"] = "A"
    conf_status: Literal["F", "C", "N"] = "F"
    revision: Annotated[int, Field(ge=1)] = 1
    produced_at: datetime

    @model_validator(mode="after")
    def _null_only_when_confidential(self) -> ObservationCreate:
        if self.value is None and self.conf_status == "F":
            raise ValueError("value may be null only when conf_status is C or N")
        return self


class Rejection(BaseModel):
    index: int
    field: str
    reason: str


class SuppressionRead(BaseModel):
    index: int
    reason: str


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
