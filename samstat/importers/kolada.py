"""``samstat import kolada``: Kolada's (RKA's) municipal KPIs from a Kolada API v3 answer.

The answer (``GET https://api.kolada.se/v3/data/kpi/{ids}/...``) is JSON: ``values`` holds one
entry per KPI, municipality (``0000`` riket, ``0024`` a county, four-digit municipalities) and
year, each with ``values`` per gender (``K``, ``M``, ``T``). It is flattened into a long table
and mapped per KPI by ``mappings/kolada/<KPI>.json`` onto the catalogue's measure
``kolada_<kpi>`` (the measure code names the source), then published with the code of
``samstat publish``. Kolada has no agency of its own in samstat's codelist yet, so the
association's analysts publish it (``--agency``, default ``samordningsforbundet``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from samstat.agency_files import PublishError
from samstat.importers.common import fatal, publish_docs
from samstat.importers.mapping import MappingError, apply, shipped

AGENCY = "samordningsforbundet"


def read_kolada(text: str) -> pd.DataFrame:
    """A Kolada v3 data answer as a long table: kpi, municipality, period, gender, value."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise MappingError(f"not JSON: {exc}") from None
    entries = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise MappingError("not a Kolada data answer: no 'values' list")
    rows: list[dict[str, Any]] = []
    for n, e in enumerate(entries, start=1):
        try:
            for v in e["values"]:
                rows.append({"kpi": str(e["kpi"]), "municipality": str(e["municipality"]),
                             "period": str(e["period"]), "gender": str(v.get("gender", "T")),
                             "value": v.get("value")})
        except (KeyError, TypeError, AttributeError):
            raise MappingError(f"Kolada entry {n}: needs kpi, municipality, period and "
                               "values") from None
    return pd.DataFrame(rows, columns=["kpi", "municipality", "period", "gender", "value"])


def observations(path: Path) -> list[dict[str, Any]]:
    frame = read_kolada(path.read_text("utf-8-sig"))
    known = shipped("kolada")
    missing = sorted(set(frame["kpi"]) - set(known))
    if missing:
        raise MappingError(f"no mapping for KPI {', '.join(missing)}; shipped: "
                           f"{', '.join(sorted(known))}")
    out: list[dict[str, Any]] = []
    for kpi in sorted(set(frame["kpi"])):
        out += apply(known[kpi], frame[frame["kpi"] == kpi])
    return out


def main(path: Path, *, agency: str = AGENCY, json_output: bool = False,
         **options: Any) -> int:
    """Run ``samstat import kolada`` (exit codes as ``samstat publish``)."""
    try:
        docs = observations(path)
    except (MappingError, PublishError, OSError) as exc:
        return fatal(str(exc), json_output)
    if not docs:
        return fatal("the file gave no observations", json_output)
    return publish_docs(docs, name=path.stem, agency=agency, json_output=json_output,
                        **options)
