"""Data quality: a reported total that disagrees with its reported parts. Pure.

Seed 004's table says 2 670 persons need coordinated support where its rows add up to 2 833;
real data does this, and the people who own the figures should hear of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.indicators.domain.fye.maths import live

TOTAL = "_T"
TOLERANCE = 0.5  # figures are whole persons or rounded days: a half is not a disagreement


@dataclass(frozen=True)
class Finding:
    """One group of cells along ``dimension``: the total and its parts."""

    group: str  # stable id of the group within its (area, period, measure)
    agency: str
    dimension: str
    dimensions: dict[str, str]  # the other dimensions, fixed within the group
    total: float
    parts: dict[str, float]
    # Cell-key inputs (catalogue "disclosure.cell_key"): each cell carries up to max_noise.
    tolerance: float = TOLERANCE

    @property
    def parts_sum(self) -> float:
        return sum(self.parts.values())

    @property
    def consistent(self) -> bool:
        return abs(self.parts_sum - self.total) <= self.tolerance


def check_totals(entry: Mapping[str, list[Any]], codes: Mapping[str, frozenset[str]],
                 noise: float = 0.0) -> list[Finding]:
    """Groups whose total and *every* part are reported (suppressed cells make no finding).

    ``entry`` maps series keys ``"agency|dim=code,…"`` to ``[revision, value]`` (or to a
    withdrawal's tombstone, which is no cell: a withdrawn total or part makes no finding);
    ``codes`` is the measure's dimensions with their allowed codes. Only additive measures
    belong here.
    """
    groups: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, float | None]] = \
        defaultdict(dict)
    for series, (_rev, value) in live(entry).items():
        if ":" in series.split("|", 1)[0]:
            continue  # a member's cell forwarded into an aggregate area
        agency, _, dims_raw = series.partition("|")
        dims = dict(p.split("=", 1) for p in dims_raw.split(",") if p)
        for dim, code in dims.items():
            rest = tuple(sorted((k, v) for k, v in dims.items() if k != dim))
            groups[(agency, dim, rest)][code] = value
    out = []
    for (agency, dim, rest), members in sorted(groups.items()):
        parts_expected = codes.get(dim, frozenset()) - {TOTAL}
        total = members.get(TOTAL)
        parts = {c: v for c, v in members.items() if c != TOTAL}
        if total is None or not parts_expected or set(parts) != parts_expected:
            continue
        if any(v is None for v in parts.values()):
            continue
        group = f"{agency}|{dim}|" + ",".join(f"{k}={v}" for k, v in rest)
        out.append(Finding(group, agency, dim, dict(rest), float(total),
                           {c: float(v) for c, v in parts.items() if v is not None},
                           TOLERANCE + noise * (len(parts) + 1)))
    return out
