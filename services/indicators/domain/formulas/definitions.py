"""The indicator definitions the worker knows, kept from the registry topic. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from samstat_kit.contracts import Catalogue
from services.indicators.domain.formulas.evaluate import measures_of

# Served by the FYE tables (services/indicators/domain/fye), not by registry formulas.
FYE_KINDS = {"fye_share"}


class Definitions:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.by_id: dict[str, dict[str, Any]] = {}

    def apply_event(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply a registry event; returns the definition when it changed and needs computing."""
        if event.get("type") == "indicator.deleted":
            self.by_id.pop(str(event.get("id")), None)
            return None
        definition = event.get("indicator")
        if event.get("type") != "indicator.upserted" or not isinstance(definition, dict):
            return None
        if definition["formula"].get("kind") in FYE_KINDS:
            return None
        if self.by_id.get(definition["id"]) == definition:
            return None  # the periodic snapshot: nothing new
        self.by_id[definition["id"]] = definition
        return definition

    def using(self, measure: str) -> Iterable[dict[str, Any]]:
        return [d for d in self.by_id.values() if measure in measures_of(d["formula"])]

    def computes(self, definition: Mapping[str, Any], area: str) -> bool:
        areas = definition.get("areas") or []
        return not areas or area in areas

    def aggregates_for(self, municipality: str, measure: str) -> set[str]:
        """Aggregate areas (region, county, nation) that need this municipality's cells."""
        out = set()
        for d in self.using(measure):
            for area in d.get("areas") or []:
                info = self.catalogue.areas.get(area)
                if info and info.level != "municipality" and \
                        municipality in self.catalogue.municipalities_in(area):
                    out.add(area)
        return out
