from __future__ import annotations

from pydantic import BaseModel


class FyeRead(BaseModel):
    """FYE for an area and period (contract in the platform issue), plus coverage."""

    area: str
    period: str
    fye: float
    population: float | None
    share: float | None
    by_benefit: dict[str, float]
    by_sex: dict[str, float]
    municipalities: list[str]
    complete: bool


class SeriesPoint(BaseModel):
    period: str
    value: float | None
    year_ago_value: float | None
    complete: bool


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


class ComparisonRead(BaseModel):
    period: str
    rows: list[ComparisonRow]
