from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FyeVersion(BaseModel):
    """One vintage of a value: what samstat showed from ``computed_at`` on."""

    computed_at: datetime
    fye: float | None = None
    value: float | None = None
    share: float | None = None
    source: str | None = None
    complete: bool


class FyeRead(BaseModel):
    """FYE for an area and period (contract in the platform issue), plus coverage.

    ``source`` is ``computed`` (summed from the agencies' net days over ``municipalities``,
    of ``members``) or ``scb-official`` (SCB's published figure, shown while samstat's own is
    incomplete). ``share_by_sex`` is the FYE of each sex over the population 20-64 of that
    sex; ``by_benefit_sex`` the benefit x sex table of FYE."""

    area: str
    period: str
    fye: float
    population: float | None
    share: float | None
    by_benefit: dict[str, float]
    by_sex: dict[str, float]
    municipalities: list[str]
    complete: bool
    source: str = "computed"
    members: int = 0
    population_by_sex: dict[str, float] = {}
    # SCB's population of the period's year, or of the year before while it is not out:
    # both when the members' differ (one used the year before's)
    population_years: list[int] = []
    share_by_sex: dict[str, float | None] = {}
    by_benefit_sex: dict[str, dict[str, float]] = {}
    computed_at: datetime | None = None
    months_reported: int | None = None
    months: int | None = None
    history: list[FyeVersion] | None = None
    # Only in the exports with updated_after (and include_history): the figure as last shown,
    # taken back at computed_at; every format leaves its values empty. Never in the API's
    # answer, which has no figure then (404).
    withdrawn: bool = Field(default=False, exclude=True)

    @property
    def partial(self) -> bool:
        """Fewer months in than the period has (2024 with 8 of 12): not comparable."""
        return self.months_reported is not None and self.months is not None and \
            self.months_reported < self.months


class SeriesPoint(BaseModel):
    period: str
    value: float | None
    year_ago_value: float | None
    complete: bool
    computed_at: datetime | None = None
    history: list[FyeVersion] | None = None
    # Only with updated_after: the value was taken back (every input behind it withdrawn).
    withdrawn: bool = False


class SeriesRead(BaseModel):
    indicator: str
    area: str
    unit: str
    points: list[SeriesPoint]


class ComparisonRow(BaseModel):
    level: str
    area: str
    name: str
    fye: float | None
    population: float | None
    share: float | None
    share_year_ago: float | None
    change: float | None
    source: str | None = None
    share_by_sex: dict[str, float | None] = {}
    history: list[FyeVersion] | None = None
    members: list[str] | None = None  # a comparison group's municipalities


class ComparisonRead(BaseModel):
    period: str
    rows: list[ComparisonRow]
