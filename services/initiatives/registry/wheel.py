"""The annual wheel (årshjul) that produces a plan.

The plan for year Y is prepared during Y − 1: the analysis group analyses the figures in the
spring, the board and the strategic collaboration group (SSG) prioritise at a May/June workshop,
a planning day in September/October drafts the plan, and the board decides it by 30 November.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Step:
    kind: str
    title_sv: str
    title_en: str
    starts_on: date | None
    due_on: date


def default_wheel(plan_year: int) -> list[Step]:
    y = plan_year - 1
    return [
        Step("spring_analysis", "Analysgruppens analys (våren)",
             "Analysis group's spring analysis", date(y, 2, 1), date(y, 4, 30)),
        Step("workshop", "Workshop med styrelsen och strategiska samverkansgruppen (maj/juni)",
             "Workshop with the board and the SSG (May/June)", date(y, 5, 1), date(y, 6, 30)),
        Step("planning_day", "Planeringsdag (september/oktober)",
             "Planning day (September/October)", date(y, 9, 1), date(y, 10, 31)),
        Step("board_decision", "Styrelsen beslutar verksamhetsplan och budget",
             "Board decides the plan and budget", None, date(y, 11, 30)),
    ]
