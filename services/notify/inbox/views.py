"""What the alert page shows, read in one transaction: the alert, its words, its chart, its
history, whether it is muted and why, and whom it can be given to. Everything a person reads
is named here (titles, periods, people), never a code or an address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.periods import parse
from samstat_kit.present import charts
from samstat_kit.present import formatting as fmt
from services.notify import names
from services.notify.alerts.models import Alert, AlertEvent, Definition
from services.notify.delivery.service import facts_of, trend
from services.notify.delivery.texts import agency_name, area_name, rule_name
from services.notify.explain import Explanation, explain, rule_of
from services.notify.inbox import quiet
from services.notify.inbox import service as inbox
from services.notify.inbox.provenance import Provenance
from services.notify.inbox.texts import ALERT
from services.notify.initiative_names import named, title_in

CHART_PERIODS = 12


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    comment: str | None


@dataclass(frozen=True)
class Quality:
    """A data-quality alert: the measure and the breakdown whose total and parts it compares."""

    measure: str
    dimension: str
    others: dict[str, str]
    gap: bool  # samstat's FYE against SCB's, not a total against its parts


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    title: str
    unit: str | None
    area_name: str
    period: str
    convener_name: str
    owner_name: str
    rule_name: str
    explanation: Explanation
    chart: Markup | None  # None: a done/not-done measure, shown as ``done_by_period``
    done_by_period: list[tuple[str, str]]
    history: list[HistoryLine]
    muted_until: datetime | None
    inhibitor: Alert | None
    inhibitor_rule: str
    colleagues: list[inbox.Colleague]
    assignee_name: str
    formula: Any
    quality: Quality | None
    may_act: bool
    escalates: bool = True  # false when the convener is the association (escalation agency)
    initiative_label: str = ""  # "2 – Medicinska underlag …" (initiative_names.py)


def _points(session: Session, alert: Alert, quality: Quality | None
            ) -> list[tuple[str, float | None]]:
    """The values to plot, oldest first: the indicator's, or a data-quality alert's
    reported totals (its own alerts of the area, same kind of period: notify keeps no
    other series of a measure). Only the convener's own: its id names its agency, but an
    alert stored before it did may have been another agency's figures."""
    if quality is None:
        return list(trend(session=session, alert=alert, n=CHART_PERIODS))
    p = parse(alert.period)
    same = [a for a in session.scalars(select(Alert).where(
        Alert.indicator == alert.indicator, Alert.area == alert.area, Alert.rule == alert.rule,
        Alert.convener == alert.convener))
        if parse(a.period).n_months == p.n_months and parse(a.period) <= p]
    same.sort(key=lambda a: parse(a.period))
    return [(a.period, a.value) for a in same[-CHART_PERIODS:]]


def chart_of(points: list[tuple[str, float | None]], alert: Alert, title: str,
             unit: str | None, lang: str, quality: Quality | None) -> Markup:
    words = ALERT[lang]
    refs = []
    if alert.expected is not None and alert.rule not in ("yoy_rise", "yoy_wrong_direction"):
        label = words["own_line" if quality and quality.gap else "parts_sum" if quality
                      else "limit"] + " " + \
            fmt.value(alert.expected, unit, lang)
        refs.append(charts.Reference(alert.expected, label))
    name = words["chart_title"].format(title=title, area=area_name(alert.area),
                                       period=fmt.period(alert.period, lang))
    # Periods as readers say them ("maj 2024"), not as codes ("2024-05").
    shown = [(fmt.period(code, lang), value) for code, value in points]
    return charts.line_chart(shown, title=name, marked=fmt.period(alert.period, lang),
                             unit=unit, lang=lang, references=refs)


def _who(actor: str, people: dict[str, str], lang: str) -> str:
    if actor in ("rules", "sweep"):
        return "samstat"
    if actor.startswith("token:"):
        return agency_name(actor[len("token:"):])
    if actor.startswith("link:"):  # acknowledged by a mailed link, no sign-in
        target = actor[len("link:"):]
        return people.get(target, target)
    if actor == "link":
        return ALERT[lang]["by_link"]
    return people.get(actor, actor)


def history_lines(events: list[AlertEvent], people: dict[str, str],
                  lang: str) -> list[HistoryLine]:
    words = ALERT[lang]
    out = []
    for e in events:
        what, comment = words.get("t_" + e.transition, e.transition), e.comment
        if e.transition == "snoozed":
            until, comment = inbox.snoozed_date(e)
            if until is not None:
                what = words["t_snoozed_until"].format(date=fmt.date(until, lang))
        elif e.transition == "assigned":
            to, comment = inbox.assigned_to(e)
            if to == "":
                what = words["t_unassigned"]
            elif to is not None:
                what = words["t_assigned_to"].format(name=people.get(to, to))
        out.append(HistoryLine(e.at, _who(e.actor, people, lang), what, comment))
    return out


def quality_of(alert: Alert) -> Quality | None:
    parts = names.quality_parts(alert.indicator)
    if parts is None:
        return None
    return Quality(parts.measure, parts.dimension, parts.others,
                   parts.dimension == names.GAP_DIMENSION)


def evidence_formula(quality: Quality) -> dict[str, Any]:
    """The cells a data-quality alert compares, as a formula's filter (provenance.py): the
    measure with the breakdown's other dimensions fixed; for the FYE gap SCB's total."""
    dims = {"benefit": "_T", "sex": "_T"} if quality.gap else dict(quality.others)
    return {"filters": {"measure": quality.measure, "dimensions": dims}}


def alert_view(*, session: Session, alert: Alert, lang: str, now: datetime,
               may_act: bool, association: str | None = None,
               after_days: float | None = None) -> AlertView:
    """``association`` is the escalation agency: its own alerts are escalated nowhere;
    ``after_days`` when the others are (settings ``escalate_after_days``)."""
    escalates = alert.convener != association
    definition = session.get(Definition, alert.indicator)
    body = definition.body if definition is not None else None
    f = facts_of(session, alert, body)
    title = inbox.title_of(body, alert.indicator, lang)
    quality = quality_of(alert)
    points = _points(session, alert, quality)
    done = f.unit == "done"
    open_ = alert.status != "resolved"
    inhibitor = quiet.inhibitor(session=session, alert=alert) if open_ else None
    people = inbox.display_names(session=session)
    return AlertView(
        alert=alert, title=title, unit=f.unit, area_name=area_name(alert.area),
        period=fmt.period(alert.period, lang), convener_name=agency_name(alert.convener),
        owner_name=agency_name(alert.follow_up_owner) if alert.follow_up_owner else "",
        rule_name=rule_name(alert.rule, lang),
        explanation=explain(f, rule=rule_of(body, alert.rule),
                            target=(body or {}).get("target"), lang=lang,
                            escalates=escalates, after_days=after_days),
        chart=None if done else chart_of(points, alert, title, f.unit, lang, quality),
        done_by_period=[(fmt.period(p, lang), fmt.value(v, "done", lang)) for p, v in points]
        if done else [],
        history=history_lines(inbox.history(session=session, alert_id=alert.id), people,
                              lang),
        muted_until=quiet.convener_muted_until(session=session, convener=alert.convener,
                                               now=now) if open_ else None,
        inhibitor=inhibitor,
        inhibitor_rule=rule_name(inhibitor.rule, lang) if inhibitor is not None else "",
        colleagues=inbox.colleagues(session=session, agency=alert.convener) if may_act else [],
        assignee_name=people.get(alert.assignee, alert.assignee) if alert.assignee else "",
        formula=evidence_formula(quality) if quality else (body or {}).get("formula"),
        quality=quality, may_act=may_act, escalates=escalates,
        initiative_label=named(alert.initiative, title_in(body))
        if alert.initiative is not None else "",
    )


@dataclass(frozen=True)
class EvidenceRow:
    agency: str
    measure: str
    period: str
    breakdown: str
    value: float | None
    protected: bool
    revision: int
    received: str
    total: bool  # the breakdown's total (a data-quality alert's evidence)
    unit: str = ""


def evidence(provenance: Provenance, quality: Quality | None, convener: str, lang: str
             ) -> tuple[list[EvidenceRow], float | None]:
    """The input cells in words, the total first; and for a data-quality alert the sum of
    the parts the cells show (None when there is none to add up). A total and its parts
    are one agency's figures: the convener's."""
    dim = quality.dimension if quality and not quality.gap else None
    cells = [c for c in provenance.cells if dim is None or c.agency == convener]
    rows = [EvidenceRow(
        agency=agency_name(c.agency), measure=names.measure_title(c.measure, lang),
        period=fmt.period(c.period, lang), breakdown=names.breakdown(c.dimensions, lang),
        value=c.value, protected=c.protected, revision=c.revision,
        received=_day(c.received_at, lang),
        total=dim is not None and c.dimensions.get(dim) == names.TOTAL, unit=c.unit)
        for c in cells]
    rows.sort(key=lambda r: not r.total)  # stable: ingest's order otherwise
    parts = [r.value for r in rows if dim is not None and not r.total]
    summed = sum(v for v in parts if v is not None) if parts and None not in parts else None
    return rows, summed


def _day(iso: str, lang: str) -> str:
    try:
        return fmt.date(datetime.fromisoformat(iso.replace("Z", "+00:00")), lang)
    except ValueError:
        return iso[:10]
