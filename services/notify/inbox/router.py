"""The inbox's JSON API: quiet times (mute windows) per convener."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from samstat_kit.db import session_scope
from samstat_kit.web import AnyReader, CsrfChecked, actor
from services.notify.access import may_act_for
from services.notify.api import ERRORS
from services.notify.inbox import quiet
from services.notify.schemas_common import UtcDatetime

router = APIRouter(tags=["quiet times"])
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


class MuteWindowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    convener: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9\-]*$")]
    start: str = Field(description="First day, MM-DD (Swedish time), e.g. 07-01 or 12-23")
    end: str = Field(description="Last day, MM-DD, included; before start runs over New Year")
    comment: Annotated[str, Field(max_length=500)] = ""

    @field_validator("start", "end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not MONTH_DAY.fullmatch(value):
            raise ValueError("must be MM-DD, e.g. 07-01")
        return value


class MuteWindowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    convener: str
    start: str
    end: str
    comment: str
    created_by: str
    created_at: UtcDatetime


def _read(row: quiet.MuteWindow) -> MuteWindowRead:
    return MuteWindowRead(id=row.id, convener=row.convener,
                          start=f"{row.start_month:02d}-{row.start_day:02d}",
                          end=f"{row.end_month:02d}-{row.end_day:02d}", comment=row.comment,
                          created_by=row.created_by, created_at=row.created_at)


def _parts(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


@router.get("/v1/mute-windows", response_model=list[MuteWindowRead], responses=ERRORS,
            summary="A convener's quiet times (none by default)")
def list_windows(request: Request, reader: AnyReader,
                 convener: Annotated[str, Query(max_length=64)]) -> list[MuteWindowRead]:
    # Its comments and who set them are the agency's own (a review: any token listed them).
    if not may_act_for(reader.principal, convener):
        raise HTTPException(403, "only the convener's agency or an admin may list its quiet "
                                 "times")
    with session_scope(request.app.state.session_factory) as session:
        return [_read(w) for w in quiet.windows_for(session=session, convener=convener)]


@router.post("/v1/mute-windows", response_model=MuteWindowRead, status_code=201,
             responses=ERRORS | {422: {"description": "Not a day of the year (MM-DD)"}},
             summary="Add a recurring quiet time (the convener's agency or an admin)")
def add_window(request: Request, body: MuteWindowCreate, reader: AnyReader,
               _csrf: CsrfChecked) -> MuteWindowRead:
    if not may_act_for(reader.principal, body.convener):
        raise HTTPException(403, f"only {body.convener} or an admin may set its quiet times")
    try:
        with session_scope(request.app.state.session_factory) as session:
            row = quiet.add_window(session=session, convener=body.convener,
                                   start=_parts(body.start), end=_parts(body.end),
                                   comment=body.comment, created_by=actor(reader),
                                   now=datetime.now(UTC))
            return _read(row)
    except ValueError as exc:
        raise HTTPException(422, f"start/end: {exc}") from None


@router.delete("/v1/mute-windows/{window_id}", status_code=204, responses=ERRORS,
               summary="Remove a quiet time")
def delete_window(request: Request, window_id: str, reader: AnyReader,
                  _csrf: CsrfChecked) -> None:
    with session_scope(request.app.state.session_factory) as session:
        row = session.get(quiet.MuteWindow, window_id)
        if row is None:
            raise HTTPException(404, f"no quiet time {window_id}")
        if not may_act_for(reader.principal, row.convener):
            raise HTTPException(403, f"only {row.convener} or an admin may remove it")
        quiet.delete_window(session=session, window_id=window_id)
    request.app.state.wake()
