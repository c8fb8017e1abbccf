"""The follow-up report and the experience bank as JSON (``/v1/plans/{year}/report``,
``/v1/experience-bank``). The HTML pages render these same objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.initiatives.report.judge import Direction, Moved, TargetStatus, Verdict
from services.initiatives.report.worth import Worth

Phase = Literal["not_started", "started", "completed"]


class AreaResult(BaseModel):
    """One indicator in one area: the value that counts for the plan year and its verdict."""

    area: str
    area_name: str
    period: str | None = Field(description="The period the value is for (inside the plan year)")
    complete: bool | None = None
    value: float | None = None
    year_ago_value: float | None = None
    change: float | None = Field(None, description=(
        "value − year_ago_value as the report writes them (at the indicator's precision; "
        "shares to a tenth of a point): the change the verdict is judged on"))
    moved: Moved | None = None
    target_status: TargetStatus | None = None
    verdict: Verdict
    reason: str
    reason_sv: str


class SeriesLine(BaseModel):
    """Points of one area for the chart (HTML only)."""

    area: str
    area_name: str
    granularity: str
    points: list[tuple[str, float]]


class IndicatorResult(BaseModel):
    id: str
    title_sv: str
    title_en: str
    unit: str
    direction: Direction | None = Field(description="What the plan wants: rise or fall")
    tolerance: float
    target: dict[str, Any] | None
    verdict: Verdict
    areas_on_track: int
    areas_off_track: int
    areas: list[AreaResult]
    series: list[SeriesLine] = Field(default_factory=list, exclude=True)


class FyeResult(BaseModel):
    """Full-year equivalents as a share of the population 20–64 (the overarching measure)."""

    area: str
    area_name: str
    period: str | None
    share: float | None
    year_ago_share: float | None
    change_pp: float | None = Field(description="Change in percentage points")
    moved: Moved | None = Field(description="wanted = fell (the plan wants fewer FYE)")
    complete: bool | None = Field(None, description=(
        "Every month of the period in, from every agency (and for the region every member); "
        "false: the share so far, with no year-ago share and no change (not comparable)"))
    months_reported: int | None = Field(None, description="Months of the period fully in")
    months: int | None = Field(None, description="Months in the period")


class Progress(BaseModel):
    """How far the initiative has come."""

    phase: Phase
    status: str
    status_sv: str
    status_en: str
    current_state: str | None
    current_state_date: date | None
    current_state_outdated: bool = Field(
        description="The current-state text is older than the plan year: it needs updating")
    milestones_done: int
    milestones_total: int
    reason_not_started: str | None = Field(
        None, description="For initiatives not started: what the current-state text says")


class InitiativeResult(BaseModel):
    plan_year: int
    number: int
    title: str
    area: str
    convener: str
    convener_name: str
    parties: list[str]
    parties_text: str | None
    difficulty: str | None
    duration: str | None
    impact: int | None = Field(description="Estimated effect on FYE, 1–5; null = not assessed")
    progress: Progress
    verdict: Verdict
    indicators_on_track: int
    indicators_off_track: int
    indicators_no_data: int
    indicators_not_judged: int
    indicators: list[IndicatorResult]
    fye: list[FyeResult]
    worth: Worth | None = Field(None, description="The measured change in people and public "
                                                  "cost, with the assumptions behind it")


class SummaryRow(BaseModel):
    key: str
    label_sv: str
    label_en: str
    initiatives: int = 0
    not_started: int = 0
    started: int = 0
    completed: int = 0
    on_track: int = 0
    off_track: int = 0
    no_data: int = 0
    not_judged: int = 0


class Summary(BaseModel):
    total: SummaryRow
    by_area: list[SummaryRow]


class PlanReport(BaseModel):
    plan_year: int
    association: str = Field("Samordningsförbundet Umeåregionen",
                             description="The name of the association whose plan it is")
    plan_status: str
    decided_at: date | None
    generated_at: datetime
    summary: Summary
    fye: list[FyeResult] = Field(description="FYE share of the association's area")
    initiatives: list[InitiativeResult]
    source_errors: list[str] = Field(
        description="Why some indicator values could not be read (empty when all went well)")


class BankEntry(BaseModel):
    plan_year: int
    number: int
    title: str
    verdict: Verdict
    indicators_on_track: int
    indicators_off_track: int
    impact: int | None
    fye_change_pp: float | None
    # The page's: the change of the FYE share as the report writes the two shares (a share,
    # not points), so the bank says what the initiative's section of the report says.
    fye_change_shown: float | None = Field(None, exclude=True)
    people: float | None = Field(None, description="Measured change in people (worth)")
    annual_sek: float | None = Field(None, description="Its public cost per year (worth)")


class BankGroup(BaseModel):
    key: str
    label_sv: str
    label_en: str
    worked: list[BankEntry] = Field(description="Moved their indicators the wanted way")
    did_not_work: list[BankEntry] = Field(description="Did not")
    not_measured: list[BankEntry] = Field(description="No data or nothing to judge by")


class BankDimension(BaseModel):
    dimension: Literal["area", "feasibility", "parties"]
    label_sv: str
    label_en: str
    groups: list[BankGroup]


class ExperienceBank(BaseModel):
    plan_years: list[int]
    generated_at: datetime
    dimensions: list[BankDimension]
    source_errors: list[str]
