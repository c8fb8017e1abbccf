"""What the alert page shows, read in one transaction: the alert, its words, its chart, its
history, whether it is muted and why, and whom it can be given to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from samstat_kit.present import charts
from samstat_kit.present import formatting as fmt
from services.notify.alerts.models import Alert, AlertEvent, Definition
from services.notify.delivery.service import facts_of, trend
from services.notify.delivery.texts import agency_name, area_name, rule_name
from services.notify.explain import Explanation, explain, rule_of
from services.notify.inbox import quiet
from services.notify.inbox import service as inbox
from services.notify.inbox.texts import ALERT

CHART_PERIODS = 12


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    title: str
    unit: str | None
    area_name: str
    convener_name: str
    owner_name: str
    rule_name: str
    explanation: Explanation
    chart: Markup
    history: list[AlertEvent]
    muted_until: datetime | None
    inhibitor: Alert | None
    inhibitor_rule: str
    colleagues: list[inbox.Colleague]
    formula: Any
    may_act: bool


def chart_of(session: Session, alert: Alert, title: str, unit: str | None,
             lang: str) -> Markup:
    points = trend(session=session, alert=alert, n=CHART_PERIODS)
    refs = []
    if alert.expected is not None and alert.rule not in ("yoy_rise", "yoy_wrong_direction"):
        label = ("gräns " if lang == "sv" else "limit ") + fmt.value(alert.expected, unit, lang)
        refs.append(charts.Reference(alert.expected, label))
    words = ALERT[lang]
    name = words["chart_title"].format(title=title, area=area_name(alert.area),
                                       period=alert.period)
    return charts.line_chart(points, title=name, marked=alert.period, unit=unit, lang=lang,
                             references=refs)


def alert_view(*, session: Session, alert: Alert, lang: str, now: datetime,
               may_act: bool) -> AlertView:
    definition = session.get(Definition, alert.indicator)
    body = definition.body if definition is not None else None
    f = facts_of(session, alert, body)
    title = inbox.title_of(body, alert.indicator, lang)
    inhibitor = quiet.inhibitor(session=session, alert=alert) \
        if alert.status != "resolved" else None
    return AlertView(
        alert=alert, title=title, unit=f.unit, area_name=area_name(alert.area),
        convener_name=agency_name(alert.convener),
        owner_name=agency_name(alert.follow_up_owner) if alert.follow_up_owner else "",
        rule_name=rule_name(alert.rule, lang),
        explanation=explain(f, rule=rule_of(body, alert.rule),
                            target=(body or {}).get("target"), lang=lang),
        chart=chart_of(session, alert, title, f.unit, lang),
        history=inbox.history(session=session, alert_id=alert.id),
        muted_until=quiet.convener_muted_until(session=session, convener=alert.convener,
                                               now=now) if alert.status != "resolved"
        else None,
        inhibitor=inhibitor,
        inhibitor_rule=rule_name(inhibitor.rule, lang) if inhibitor is not None else "",
        colleagues=inbox.colleagues(session=session, agency=alert.convener) if may_act else [],
        formula=(body or {}).get("formula"), may_act=may_act,
    )
