"""samstat <-> SDMX names, codes and periods, as declared in ``schemas/sdmx/codemap.json``.

Pure (reads one JSON file once), no framework: ``samstat publish`` and ingest's upload read
SDMX-CSV with it, the indicators' exports write SDMX with it. A code the map does not list is
written the same in both vocabularies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from samstat_kit import contracts

# TIME_PERIOD as SDMX writes it (and what agencies' tools also write): 2024, 2024-A1, 2024-S1,
# 2024-H1, 2024-Q3, 2024-M10, 2024-10.
_SDMX_PERIOD = re.compile(  # ASCII digits only, as samstat's own periods (periods.py)
    r"(?P<y>\d{4})(?:-?(?:(?P<a>A1?)|[SH](?P<s>[12])|Q(?P<q>[1-4])|M?(?P<m>0[1-9]|1[0-2])))?",
    re.ASCII)
# DATAFLOW / STRUCTURE_ID: [AGENCY:]ID[(VERSION)]
_FLOW = re.compile(r"(?:(?P<agency>[A-Za-z0-9_.@$\-]+):)?(?P<id>[A-Za-z][A-Za-z0-9_]*)"
                   r"(?:\((?P<version>[^)]*)\))?")


@dataclass(frozen=True)
class Concept:
    """One samstat dimension (or attribute) in SDMX: its concept id and translated codes."""

    name: str
    concept: str
    to_sdmx: Mapping[str, str]
    from_sdmx: Mapping[str, str]


@dataclass(frozen=True)
class CodeMap:
    agency_id: str
    dataflow_version: str
    fields: Mapping[str, str]          # samstat field -> SDMX column
    dimensions: Mapping[str, Concept]  # samstat dimension -> concept
    periods: Mapping[str, Mapping[str, Any]]
    actions: Mapping[str, str]         # ACTION code -> merge | replace | delete

    # ------------------------------------------------------------------ names

    def concept(self, dimension: str) -> str:
        """The SDMX concept id of a samstat dimension (upper-cased name if not declared)."""
        spec = self.dimensions.get(dimension)
        return spec.concept if spec else dimension.upper()

    def dimension(self, concept: str) -> str:
        """The samstat dimension of an SDMX concept id (lower-cased id if not declared)."""
        for spec in self.dimensions.values():
            if spec.concept == concept.upper():
                return spec.name
        return concept.lower()

    def field(self, column: str) -> str | None:
        """The observation field an SDMX-CSV column carries, or None (a dimension or other)."""
        for name, col in self.fields.items():
            if col == column.upper():
                return name
        return None

    # ------------------------------------------------------------------ codes

    def code_to_sdmx(self, dimension: str, code: str) -> str:
        spec = self.dimensions.get(dimension)
        return spec.to_sdmx.get(code, code) if spec else code

    def code_from_sdmx(self, dimension: str, code: str) -> str:
        spec = self.dimensions.get(dimension)
        return spec.from_sdmx.get(code, code) if spec else code

    # ---------------------------------------------------------------- periods

    def period_to_sdmx(self, code: str) -> tuple[str, str]:
        """(FREQ, TIME_PERIOD) of a samstat period code; ValueError for a bad code."""
        from samstat_kit import periods

        p = periods.parse(code)
        rule = self.periods[p.granularity]
        n = (p.first_month - 1) // p.n_months + 1
        return str(rule["freq"]), str(rule["sdmx"]).format(year=p.year, n=n)

    def period_from_sdmx(self, text: str) -> str:
        """samstat's period code for an SDMX TIME_PERIOD; an unknown shape passes unchanged
        (the period check then names it)."""
        m = _SDMX_PERIOD.fullmatch(text.strip())
        if not m:
            return text.strip()
        year = int(m["y"])
        for granularity, n in (("month", m["m"]), ("quarter", m["q"]), ("half", m["s"])):
            if n is not None:
                return str(self.periods[granularity]["samstat"]).format(year=year, n=int(n))
        return str(self.periods["year"]["samstat"]).format(year=year, n=1)

    # --------------------------------------------------------------- dataflows

    def dataflow(self, measure: str) -> str:
        """``SAMSTAT:ECON_ASSISTANCE_RECIPIENTS(1.0)`` for a measure code."""
        return f"{self.agency_id}:{measure.upper()}({self.dataflow_version})"

    @staticmethod
    def measure_of(flow: str) -> str | None:
        """The measure code named by a DATAFLOW or STRUCTURE_ID cell, or None."""
        m = _FLOW.fullmatch(flow.strip())
        return m["id"].lower() if m else None

    def action(self, code: str) -> str | None:
        """merge | replace | delete for an ACTION cell (empty = merge); None if unknown."""
        return self.actions.get(code.strip().upper() or "I")


def _concept(name: str, raw: Mapping[str, Any]) -> Concept:
    codes = dict(raw.get("codes", {}))
    return Concept(name=name, concept=raw["concept"], to_sdmx=codes,
                   from_sdmx={v: k for k, v in codes.items()})


def parse_codemap(raw: Mapping[str, Any]) -> CodeMap:
    actions = {k: v for k, v in raw["actions"].items() if k != "description"}
    periods = {k: v for k, v in raw["periods"].items() if k != "description"}
    return CodeMap(
        agency_id=raw["agency_id"], dataflow_version=raw["dataflow"]["version"],
        fields=dict(raw["fields"]),
        dimensions={k: _concept(k, v) for k, v in raw["dimensions"].items()},
        periods=periods, actions=actions)


@cache
def load_codemap() -> CodeMap:
    """``schemas/sdmx/codemap.json`` (below ``SAMSTAT_SCHEMAS_DIR`` when set), cached."""
    with (contracts.SCHEMAS_DIR / "sdmx" / "codemap.json").open(encoding="utf-8") as fh:
        return parse_codemap(json.load(fh))
