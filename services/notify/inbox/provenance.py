"""Why an alert's value is what it is: the input cells (the agencies' observations and their
revisions) read from ingest's ``/v1/cells`` over HTTP (services never import each other),
with the reader's own credentials forwarded, so nobody sees more than ingest shows them.
Values ingest withholds (small counts, ``conf_status`` C or N) are shown as protected."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from services.notify.inbox.quiet import overlaps

log = logging.getLogger(__name__)
MAX_CELLS = 60


@dataclass(frozen=True)
class InputCell:
    agency: str
    measure: str
    period: str
    dimensions: dict[str, str]
    value: float | None
    protected: bool
    revision: int
    received_at: str
    unit: str


@dataclass(frozen=True)
class Provenance:
    cells: list[InputCell]
    error: str | None = None  # why the cells could not be read (shown, not raised)
    truncated: bool = False


def filters_of(formula: Any) -> list[dict[str, Any]]:
    """The formula's cell filters ``{measure, dimensions}`` (filters, numerator, ...)."""
    if not isinstance(formula, dict):
        return []
    out = [formula[k] for k in ("filters", "numerator", "denominator")
           if isinstance(formula.get(k), dict) and isinstance(formula[k].get("measure"), str)]
    return out


def matches(dimensions: dict[str, str], wanted: dict[str, Any]) -> bool:
    for dim, codes in (wanted or {}).items():
        allowed = [codes] if isinstance(codes, str) else list(codes or [])
        if dimensions.get(dim) not in allowed:
            return False
    return True


async def input_cells(*, base_url: str | None, token: str | None, formula: Any, area: str,
                      period: str, transport: httpx.AsyncBaseTransport | None = None,
                      timeout: float = 5.0, exact: bool = False) -> Provenance:
    """The cells behind one indicator value, newest revision each, at most MAX_CELLS.
    ``exact``: only cells of exactly ``period`` (a total and its parts), not its months."""
    filters = filters_of(formula)
    if not base_url or not token:
        return Provenance([], "not configured" if not base_url else "sign in to see")
    if not filters:
        return Provenance([])
    cells: list[InputCell] = []
    try:
        # trust_env=False: a proxy from the environment would see the reader's token.
        async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                     transport=transport, trust_env=False,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            for f in filters:
                r = await http.get("/v1/cells", params={"measure": f["measure"], "area": area})
                r.raise_for_status()
                for doc in r.json():
                    same = doc["period"] == period if exact else overlaps(doc["period"],
                                                                          period)
                    if same and matches(doc.get("dimensions") or {},
                                                                   f.get("dimensions") or {}):
                        cells.append(_cell(doc))
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.warning("input cells of %s/%s: %s", area, period, exc)
        return Provenance(cells[:MAX_CELLS], "unavailable")
    cells.sort(key=lambda c: (c.measure, c.period, c.agency, sorted(c.dimensions.items())))
    return Provenance(cells[:MAX_CELLS], truncated=len(cells) > MAX_CELLS)


def _cell(doc: dict[str, Any]) -> InputCell:
    value = doc.get("value")
    protected = value is None and doc.get("conf_status", "F") != "F"
    return InputCell(agency=str(doc["agency"]), measure=str(doc["measure"]),
                     period=str(doc["period"]), dimensions=dict(doc.get("dimensions") or {}),
                     value=None if value is None else float(value), protected=protected,
                     revision=int(doc.get("revision", 1)),
                     received_at=str(doc.get("received_at", "")), unit=str(doc.get("unit", "")))
