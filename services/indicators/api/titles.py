"""The plan's titles of indicators, kept from the registry topic (schemas/registry-event.v1).

Indicator values name their indicator by id only; the registry carries its Swedish and
English titles. The last event of an indicator in topic order wins, as for every registry
consumer: the topic has one partition, and a definition's ``version`` starts again at 1 when
next year's plan (or a re-created indicator) defines it anew. A deleted indicator keeps its
title (its earlier values are still shown). An event that cannot be read is skipped with a
warning, so it never holds back the indicator values read in the same batch."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from samstat_kit.db import insert_for
from services.indicators.api.models import IndicatorTitle

log = logging.getLogger(__name__)
MAX_TITLE = 300  # the column's length


def _title(event: Any) -> tuple[str, int, str, str] | None:
    """(id, version, sv, en) of an ``indicator.upserted`` event, else None."""
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
    return ident[:64], version, sv, en


def record(*, session: Session, events: Iterable[Any]) -> int:
    """Keep the titles of ``indicator.upserted`` events, in order; returns how many changed."""
    last: dict[str, tuple[int, str, str]] = {}
    for event in events:
        found = _title(event)
        if found is not None:
            last[found[0]] = found[1:]
    if not last:
        return 0
    # One statement, no read before it: two consumers seeing the same new event at once
    # (a rebalance) both found no row and both inserted; the loser's whole batch rolled back.
    # In key order, so batches sharing indicators lock them in one order.
    ins = insert_for(session, IndicatorTitle)
    stmt = ins.on_conflict_do_update(
        index_elements=[IndicatorTitle.indicator],
        set_={"version": ins.excluded.version, "title_sv": ins.excluded.title_sv,
              "title_en": ins.excluded.title_en},
        where=tuple_(IndicatorTitle.version, IndicatorTitle.title_sv, IndicatorTitle.title_en)
        != tuple_(ins.excluded.version, ins.excluded.title_sv, ins.excluded.title_en),
    ).returning(IndicatorTitle.indicator)
    changed = 0
    for indicator in sorted(last):
        version, sv, en = last[indicator]
        changed += len(session.execute(stmt, {"indicator": indicator, "version": version,
                                              "title_sv": sv, "title_en": en}).all())
    return changed


def titles(*, session: Session, indicators: Iterable[str]) -> dict[str, dict[str, str]]:
    """indicator -> {"sv": title, "en": title}, for those the registry has named."""
    wanted = list(indicators)
    return {t.indicator: {"sv": t.title_sv, "en": t.title_en} for t in session.scalars(
        select(IndicatorTitle).where(IndicatorTitle.indicator.in_(wanted)))}
