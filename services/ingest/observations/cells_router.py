"""Reading cells back: current values, values as of a moment, and a cell's revisions.

Every token reads the same published state (docs/privacy.md): a value that disclosure control
held back is null with conf_status C for everyone, the publishing agency included. Held-back
values never reach the log these answers read, so no answer, past or present, holds one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from samstat_kit.instants import parse_instant
from services.ingest.observations import service
from services.ingest.observations.schemas import CellRead

router = APIRouter(tags=["cells"])


@router.get("/v1/cells", response_model=list[CellRead],
            summary="Cells of a measure and area, now or as of a moment",
            description="The same protected values for every token: held-back values are "
                        "null (conf_status C).")
def get_cells(
    request: Request, _p: AnyToken,
    measure: Annotated[str, Query(max_length=64)],
    area: Annotated[str, Query(max_length=32)],
    period: Annotated[str | None, Query(max_length=8)] = None,
    agency: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(
        max_length=40, description='What samstat held then: an RFC 3339 instant, or a date '
                                   '("2024-06-10": the end of that day in Sweden, as the '
                                   'indicators read it); default now')] = None,
) -> list[CellRead]:
    at = _instant(as_of)
    with session_scope(request.app.state.session_factory) as session:
        rows = service.cells(session=session, measure=measure, area=area, period=period,
                             agency=agency, as_of=at)
        return [CellRead.model_validate(r, from_attributes=True) for r in rows]


def _instant(raw: str | None) -> datetime | None:
    try:
        return parse_instant(raw)
    except ValueError:
        # Not echoed: whatever was typed there (a personal number, say) stays unsaid.
        raise HTTPException(422, "as_of: not a date or an RFC 3339 instant") from None


@router.get("/v1/cells/history", response_model=list[CellRead],
            summary="Every revision of one cell")
def get_cell_history(request: Request, _p: AnyToken,
                     cell_key: Annotated[str, Query(max_length=400)]) -> list[CellRead]:
    with session_scope(request.app.state.session_factory) as session:
        return [CellRead.model_validate(r, from_attributes=True)
                for r in service.cell_history(session=session, cell_key=cell_key)]
