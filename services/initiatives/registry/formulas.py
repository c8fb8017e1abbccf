"""How an indicator is computed and judged: formula, rules, target and baseline.

These are published verbatim in registry events, so the indicators worker and notify read the
same JSON. A formula names measures of the catalogue (``schemas/measures``) and filters their
cells:

* ``{"kind": "sum"|"count"|"mean"|"yoy_change"|"share_of_population"|"milestone",
  "filters": {"measure": m, "dimensions": {dim: code | [codes]}, "areas": [..]?}}`` —
  ``sum`` adds the matching cells (a list of codes adds those codes), ``count`` counts cells
  reported with a value, ``mean`` averages them, ``yoy_change`` is the sum minus the sum of
  the same period a year earlier, ``share_of_population`` divides the sum by the population
  20–64, ``milestone`` is 1 once the milestone cell is 1;
* ``{"kind": "ratio", "numerator": filters, "denominator": filters, "complement": true?}``
  — numerator / denominator (``complement``: 1 − that, e.g. "share *not* re-referred");
* ``{"kind": "fye_share"}`` — full-year equivalents / population 20–64 (the SCB measure),
  filters optional.

``filters.areas`` (optional) restricts the input areas; by default each of the indicator's
``areas`` is computed from its own cells.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from samstat_kit.contracts import load_catalogue

FORMULA_KINDS = (
    "sum", "count", "ratio", "mean", "yoy_change", "share_of_population", "milestone",
    "fye_share",
)
RULE_KINDS = (
    "target_missed", "yoy_wrong_direction", "yoy_rise", "band", "control_limit", "stale",
    "data_quality", "relative_to_baseline", "staged_target",
)
Direction = Literal["rise", "fall"]


def known_agency(code: str) -> str:
    if code not in load_catalogue().agencies:
        raise ValueError(f"unknown agency code {code!r} (see schemas/codelists/agencies.json)")
    return code


def known_area(code: str) -> str:
    if code not in load_catalogue().areas:
        raise ValueError(f"unknown area code {code!r} (see schemas/codelists/areas.json)")
    return code


# Measures a formula cannot read: over a year their months neither add up nor average
# plainly (SCB's full-year equivalents are a day-weighted mean); the worker's own indicator
# reads them (fye_share_official).
NOT_IN_FORMULAS = {"fye_official": "SCB's official full-year equivalents are read through "
                                   "the indicator fye_share_official, not in formulas"}


def known_measure(code: str) -> str:
    if code not in load_catalogue().measures:
        raise ValueError(f"unknown measure {code!r} (see schemas/measures/)")
    if code in NOT_IN_FORMULAS:
        raise ValueError(f"measure {code!r}: {NOT_IN_FORMULAS[code]}")
    return code


AgencyCode = Annotated[str, AfterValidator(known_agency)]
AreaCode = Annotated[str, AfterValidator(known_area)]
MeasureCode = Annotated[str, AfterValidator(known_measure)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(_Strict):
    """Which cells of one measure enter the formula."""

    measure: MeasureCode
    dimensions: dict[str, str | list[str]] = Field(default_factory=dict)
    areas: list[AreaCode] | None = None

    @model_validator(mode="after")
    def _dimensions_exist(self) -> Filters:
        spec = load_catalogue().measures[self.measure]
        for dim, codes in self.dimensions.items():
            if dim not in spec.dimensions:
                raise ValueError(f"measure {self.measure} has no dimension {dim!r}")
            wanted = [codes] if isinstance(codes, str) else codes
            if not wanted:
                raise ValueError(f"dimension {dim!r} needs at least one code")
            unknown = sorted(set(wanted) - spec.dimensions[dim])
            if unknown:
                raise ValueError(f"measure {self.measure}, dimension {dim}: unknown {unknown}")
        return self


class Formula(_Strict):
    kind: Literal[
        "sum", "count", "ratio", "mean", "yoy_change", "share_of_population", "milestone",
        "fye_share",
    ]
    filters: Filters | None = None
    numerator: Filters | None = None
    denominator: Filters | None = None
    complement: bool | None = None

    @model_validator(mode="after")
    def _shape(self) -> Formula:
        if self.kind == "ratio":
            if self.numerator is None or self.denominator is None or self.filters is not None:
                raise ValueError("a ratio has numerator and denominator, not filters")
        else:
            if self.numerator is not None or self.denominator is not None or self.complement:
                raise ValueError(f"{self.kind}: numerator/denominator/complement are for ratio")
            if self.filters is None and self.kind != "fye_share":
                raise ValueError(f"{self.kind} needs filters {{measure, dimensions, areas}}")
        return self

    def measures(self) -> set[str]:
        parts = (self.filters, self.numerator, self.denominator)
        return {p.measure for p in parts if p is not None}


class Target(_Strict):
    value: float
    direction: Direction
    date: date


class Baseline(_Strict):
    value: float
    period: str = Field(pattern=r"^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")


class TargetMissedRule(_Strict):
    """Fires when the value misses ``target`` by its date (needs the indicator's target)."""

    kind: Literal["target_missed"]


class YoyWrongDirectionRule(_Strict):
    """The value must rise/fall against the same period a year earlier."""

    kind: Literal["yoy_wrong_direction"]
    direction: Direction
    tolerance: float = Field(default=0, ge=0)


class YoyRiseRule(_Strict):
    """Fires when value − year-ago value > tolerance."""

    kind: Literal["yoy_rise"]
    tolerance: float = Field(default=0, ge=0)


class BandRule(_Strict):
    kind: Literal["band"]
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> BandRule:
        if self.low is None and self.high is None:
            raise ValueError("a band needs low, high or both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("band: low must not exceed high")
        return self


class ControlLimitRule(_Strict):
    """XmR chart: outside mean ± 2.66 × mean moving range of the last ``window`` points."""

    kind: Literal["control_limit"]
    window: int | None = Field(default=None, ge=2)


class StaleRule(_Strict):
    kind: Literal["stale"]
    grace_days: int = Field(ge=0)


class DataQualityRule(_Strict):
    kind: Literal["data_quality"]


class RelativeToBaselineRule(_Strict):
    """"+15 % for the project": the value must be ``change`` (0.15) above (rise) or below
    (fall) the indicator's ``baseline`` value, judged for every reported period."""

    kind: Literal["relative_to_baseline"]
    change: float = Field(gt=0, le=10)
    direction: Direction = "rise"


class Stage(_Strict):
    after_months: int = Field(ge=1, le=600)
    value: float


class StagedTargetRule(_Strict):
    """"5 % self-supporting after 6 months, another 3 % after 12, 15 % at the end": the
    cumulative ``value`` each stage must reach ``after_months`` months from ``start``; a
    period is judged against the latest stage due by its end."""

    kind: Literal["staged_target"]
    start: date
    direction: Direction = "rise"
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_order(self) -> StagedTargetRule:
        months = [s.after_months for s in self.stages]
        if months != sorted(set(months)):
            raise ValueError("stages must be in order of after_months, each once")
        return self


Rule = Annotated[
    TargetMissedRule | YoyWrongDirectionRule | YoyRiseRule | BandRule | ControlLimitRule
    | StaleRule | DataQualityRule | RelativeToBaselineRule | StagedTargetRule,
    Field(discriminator="kind"),
]


def dump(model: BaseModel | None) -> Any:
    """The JSON stored and published: no nulls, so ``fye_share`` stays ``{"kind": ...}``."""
    return None if model is None else model.model_dump(mode="json", exclude_none=True)
