"""The plan's titles of indicators, kept from the registry topic (schemas/registry-event.v1).

Indicator values name their indicator by id only; the registry carries its Swedish and
English titles. A definition's highest version wins, and a deleted indicator keeps its title
(its earlier values are still shown)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.indicators.api.models import IndicatorTitle


def record(*, session: Session, events: Iterable[Mapping[str, Any]]) -> int:
    """Keep the titles of ``indicator.upserted`` events; returns how many changed."""
    newest: dict[str, tuple[int, str, str]] = {}
    for event in events:
        definition = event.get("indicator")
        if event.get("type") != "indicator.upserted" or not isinstance(definition, Mapping):
            continue
        version = int(event.get("version") or 1)
        sv = str(definition.get("title_sv") or definition["id"])
        en = str(definition.get("title_en") or sv)
        if version >= newest.get(definition["id"], (0, "", ""))[0]:
            newest[definition["id"]] = (version, sv, en)
    if not newest:
        return 0
    stored = {t.indicator: t for t in session.scalars(
        select(IndicatorTitle).where(IndicatorTitle.indicator.in_(list(newest))))}
    changed = 0
    for indicator, (version, sv, en) in newest.items():
        row = stored.get(indicator)
        if row is None:
            session.add(IndicatorTitle(indicator=indicator, version=version, title_sv=sv,
                                       title_en=en))
        elif version >= row.version and (row.title_sv, row.title_en) != (sv, en):
            row.version, row.title_sv, row.title_en = version, sv, en
        else:
            continue
        changed += 1
    session.flush()
    return changed


def titles(*, session: Session, indicators: Iterable[str]) -> dict[str, dict[str, str]]:
    """indicator -> {"sv": title, "en": title}, for those the registry has named."""
    wanted = list(indicators)
    return {t.indicator: {"sv": t.title_sv, "en": t.title_en} for t in session.scalars(
        select(IndicatorTitle).where(IndicatorTitle.indicator.in_(wanted)))}
