"""The cell: (agency, measure, area, period, dimensions). An observation is a cell's value."""

from __future__ import annotations

from collections.abc import Mapping


def cell_key(agency: str, measure: str, area: str, period: str,
             dimensions: Mapping[str, str]) -> str:
    dims = ",".join(f"{k}={dimensions[k]}" for k in sorted(dimensions))
    return f"{agency}|{measure}|{area}|{period}|{dims}"
