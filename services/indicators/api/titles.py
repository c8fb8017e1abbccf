"""The plan's titles of indicators, kept from the registry topic (schemas/registry-event.v1).

Indicator values name their indicator by id only; the registry carries its Swedish and
English titles, the plan year and initiative it belongs to and the way the plan wants it to
go (the pages say it in words, and group the list by initiative). The last event of an
indicator in topic order wins, as for every registry consumer: the topic has one partition,
and a definition's ``version`` starts again at 1 when next year's plan (or a re-created
indicator) defines it anew. A deleted indicator keeps its title (its earlier values are still
shown). An event that cannot be read is skipped with a warning, so it never holds back the
indicator values read in the same batch."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from samstat_kit.db import insert_for
from services.indicators.api.models import IndicatorTitle

log = logging.getLogger(__name__)
MAX_TITLE = 300  # the column's length


@dataclass(frozen=True)
class Meaning:
    """How to read an indicator: its plan year and initiative number (None: overarching),
    and the way the plan wants it to go ("rise"/"fall", None when the plan says none)."""

    plan_year: int | None = None
    initiative: int | None = None
    direction: str | None = None


def direction(definition: Mapping[str, Any]) -> str | None:
    """The way the plan wants the indicator to go, read as the follow-up report reads it
    (initiatives' report/judge.py ``want``): the alert rule's direction (``yoy_rise`` warns of
    a rise: it must fall), else the target's, else a relative-to-baseline or staged target's
    (a review: Timrå's plan sets its directions only there)."""
    rules = definition.get("rules")
    listed = [r for r in (rules if isinstance(rules, list) else []) if isinstance(r, Mapping)]
    for rule in listed:
        if rule.get("kind") == "yoy_wrong_direction" and rule.get("direction") in ("rise",
                                                                                   "fall"):
            return str(rule["direction"])
        if rule.get("kind") == "yoy_rise":
            return "fall"
    target = definition.get("target")
    if isinstance(target, Mapping) and target.get("value") is not None \
            and target.get("direction") in ("rise", "fall"):
        return str(target["direction"])
    for kind in ("relative_to_baseline", "staged_target"):
        for rule in listed:
            if rule.get("kind") == kind:
                way = rule.get("direction", "rise")
                return str(way) if way in ("rise", "fall") else None
    return None


def _int(value: Any) -> int | None:
    """A whole number the Integer column holds on PostgreSQL too, else None (one event's odd
    number must not roll back the batch's titles)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31
    return value if ok else None


def _title(event: Any) -> dict[str, Any] | None:
    """The row of an ``indicator.upserted`` event, else None."""
    if not isinstance(event, Mapping) or event.get("type") != "indicator.upserted":
        return None
    definition = event.get("indicator")
    if not isinstance(definition, Mapping):
        log.warning("registry event without a definition: skipped")
        return None
    ident = definition.get("id")
    if not isinstance(ident, str) or not ident:
        log.warning("registry event without an indicator id: skipped")
        return None
    try:
        version = int(event.get("version") or 1)
    except (TypeError, ValueError):
        version = 0
    sv = str(definition.get("title_sv") or ident)[:MAX_TITLE]
    en = str(definition.get("title_en") or sv)[:MAX_TITLE]
    return {"indicator": ident[:64], "version": version, "title_sv": sv, "title_en": en,
            "plan_year": _int(event.get("plan_year")),
            "initiative": _int(definition.get("initiative")),
            "direction": direction(definition)}


KEPT = ("version", "title_sv", "title_en", "plan_year", "initiative", "direction")


def record(*, session: Session, events: Iterable[Any]) -> int:
    """Keep the titles of ``indicator.upserted`` events, in order; returns how many changed."""
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        found = _title(event)
        if found is not None:
            last[found["indicator"]] = found
    if not last:
        return 0
    # One statement, no read before it: two consumers seeing the same new event at once
    # (a rebalance) both found no row and both inserted; the loser's whole batch rolled back.
    # In key order, so batches sharing indicators lock them in one order. "Distinct", not
    # "!=": a null (no initiative) compared with "!=" is never different, and never updated.
    ins = insert_for(session, IndicatorTitle)
    stmt = ins.on_conflict_do_update(
        index_elements=[IndicatorTitle.indicator],
        set_={k: getattr(ins.excluded, k) for k in KEPT},
        where=or_(*(getattr(IndicatorTitle, k).is_distinct_from(getattr(ins.excluded, k))
                    for k in KEPT)),
    ).returning(IndicatorTitle.indicator)
    changed = 0
    for indicator in sorted(last):
        changed += len(session.execute(stmt, last[indicator]).all())
    return changed


def meanings(*, session: Session, indicators: Iterable[str]) -> dict[str, Meaning]:
    """indicator -> its :class:`Meaning`, for those the registry has defined."""
    wanted = list(indicators)
    return {t.indicator: Meaning(t.plan_year, t.initiative,
                                 t.direction if t.direction in ("rise", "fall") else None)
            for t in session.scalars(select(IndicatorTitle).where(
                IndicatorTitle.indicator.in_(wanted)))}


def titles(*, session: Session, indicators: Iterable[str]) -> dict[str, dict[str, str]]:
    """indicator -> {"sv": title, "en": title}, for those the registry has named."""
    wanted = list(indicators)
    return {t.indicator: {"sv": t.title_sv, "en": t.title_en} for t in session.scalars(
        select(IndicatorTitle).where(IndicatorTitle.indicator.in_(wanted)))}
