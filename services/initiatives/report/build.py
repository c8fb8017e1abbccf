"""Builds the follow-up report of a plan year and the experience bank.

The annual follow-up (seed 004, "Uppföljning av föregående års samverkansinitiativ") must say
which initiatives are not started, started and how far they have come, judge how successful
each one is, and serve as an experience bank of which kinds of initiatives work. Here:

* **how far**: the status (not started / starting, ongoing, paused = started / completed), the
  dated current-state text (flagged when it is older than the plan year), and the milestone
  indicators that are done;
* **how successful**: each indicator's value for the plan year against its target and against
  the same period a year earlier, judged as :mod:`.judge` explains, per area and then by
  majority for the indicator and the initiative;
* **impact**: the analysis group's estimate (1–5, or not assessed) beside the measured change in
  the initiative's indicators and in the FYE share (``fye_share``) of its areas;
* **experience bank**: every decided plan year's initiatives, grouped by area, feasibility and
  the constellation of parties, split into those that moved their indicators the wanted way,
  those that did not, and those not yet measurable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from samstat_kit.contracts import load_catalogue
from samstat_kit.present import formatting
from services.initiatives.report import labels
from services.initiatives.report.client import IndicatorsClient
from services.initiatives.report.data import (
    MEMBER_AREAS,
    IndicatorDef,
    InitiativeDef,
    PlanDef,
)
from services.initiatives.report.fye import REGION, fye_rows, fye_scope
from services.initiatives.report.judge import (
    Verdict,
    as_shown,
    judge,
    judge_milestone,
    majority,
    places,
    want,
)
from services.initiatives.report.schemas import (
    AreaResult,
    BankDimension,
    BankEntry,
    BankGroup,
    ExperienceBank,
    IndicatorResult,
    InitiativeResult,
    PlanReport,
    Progress,
    SeriesLine,
    Summary,
    SummaryRow,
)
from services.initiatives.report.series import area_values
from services.initiatives.report.worth import Worth, worth

OWN_ASSOCIATION = "samordningsforbundet"


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------ indicator values


async def _indicator(client: IndicatorsClient, ind: IndicatorDef, year: int
                     ) -> IndicatorResult:
    w = want(ind.rules, ind.target, ind.baseline)
    results = await asyncio.gather(*(area_values(client, ind.code, a, year)
                                     for a in ind.areas))
    areas: list[AreaResult] = []
    series: list[SeriesLine] = []
    # Judged as the report writes the values, at the indicator's one precision (html.py's).
    at = places((p.value, p.year_ago_value) for p, _line in results
                if p is not None and p.value is not None)
    for area, (point, line) in zip(ind.areas, results, strict=True):
        shown = as_shown(point, ind.unit, at)
        j = judge_milestone(shown, w) if ind.unit == "done" else judge(shown, w)
        # the change as written beside the two values (exact, not their float difference)
        change = None if j.change is None or point is None else formatting.shown_change(
            point.value, point.year_ago_value, ind.unit, at)[0]
        areas.append(AreaResult(
            area=area, area_name=labels.area_name(area),
            period=point.period if point else None, complete=point.complete if point else None,
            value=point.value if point else None,
            # an incomplete period is not compared with a year earlier (judge.py)
            year_ago_value=point.year_ago_value if point and point.complete else None,
            change=change, moved=j.moved, target_status=j.target_status,
            verdict=j.verdict, reason=j.reason_en, reason_sv=j.reason_sv,
        ))
        if line is not None:
            series.append(line)
    verdicts = [a.verdict for a in areas]
    return IndicatorResult(
        id=ind.code, title_sv=ind.title_sv, title_en=ind.title_en, unit=ind.unit,
        direction=w.shown, tolerance=w.tolerance, target=ind.target,
        verdict=majority(verdicts), areas_on_track=verdicts.count("on_track"),
        areas_off_track=verdicts.count("off_track"), areas=areas, series=series,
    )


# --------------------------------------------------------------------------------- progress


def phase(status: str) -> str:
    if status == "not_started":
        return "not_started"
    return "completed" if status == "completed" else "started"


def _progress(ini: InitiativeDef, indicators: list[IndicatorResult]) -> Progress:
    milestones = [i for i, d in zip(indicators, ini.indicators, strict=True) if d.is_milestone]
    done = sum(1 for i in milestones if any(a.value is not None and a.value >= 1
                                            for a in i.areas))
    sv, en = labels.label(labels.STATUSES, ini.status)
    outdated = ini.current_state_date is None or ini.current_state_date < date(ini.plan_year,
                                                                               1, 1)
    reason = None
    if ini.status == "not_started":
        reason = (ini.current_state or "").strip() or None
    return Progress(
        phase=phase(ini.status),  # type: ignore[arg-type]
        status=ini.status, status_sv=sv, status_en=en, current_state=ini.current_state,
        current_state_date=ini.current_state_date, current_state_outdated=outdated,
        milestones_done=done, milestones_total=len(milestones), reason_not_started=reason,
    )


# ----------------------------------------------------------------------------------- report


async def _initiative(client: IndicatorsClient, plan: PlanDef, ini: InitiativeDef
                      ) -> InitiativeResult:
    indicators, fyes = await asyncio.gather(
        asyncio.gather(*(_indicator(client, d, plan.year) for d in ini.indicators)),
        fye_rows(client, plan.fye, plan.year, fye_scope(ini)),
    )
    inds = list(indicators)
    verdicts = [i.verdict for i in inds]
    return InitiativeResult(
        plan_year=plan.year, number=ini.number, title=ini.title, area=ini.area,
        convener=ini.convener,
        convener_name=labels.agency_name(ini.convener)
        + (f" ({ini.convener_unit})" if ini.convener_unit else ""),
        parties=list(ini.parties), parties_text=ini.parties_text, difficulty=ini.difficulty,
        duration=ini.duration, impact=ini.impact, progress=_progress(ini, inds),
        verdict=majority(verdicts), indicators_on_track=verdicts.count("on_track"),
        indicators_off_track=verdicts.count("off_track"),
        indicators_no_data=verdicts.count("no_data"),
        indicators_not_judged=verdicts.count("not_judged"),
        indicators=inds, fye=fyes, worth=_worth(inds),
    )


def _worth(inds: list[IndicatorResult]) -> Worth | None:
    """People and public cost of the change in the municipalities (not the region: its
    value is their sum, and would count them twice)."""
    def change(ind: IndicatorResult) -> float | None:
        moved = [a.change for a in ind.areas if a.change is not None and a.area.isdigit()]
        return sum(moved) if moved else None

    result = worth((i.id, i.direction, change(i)) for i in inds if i.unit == "persons")
    return result if result.lines or result.untranslated else None


def _count(row: SummaryRow, ini: InitiativeResult) -> None:
    row.initiatives += 1
    setattr(row, ini.progress.phase, getattr(row, ini.progress.phase) + 1)
    setattr(row, ini.verdict, getattr(row, ini.verdict) + 1)


def summarise(initiatives: Iterable[InitiativeResult]) -> Summary:
    total = SummaryRow(key="total", label_sv="Totalt", label_en="total")
    by_area = {k: SummaryRow(key=k, label_sv=sv, label_en=en)
               for k, (sv, en) in labels.AREAS.items()}
    for ini in initiatives:
        _count(total, ini)
        row = by_area.get(ini.area)
        if row is None:
            sv, en = labels.label(labels.AREAS, ini.area)
            row = by_area[ini.area] = SummaryRow(key=ini.area, label_sv=sv, label_en=en)
        _count(row, ini)
    return Summary(total=total, by_area=[r for r in by_area.values() if r.initiatives])


def association_name(code: str | None) -> str:
    """The association's name as the agencies' code list gives it (a plan that names none is
    the registry's own association's, ``samordningsforbundet``)."""
    agencies = load_catalogue().agencies
    agency = agencies.get(code or OWN_ASSOCIATION) or agencies[OWN_ASSOCIATION]
    return agency.name


async def build_report(plan: PlanDef, client: IndicatorsClient) -> PlanReport:
    initiatives, overall = await asyncio.gather(
        asyncio.gather(*(_initiative(client, plan, i) for i in plan.initiatives)),
        fye_rows(client, plan.fye, plan.year, MEMBER_AREAS),
    )
    return PlanReport(
        plan_year=plan.year, association=association_name(plan.association),
        plan_status=plan.status, decided_at=plan.decided_at, generated_at=_now(),
        summary=summarise(initiatives),
        fye=[r for r in overall if r.area == REGION] or overall,
        initiatives=list(initiatives), source_errors=list(client.errors),
    )


# -------------------------------------------------------------------------- experience bank


def _entry(ini: InitiativeResult) -> BankEntry:
    fye = ini.fye[0] if ini.fye else None
    shown = formatting.shown_change(fye.share, fye.year_ago_share, "share")[0] if fye else None
    return BankEntry(plan_year=ini.plan_year, number=ini.number, title=ini.title,
                     verdict=ini.verdict, indicators_on_track=ini.indicators_on_track,
                     indicators_off_track=ini.indicators_off_track, impact=ini.impact,
                     fye_change_pp=fye.change_pp if fye else None, fye_change_shown=shown,
                     people=ini.worth.people if ini.worth else None,
                     annual_sek=ini.worth.annual_sek if ini.worth else None)


def _parties_key(ini: InitiativeResult) -> str:
    kinds = sorted({labels.partner_kind(p) for p in ini.parties} or {ini.convener})
    return "+".join(kinds)


def _parties_label(key: str) -> tuple[str, str]:
    parts = [labels.PARTNER_KINDS.get(k, (labels.agency_name(k), k)) for k in key.split("+")]
    return " + ".join(p[0] for p in parts), " + ".join(p[1] for p in parts)


def _feasibility_key(ini: InitiativeResult) -> str:
    if ini.difficulty is None and ini.duration is None:
        return "not_assessed"
    return f"{ini.difficulty or 'unknown'}/{ini.duration or 'unknown'}"


def _feasibility_label(key: str) -> tuple[str, str]:
    if key == "not_assessed":
        return "Ej bedömd", "not assessed"
    difficulty, duration = key.split("/")
    d, t = labels.label(labels.DIFFICULTIES, difficulty), labels.label(labels.DURATIONS, duration)
    return f"{d[0].capitalize()} / {t[0]}", f"{d[1]}, {t[1]}"


def _area_label(key: str) -> tuple[str, str]:
    return labels.label(labels.AREAS, key)


_WORKED: dict[Verdict, str] = {"on_track": "worked", "off_track": "did_not_work",
                               "no_data": "not_measured", "not_judged": "not_measured"}


def _groups(initiatives: list[InitiativeResult], key: Callable[[InitiativeResult], str],
            label: Callable[[str], tuple[str, str]]) -> list[BankGroup]:
    groups: dict[str, BankGroup] = {}
    for ini in initiatives:
        k = key(ini)
        if k not in groups:
            sv, en = label(k)
            groups[k] = BankGroup(key=k, label_sv=sv, label_en=en, worked=[], did_not_work=[],
                                  not_measured=[])
        getattr(groups[k], _WORKED[ini.verdict]).append(_entry(ini))
    # Most evidence first: groups with the most measured initiatives lead.
    return sorted(groups.values(),
                  key=lambda g: (-(len(g.worked) + len(g.did_not_work)), g.label_sv))


def experience_bank(reports: list[PlanReport], errors: list[str]) -> ExperienceBank:
    initiatives = [i for r in reports for i in r.initiatives]
    area_order = list(labels.AREAS)
    by_area = sorted(_groups(initiatives, lambda i: i.area, _area_label),
                     key=lambda g: area_order.index(g.key) if g.key in area_order else 99)
    return ExperienceBank(
        plan_years=[r.plan_year for r in reports], generated_at=_now(),
        dimensions=[
            BankDimension(dimension="area", label_sv="Område", label_en="area",
                          groups=by_area),
            BankDimension(dimension="feasibility", label_sv="Genomförbarhet",
                          label_en="feasibility",
                          groups=_groups(initiatives, _feasibility_key, _feasibility_label)),
            BankDimension(dimension="parties", label_sv="Parter", label_en="parties",
                          groups=_groups(initiatives, _parties_key, _parties_label)),
        ],
        source_errors=errors,
    )
