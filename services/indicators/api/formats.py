"""FYE tables in the formats analysts and statistics systems open: SDMX-CSV 2.0, JSON-stat 2.0,
XLSX (openpyxl) and CSV for Swedish Excel. Pure: FyeRead values in, bytes or text out.

Every format is written from the same long rows (:func:`fye_rows`): per area and period the
FYE in total, per benefit, per sex and per benefit x sex; the population 20-64 in total and per
sex; the share in total and per sex. A *partial period* (a year with 8 of 12 months in) is
marked in each format (SDMX: ``OBS_STATUS=P`` and ``MONTHS_REPORTED``; JSON-stat: status ``P``
and the months in ``extension``; XLSX and Swedish CSV: a "Delperiod" column), never written as
if it were comparable with a whole period.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from samstat_kit.contracts import Catalogue
from samstat_kit.sdmx import CodeMap, load_codemap
from services.indicators.api.schemas import FyeRead

TOTAL = "_T"
MEASURE_UNITS = {"FYE": "FYE", "POP_20_64": "PERSONS", "FYE_SHARE": "SHARE"}


@dataclass(frozen=True)
class Obs:
    area: str
    period: str
    measure: str  # FYE | POP_20_64 | FYE_SHARE
    benefit: str  # samstat code or _T
    sex: str      # samstat code (K, M) or _T
    value: float | None
    source: str
    months_reported: int | None
    months: int | None

    @property
    def partial(self) -> bool:
        return self.months_reported is not None and self.months is not None and \
            self.months_reported < self.months


def fye_rows(series: Iterable[FyeRead]) -> list[Obs]:
    out: list[Obs] = []
    for f in series:
        def obs(measure: str, benefit: str, sex: str, value: float | None,
                f: FyeRead = f) -> None:
            out.append(Obs(f.area, f.period, measure, benefit, sex, value, f.source,
                           f.months_reported, f.months))

        obs("FYE", TOTAL, TOTAL, f.fye)
        for b, v in sorted(f.by_benefit.items()):
            obs("FYE", b, TOTAL, v)
        for s, v in sorted(f.by_sex.items()):
            obs("FYE", TOTAL, s, v)
        for b, row in sorted(f.by_benefit_sex.items()):
            for s, v in sorted(row.items()):
                obs("FYE", b, s, v)
        obs("POP_20_64", TOTAL, TOTAL, f.population)
        for s, v in sorted(f.population_by_sex.items()):
            obs("POP_20_64", TOTAL, s, v)
        obs("FYE_SHARE", TOTAL, TOTAL, f.share)
        for s, ratio in sorted(f.share_by_sex.items()):
            obs("FYE_SHARE", TOTAL, s, ratio)
    return out


def num(value: float | int | None) -> str:
    if value is None:
        return ""
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


# ------------------------------------------------------------------------ SDMX-CSV 2.0

SDMX2_HEADER = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA", "MEASURE",
                "BENEFIT", "SEX", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS",
                "CONF_STATUS", "SOURCE", "MONTHS_REPORTED", "MONTHS")


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def fye_sdmx_csv2(rows: Iterable[Obs], codemap: CodeMap | None = None) -> str:
    """SDMX-CSV 2.0 of the FYE dataflow (``SAMSTAT:FYE(1.0)``, structure at
    ``/v1/sdmx/structure``): periods and sex in SDMX codes via the code map."""
    cm = codemap or load_codemap()
    flow = f"{cm.agency_id}:FYE({cm.dataflow_version})"

    def line(o: Obs) -> list[str]:
        freq, period = cm.period_to_sdmx(o.period)
        return ["dataflow", flow, "I", freq, o.area, o.measure,
                cm.code_to_sdmx("benefit", o.benefit), cm.code_to_sdmx("sex", o.sex), period,
                num(o.value), MEASURE_UNITS[o.measure], "P" if o.partial else "A", "F",
                o.source, num(o.months_reported), num(o.months)]

    return _csv(SDMX2_HEADER, (line(o) for o in rows))


def indicator_sdmx_csv2(indicator: str, rows: Iterable[Any],
                        codemap: CodeMap | None = None) -> str:
    """SDMX-CSV 2.0 of an indicator's values (the INDICATOR dataflow's structure)."""
    cm = codemap or load_codemap()
    flow = f"{cm.agency_id}:INDICATOR({cm.dataflow_version})"
    header = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "INDICATOR", "FREQ", "REF_AREA",
              "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS")

    def line(r: Any) -> list[str]:
        freq, period = cm.period_to_sdmx(r.period)
        if getattr(r, "withdrawn", False):  # taken back since updated_after: a delete
            return ["dataflow", flow, "D", indicator, freq, r.area, period, "", "", "", ""]
        return ["dataflow", flow, "I", indicator, freq, r.area, period, num(r.value),
                r.unit.upper(), "A" if r.complete else "P", "F"]

    return _csv(header, (line(r) for r in rows))


# ------------------------------------------------------------------------ JSON-stat 2.0


def fye_jsonstat(rows: Sequence[Obs], catalogue: Catalogue, label: str) -> str:
    """A JSON-stat 2.0 dataset with dimensions area, period, measure, benefit, sex (dense,
    missing cells null); partial periods carry status ``P`` and their months in
    ``extension.months_reported``."""
    dims: dict[str, list[str]] = {"area": [], "period": [], "measure": [], "benefit": [],
                                  "sex": []}
    for o in rows:
        for d in dims:
            code = getattr(o, d)
            if code not in dims[d]:
                dims[d].append(code)
    index = {d: {c: i for i, c in enumerate(codes)} for d, codes in dims.items()}
    sizes = [len(c) for c in dims.values()]
    size = 1
    for n in sizes:
        size *= n
    values: list[float | None] = [None] * size
    status: dict[str, str] = {}
    months: dict[str, dict[str, Any]] = {}
    for o in rows:
        pos = 0
        for d, n in zip(dims, sizes, strict=True):
            pos = pos * n + index[d][getattr(o, d)]
        values[pos] = o.value
        if o.partial:
            status[str(pos)] = "P"
            months[f"{o.area}|{o.period}"] = {"months_reported": o.months_reported,
                                             "months": o.months}
    labels = {"area": {c: (catalogue.areas[c].name if c in catalogue.areas else c)
                       for c in dims["area"]}}
    doc = {
        "version": "2.0", "class": "dataset", "label": label, "source": "samstat",
        "id": list(dims), "size": sizes,
        "role": {"geo": ["area"], "time": ["period"], "metric": ["measure"]},
        "dimension": {d: {"label": d, "category": {
            "index": index[d], "label": labels.get(d, {c: c for c in codes})}}
            for d, codes in dims.items()},
        "value": values, "status": status,
        "extension": {"partial_periods": months,
                      "sources": sorted({f"{o.area}|{o.period}|{o.source}" for o in rows})},
    }
    return json.dumps(doc, ensure_ascii=False)
