"""Per-record validation against the contract and the measure catalogue. Pure, no I/O.

Every problem becomes a :class:`Problem` naming the record index, the field and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from samstat_kit import periods
from samstat_kit.contracts import Catalogue
from services.ingest.observations.schemas import ObservationCreate


@dataclass(frozen=True)
class Problem:
    index: int
    field: str
    reason: str


_RECORDS = TypeAdapter(list[ObservationCreate])


def parse_records(records: list[Any]) -> tuple[list[tuple[int, ObservationCreate]],
                                               list[Problem]]:
    """(index, observation) of every record that parses, and the problems of the others.

    A batch that parses whole takes one call into pydantic's core; only a batch with a bad
    record is parsed again record by record, to name each problem.
    """
    try:
        return list(enumerate(_RECORDS.validate_python(records))), []
    except ValidationError:
        pass
    good, problems = [], []
    for i, raw in enumerate(records):
        obs, errs = parse_record(i, raw)
        if obs is None:
            problems.extend(errs)
        else:
            good.append((i, obs))
    return good, problems


def dump_records(observations: list[ObservationCreate]) -> list[dict[str, Any]]:
    """The observations as JSON-ready dicts, in one call."""
    return _RECORDS.dump_python(observations, mode="json")


def parse_record(index: int, raw: Any) -> tuple[ObservationCreate | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(index, "", "an observation must be a JSON object")]
    try:
        return ObservationCreate.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            field = ".".join(str(p) for p in err["loc"]) or "observation"
            problems.append(Problem(index, field, err["msg"]))
        return None, problems


def check_catalogue(index: int, obs: ObservationCreate, cat: Catalogue) -> list[Problem]:
    """The catalogue rules: measure, area, period, dimensions, unit, value."""
    p: list[Problem] = []
    measure = cat.measures.get(obs.measure)
    if measure is None:
        return [Problem(index, "measure", f"unknown measure {obs.measure!r}")]
    area = cat.areas.get(obs.area)
    if area is None:
        p.append(Problem(index, "area", f"unknown area {obs.area!r}"))
    elif area.level not in measure.area_levels:
        p.append(Problem(index, "area", f"measure {measure.code} is not reported for "
                                        f"{area.level} areas"))
    try:
        period = periods.parse(obs.period)
        if period.granularity not in measure.granularities:
            allowed = ", ".join(sorted(measure.granularities))
            p.append(Problem(index, "period",
                             f"measure {measure.code} takes periods of {allowed}"))
    except ValueError as exc:
        p.append(Problem(index, "period", str(exc)))
    for dim, code in obs.dimensions.items():
        allowed_codes = measure.dimensions.get(dim)
        if allowed_codes is None:
            p.append(Problem(index, f"dimensions.{dim}",
                             f"measure {measure.code} has no dimension {dim!r}"))
        elif code not in allowed_codes:
            p.append(Problem(index, f"dimensions.{dim}",
                             f"code {code!r} is not allowed for {dim} "
                             f"(allowed: {', '.join(sorted(allowed_codes))})"))
    for dim in sorted(measure.required_dimensions - obs.dimensions.keys()):
        p.append(Problem(index, f"dimensions.{dim}", "required dimension is missing"))
    if obs.unit != measure.unit:
        p.append(Problem(index, "unit", f"measure {measure.code} is in {measure.unit!r}, "
                                        f"not {obs.unit!r}"))
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
