"""Prometheus metrics endpoint for the FastAPI services, and series exported from the start."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, generate_latest


def zeros(counter: Counter, *values: Iterable[str]) -> None:
    """Export ``counter`` at 0 for every combination of the label values given (in label order).

    A labelled counter otherwise appears only at its first increment, already at 1: rate() and
    increase() cannot see that first event, and a dashboard panel shows "No data" instead of 0
    until something happens. Only for bounded, known values (agencies, fixed outcomes).
    """
    for combination in itertools.product(*(tuple(v) for v in values)):
        counter.labels(*combination)

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
