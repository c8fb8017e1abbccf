"""What the follow-up reads from the registry, copied out of the session into plain frozen
dataclasses, so the HTTP work that follows holds no database connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.initiatives.registry import service
from services.initiatives.registry.models import Indicator, Initiative

FYE_SHARE = "fye_share"
MEMBER_AREAS = ("2480", "2460", "2404", "2409", "2401", "2403")


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    title_sv: str
    title_en: str
    unit: str
    formula_kind: str
    target: dict[str, Any] | None
    rules: tuple[dict[str, Any], ...]
    areas: tuple[str, ...]
    baseline: dict[str, Any] | None = None

    @property
    def is_milestone(self) -> bool:
        return self.formula_kind == "milestone"


@dataclass(frozen=True)
class InitiativeDef:
    plan_year: int
    number: int
    title: str
    area: str
    parties: tuple[str, ...]
    parties_text: str | None
    convener: str
    convener_unit: str | None
    follow_up_owner: str | None
    difficulty: str | None
    duration: str | None
    status: str
    impact: int | None
    goals: tuple[str, ...]
    current_state: str | None
    current_state_date: date | None
    assessment: str | None
    board_comment: str | None
    indicators: tuple[IndicatorDef, ...]


@dataclass(frozen=True)
class PlanDef:
    year: int
    status: str
    decided_at: date | None
    initiatives: tuple[InitiativeDef, ...]
    fye: IndicatorDef
    association: str | None = None  # agency code; None: the registry's own association


def _indicator(ind: Indicator) -> IndicatorDef:
    return IndicatorDef(
        code=ind.code, title_sv=ind.title_sv, title_en=ind.title_en, unit=ind.unit,
        formula_kind=str((ind.formula or {}).get("kind", "")),
        target=dict(ind.target) if ind.target else None,
        rules=tuple(dict(r) for r in ind.rules or ()), areas=tuple(ind.areas or ()),
        baseline=dict(ind.baseline) if ind.baseline else None,
    )


def _initiative(ini: Initiative) -> InitiativeDef:
    return InitiativeDef(
        plan_year=ini.plan_year, number=ini.number, title=ini.title, area=ini.area,
        parties=tuple(ini.parties or ()), parties_text=ini.parties_text, convener=ini.convener,
        convener_unit=ini.convener_unit, follow_up_owner=ini.follow_up_owner,
        difficulty=ini.difficulty, duration=ini.duration, status=ini.status, impact=ini.impact,
        goals=tuple(ini.goals or ()), current_state=ini.current_state,
        current_state_date=ini.current_state_date, assessment=ini.assessment,
        board_comment=ini.board_comment,
        indicators=tuple(_indicator(i) for i in ini.indicators),
    )


DEFAULT_FYE = IndicatorDef(
    code=FYE_SHARE, title_sv="Helårsekvivalenter, andel av befolkningen 20–64",
    title_en="FYE share of population 20–64", unit="share", formula_kind="fye_share",
    target=None, rules=({"kind": "yoy_rise", "tolerance": 0.005},), areas=MEMBER_AREAS,
)


def load_plan(session: Session, year: int) -> PlanDef:
    """The plan of ``year`` with its initiatives and its ``fye_share`` definition
    (NotFound if there is no such plan)."""
    plans = {p.year: p for p in service.list_plans(session=session)}
    initiatives = service.list_initiatives(session=session, year=year)  # NotFound first
    plan = plans[year]
    fye = next((i for i in service.list_indicators(session=session, year=year)
                if i.code == FYE_SHARE and i.initiative_pk is None), None)
    return PlanDef(year=year, status=plan.status, decided_at=plan.decided_at,
                   initiatives=tuple(_initiative(i) for i in initiatives),
                   fye=_indicator(fye) if fye is not None else DEFAULT_FYE,
                   association=plan.association)


def decided_years(session: Session) -> list[int]:
    """Plan years the board has decided: the experience bank learns from plans carried out,
    not from drafts."""
    return [p.year for p in service.list_plans(session=session) if p.status == "decided"]


def plan_years(session: Session) -> list[tuple[int, str]]:
    return [(p.year, p.status) for p in service.list_plans(session=session)]
