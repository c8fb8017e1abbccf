"""The catalogue's rules for one observation (:func:`check_catalogue`: measure, area, period,
dimensions, unit, value) and the publishing rights (:func:`authorize`), with what a batch
repeats judged once (:class:`BatchRules`).

A batch repeats few cell shapes: a month of a municipality's benefit days is four shapes of
(measure, area, period, dimensions, unit), and a national batch of 500 observations is 125
areas of the same four. Everything but the value and the moment it was produced depends on
the shape alone, so :class:`BatchRules` judges each shape once and reuses the findings,
re-numbered for each record: the findings, and their order, are exactly
:func:`check_catalogue`'s and :func:`authorize`'s (ingest spent a tenth of a batch's time
judging the same shapes again).

Pure and Python 3.9 compatible, as :mod:`samstat_kit.checks` (which re-exports these): the
agencies' client runs them too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from samstat_kit import periods
from samstat_kit.anonymity import quoted, shown
from samstat_kit.contracts import Catalogue

if TYPE_CHECKING:
    from samstat_kit.catalogue_entries import Measure
    from samstat_kit.checks import ObservationCreate


@dataclass(frozen=True)
class Problem:
    """One finding about one record: its index in the sent batch, a field, a reason."""

    index: int
    field: str
    reason: str


_Finding = tuple[str, str]  # (field, reason) of a Problem, without the record's index
_Memo = dict[Any, Any]


def check_catalogue(index: int, obs: ObservationCreate, cat: Catalogue,
                    memo: _Memo | None = None) -> list[Problem]:
    """The catalogue rules: measure, area, period, dimensions, unit, value. ``memo`` keeps
    the findings about a measure's period and dimensions for the next record (one batch's:
    :class:`BatchRules`)."""
    measure = cat.measures.get(obs.measure)
    if measure is None:
        return [Problem(index, "measure", f"unknown measure {quoted(obs.measure)}")]
    p: list[Problem] = []
    area = cat.areas.get(obs.area)
    if area is None:
        p.append(Problem(index, "area", f"unknown area {quoted(obs.area)}"))
    elif area.level not in measure.area_levels:
        p.append(Problem(index, "area", f"measure {measure.code} is not reported for "
                                        f"{area.level} areas"))
    if memo is None:
        findings, dated = _period(obs.period, measure)
        dims = _dimensions(obs.dimensions, measure)
    else:
        when = ("period", measure.code, obs.period)
        try:
            findings, dated = memo[when]
        except KeyError:
            findings, dated = memo[when] = _period(obs.period, measure)
        # In the order sent: the findings name the dimensions in that order.
        which = ("dimensions", measure.code, *obs.dimensions.items())
        try:
            dims = memo[which]
        except KeyError:
            dims = memo[which] = _dimensions(obs.dimensions, measure)
    p += [Problem(index, f, r) for f, r in findings]
    if dated:
        p += _future(index, obs.produced_at)
    p += [Problem(index, f, r) for f, r in dims]
    if obs.unit != measure.unit:
        p.append(Problem(index, "unit", f"measure {measure.code} is in {measure.unit!r}, "
                                        f"not {quoted(obs.unit)}"))
    v = obs.value
    if v is not None:
        if not math.isfinite(v):
            p.append(Problem(index, "value", "value must be a finite number"))
        elif measure.value_type == "integer" and v != int(v):
            p.append(Problem(index, "value", f"measure {measure.code} takes whole numbers"))
        elif not (measure.minimum <= v <= measure.maximum):
            p.append(Problem(index, "value", f"value out of range "
                                             f"[{measure.minimum}, {measure.maximum}]"))
    return p


def _period(code: str, measure: Measure) -> tuple[tuple[_Finding, ...], bool]:
    """The findings about a measure's period, and whether the record's moment is to be
    checked (only once the period reads)."""
    try:
        period = periods.parse(code)
    except ValueError as exc:
        return (("period", str(exc)),), False
    out = []
    if period.granularity not in measure.granularities:
        allowed = ", ".join(sorted(measure.granularities))
        out.append(("period", f"measure {measure.code} takes periods of {allowed}"))
    limit = _limit()
    if (period.year, period.first_month) > (limit.year, limit.month):  # its 1st is later
        out.append(("period", "the period has not begun yet"))
    return tuple(out), True


def _dimensions(dims: Mapping[str, str], measure: Measure) -> tuple[_Finding, ...]:
    return tuple((p.field, p.reason) for p in _check_dimensions(
        -1, dims, measure.code, measure.dimensions, measure.required_dimensions))


# A day's grace for clocks and time zones (a month begins in Sweden an hour or two before UTC).
_GRACE = timedelta(days=1)
_CLOCK: list[Any] = [-1e9, None]  # (monotonic seconds, the latest limit): read once a second


def _limit() -> datetime:
    """Now, with the grace: a record's checks are a few microseconds, a clock read is not."""
    t = time.monotonic()
    if t - _CLOCK[0] > 1.0:
        _CLOCK[:] = [t, datetime.now(timezone.utc) + _GRACE]  # noqa: UP017 (Python 3.9)
    return _CLOCK[1]


def _future(index: int, produced_at: datetime) -> list[Problem]:
    """Figures computed in the future are no statistics (nor are a period's that has not
    begun: :func:`_period`): a demo left running published 2031 as it went (and its conveners
    got alerts for it)."""
    at = produced_at if produced_at.tzinfo else produced_at.replace(tzinfo=timezone.utc)  # noqa: UP017
    if at > _limit():
        return [Problem(index, "produced_at", "lies in the future")]
    return []


def _check_dimensions(index: int, dims: Mapping[str, str], code: str,
                      allowed: Mapping[str, frozenset[str]],
                      required: frozenset[str]) -> list[Problem]:
    p = []
    for dim, value in dims.items():
        codes = allowed.get(dim)
        if codes is None:
            p.append(Problem(index, f"dimensions.{shown(dim)}",
                             f"measure {code} has no dimension {quoted(dim)}"))
        elif value not in codes:
            p.append(Problem(index, f"dimensions.{dim}",
                             f"code {quoted(value)} is not allowed for {dim} "
                             f"(allowed: {', '.join(sorted(codes))})"))
    for dim in sorted(required - dims.keys()):
        p.append(Problem(index, f"dimensions.{dim}", "required dimension is missing"))
    return p


def authorize(index: int, obs: ObservationCreate, agency: str | None,
              cat: Catalogue) -> Problem | None:
    """Why the agency ``agency`` may not publish this record (a *denial*), or None."""
    found = _denial(obs, agency, cat)
    return None if found is None else Problem(index, *found)


def _denial(obs: ObservationCreate, agency: str | None,
            cat: Catalogue) -> _Finding | None:
    if obs.agency != agency:
        return "agency", f"agency {agency} may not publish as {shown(obs.agency)}"
    denial = cat.publish_denial(obs.agency, obs.measure, obs.area, obs.dimensions)
    if denial is None:
        return None
    where = "measure"
    for dim in sorted(obs.dimensions):
        if f"{dim}=" in denial or f"with {dim} in" in denial:
            where = f"dimensions.{dim}"
    if "own area" in denial:
        where = "area"
    return where, denial


class BatchRules:
    """:func:`authorize` and :func:`check_catalogue` for the records of one batch, what they
    repeat judged once: a batch's cells differ, but by area mostly, so its periods and
    dimensions are few. For one batch only (the catalogue's clock is read once per period)."""

    def __init__(self, cat: Catalogue, agency: str | None) -> None:
        self.cat = cat
        self.agency = agency
        self._memo: _Memo = {}

    def authorize(self, index: int, obs: ObservationCreate) -> Problem | None:
        return authorize(index, obs, self.agency, self.cat)

    def check_catalogue(self, index: int, obs: ObservationCreate) -> list[Problem]:
        return check_catalogue(index, obs, self.cat, self._memo)
