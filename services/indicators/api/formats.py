"""FYE tables in the formats analysts and statistics systems open: SDMX-CSV 2.0, JSON-stat 2.0,
XLSX (openpyxl) and CSV for Swedish Excel. Pure: FyeRead values in, bytes or text out.

Every format is written from the same long rows (:func:`fye_rows`): per area and period the
FYE in total, per benefit, per sex and per benefit x sex; the population 20-64 in total and per
sex; the share in total and per sex. A *partial period* (a year with 8 of 12 months in) is
marked in each format (SDMX: ``OBS_STATUS=P`` and ``MONTHS_REPORTED``; JSON-stat: status ``P``
and the months in ``extension``; XLSX and Swedish CSV: a "Delperiod" column), never written as
if it were comparable with a whole period. So is a sum over *some* of an area's municipalities
(6 of 290 have reported): SDMX ``OBS_STATUS=P`` with ``MUNICIPALITIES_REPORTED`` and
``MUNICIPALITIES``, JSON-stat status ``P`` and ``extension.partial_areas``, as the CSVs'
columns of the same names and the spreadsheets' "6 av 290 kommuner" say. A figure taken back
since ``updated_after`` (``FyeRead.withdrawn``) keeps its keys and loses its values: SDMX-CSV
2.0 ``ACTION=D``, JSON-stat null cells named in ``extension.withdrawn``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
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
    withdrawn: bool = False  # of a figure taken back (updated_after): no value, a delete
    municipalities_reported: int | None = None  # of the area's municipalities, in the sum
    municipalities: int | None = None  # the area's municipalities

    @property
    def partial(self) -> bool:
        """Fewer months in than the period has."""
        return not self.withdrawn and self.months_reported is not None and \
            self.months is not None and self.months_reported < self.months

    @property
    def short(self) -> bool:
        """A sum over fewer municipalities than the area has."""
        return not self.withdrawn and self.municipalities_reported is not None and \
            self.municipalities is not None and self.municipalities_reported < self.municipalities

    @property
    def provisional(self) -> bool:
        """Not comparable with a whole figure: a partial period, or a partial area."""
        return self.partial or self.short


def fye_rows(series: Iterable[FyeRead]) -> list[Obs]:
    out: list[Obs] = []
    for f in series:
        # SCB's official figure covers the whole area, whoever reported to samstat.
        counted = f.source == "computed" and not f.withdrawn
        cover = (len(f.municipalities), f.members) if counted else (None, None)
        out += [Obs(f.area, f.period, measure, benefit, sex, None if f.withdrawn else value,
                    f.source, f.months_reported, f.months, f.withdrawn, *cover)
                for measure, benefit, sex, value in _figures(f)]
    return out


def _figures(f: FyeRead) -> Iterator[tuple[str, str, str, float | None]]:
    """(measure, benefit, sex, value) of every figure of one area and period."""
    yield "FYE", TOTAL, TOTAL, f.fye
    for b, v in sorted(f.by_benefit.items()):
        yield "FYE", b, TOTAL, v
    for s, v in sorted(f.by_sex.items()):
        yield "FYE", TOTAL, s, v
    for b, row in sorted(f.by_benefit_sex.items()):
        for s, v in sorted(row.items()):
            yield "FYE", b, s, v
    yield "POP_20_64", TOTAL, TOTAL, f.population
    for s, v in sorted(f.population_by_sex.items()):
        yield "POP_20_64", TOTAL, s, v
    yield "FYE_SHARE", TOTAL, TOTAL, f.share
    for s, ratio in sorted(f.share_by_sex.items()):
        yield "FYE_SHARE", TOTAL, s, ratio


def status(value: float | int | None, provisional: bool) -> str:
    """OBS_STATUS: M (missing) where there is no value (an empty OBS_VALUE said A, "normal
    value"), else P for a partial period or missing inputs, else A."""
    return "M" if value is None else "P" if provisional else "A"


def num(value: float | int | None) -> str:
    if value is None:
        return ""
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


# ------------------------------------------------------------------------ SDMX-CSV 2.0

SDMX2_HEADER = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA", "MEASURE",
                "BENEFIT", "SEX", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS",
                "CONF_STATUS", "SOURCE", "MONTHS_REPORTED", "MONTHS",
                "MUNICIPALITIES_REPORTED", "MUNICIPALITIES")


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
        key = [freq, o.area, o.measure, cm.code_to_sdmx("benefit", o.benefit),
               cm.code_to_sdmx("sex", o.sex), period]
        if o.withdrawn:  # taken back since updated_after: a delete, as for an indicator
            return ["dataflow", flow, "D", *key] + [""] * (len(SDMX2_HEADER) - 3 - len(key))
        return ["dataflow", flow, "I", *key, num(o.value), MEASURE_UNITS[o.measure],
                status(o.value, o.provisional), "F", o.source,
                num(o.months_reported), num(o.months), num(o.municipalities_reported),
                num(o.municipalities)]

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
                r.unit.upper(), status(r.value, not r.complete), "F"]

    return _csv(header, (line(r) for r in rows))


# ------------------------------------------------------------------------ JSON-stat 2.0


def _cube(rows: Sequence[Obs], index: dict[str, dict[str, int]], sizes: list[int]
          ) -> tuple[list[float | None], dict[str, str], dict[str, Any], dict[str, Any]]:
    """The dense values, the status of each partial one, and per area|period the months and
    the municipalities of a partial figure."""
    size = 1
    for n in sizes:
        size *= n
    values: list[float | None] = [None] * size
    status: dict[str, str] = {}
    months: dict[str, dict[str, Any]] = {}
    areas: dict[str, dict[str, Any]] = {}
    for o in rows:
        pos = 0
        for d, n in zip(index, sizes, strict=True):
            pos = pos * n + index[d][getattr(o, d)]
        values[pos] = o.value
        if o.provisional:
            status[str(pos)] = "P"
        if o.partial:
            months[f"{o.area}|{o.period}"] = {"months_reported": o.months_reported,
                                             "months": o.months}
        if o.short:
            areas[f"{o.area}|{o.period}"] = {
                "municipalities_reported": o.municipalities_reported,
                "municipalities": o.municipalities}
    return values, status, months, areas


def fye_jsonstat(rows: Sequence[Obs], catalogue: Catalogue, label: str) -> str:
    """A JSON-stat 2.0 dataset with dimensions area, period, measure, benefit, sex (dense,
    missing cells null); partial periods carry status ``P`` and their months in
    ``extension.partial_periods``, sums over some of an area's municipalities status ``P``
    and their counts in ``extension.partial_areas``."""
    dims: dict[str, list[str]] = {"area": [], "period": [], "measure": [], "benefit": [],
                                  "sex": []}
    for o in rows:
        for d in dims:
            code = getattr(o, d)
            if code not in dims[d]:
                dims[d].append(code)
    index = {d: {c: i for i, c in enumerate(codes)} for d, codes in dims.items()}
    sizes = [len(c) for c in dims.values()]
    values, status, months, areas = _cube(rows, index, sizes)
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
        "extension": {"partial_periods": months, "partial_areas": areas,
                      "sources": sorted({f"{o.area}|{o.period}|{o.source}" for o in rows}),
                      # a cube has no delete: the figures taken back (updated_after), null
                      "withdrawn": sorted({f"{o.area}|{o.period}" for o in rows
                                           if o.withdrawn})},
    }
    return json.dumps(doc, ensure_ascii=False)
