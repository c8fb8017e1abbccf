"""Writes the SCB sample files in ``samples/scb/`` (a developer tool, not run by the tests).

The *structure* of each file follows SCB's published table metadata; the *numbers* are
synthetic but plausible, except the national 2021 anchors that SCB published (population
20-64 5 903 486, full-year equivalents 784 018, share 13.3 %) and the national shares of
seed 004 / domain.md (2015 14.8 %, 2019 12.7 %, 2020 13.5 %).

* ``TAB638`` (PxWeb API v2 id of BefolkningNy, matrix ``BE0101N1``, "Folkmängd efter region,
  civilstånd, ålder och kön. År 1968-"): variables ``Region`` (``00`` Riket, ``24``
  Västerbottens län, four-digit municipalities), ``Alder`` (single years; the sample holds
  19-65 so that the importer must leave 19 and 65 out), ``Kon`` (``1`` män, ``2`` kvinnor),
  ``ContentsCode`` (``BE0101N1`` Folkmängd), ``Tid`` (``2014`` ...). ``Civilstand`` is
  eliminated in the query (PxWeb then sums it), as a user of the API would do.
* ``TAB1386`` (PxWeb API v2 id of matrix ``HE0000T02N2``, v1 path
  ``START/HE/HE0112/HE0000T02N2``: "Antal helårsekvivalenter som försörjs med sociala ersättningar
  och bidrag efter region, kön, åldersgrupp och tabellinnehåll. Månad 2014M01-"): variables
  ``Region``, ``Kon`` (``1``, ``2``, ``1+2`` totalt), ``Aldersgrupp`` (``20-64`` and ``20-65``:
  the importer keeps 20-64), ``ContentsCode`` (nine contents: one per benefit system,
  "Summa helårsekvivalenter", "Folkmängd" and "Andel av befolkningen"), ``Tid`` (months,
  ``2014M01``). Each month's figure is the people that month's benefits could support for a
  whole year; a year is the day-weighted mean of its months (domain.md: monthly figures add up
  to the year), and the national 2021 months average 784 018.

  SCB's *labels* of the contents are quoted from scripts that query the live table (SCB's own
  spelling "Sjuk- och aktivitetsersersättning" included). Its content *codes* have the form
  ``0000018G``; which code carries which label could not be looked up offline, so the sample's
  codes are placeholders (``HE0000T02N2_C1``...) and the mapping matches the contents by label.

Run ``python -m samstat.importers.samples.generate_scb`` to rewrite the files.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "scb"
YEARS = list(range(2014, 2025))
REGIONS = {"00": "Riket", "24": "Västerbottens län", "2401": "Nordmaling", "2403": "Bjurholm",
           "2404": "Vindeln", "2409": "Robertsfors", "2460": "Vännäs", "2480": "Umeå"}
# population 20-64 in 2021, yearly growth, FYE share per year (2014..2024)
POP_2021 = {"00": 5_903_486, "24": 152_310, "2401": 3_512, "2403": 1_104, "2404": 2_598,
            "2409": 3_391, "2460": 4_655, "2480": 73_240}
GROWTH = {"00": 0.006, "24": 0.004, "2401": -0.006, "2403": -0.008, "2404": -0.005,
          "2409": -0.002, "2460": 0.003, "2480": 0.011}
NATION_SHARE = [0.152, 0.148, 0.143, 0.137, 0.131, 0.127, 0.135, 0.133, 0.124, 0.122, 0.124]
LEVEL = {"00": 1.0, "24": 0.94, "2401": 1.12, "2403": 1.05, "2404": 1.06, "2409": 0.98,
         "2460": 0.88, "2480": 0.78}
BENEFITS = {"HE0000T02N2_C1": ("Sjukpenning", 0.22),
            "HE0000T02N2_C2": ("Sjuk- och aktivitetsersersättning", 0.30),
            "HE0000T02N2_C3": ("Arbetslöshetsersättning", 0.20),
            "HE0000T02N2_C4": ("Arbetsmarknadsåtgärder", 0.14),
            "HE0000T02N2_C5": ("Ekonomiskt bistånd", 0.10),
            "HE0000T02N2_C6": ("Etableringsersättning", 0.04)}
FYE_TOTAL = ("HE0000T02N2_C7", "Summa helårsekvivalenter")
POPULATION = ("HE0000T02N2_C8", "Folkmängd")
SHARE = ("HE0000T02N2_C9", "Andel av befolkningen")
AGE_GROUPS = {"20-64": "20-64 år", "20-65": "20-65 år"}
# the months' deviation from the year (more sick leave in winter, programmes out of summer)
SEASON = [0.03, 0.035, 0.02, 0.0, -0.01, -0.02, -0.045, -0.04, 0.0, 0.01, 0.015, 0.005]
AGES = [str(a) for a in range(19, 66)]
SEXES = {"1": ("män", 0.51), "2": ("kvinnor", 0.49)}


def split(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
            :total - sum(out)]:
        out[i] += 1
    return out


def population() -> dict[tuple[str, str, str, str], int]:
    """(region, age, sex, year) -> persons; 20-64 adds up to POP_2021 in 2021 exactly."""
    out = {}
    for region, base in POP_2021.items():
        for year in YEARS:
            total = round(base * (1 + GROWTH[region]) ** (year - 2021))
            ages = [1.0 + 0.004 * (i - 22) ** 2 / 10 for i in range(45)]  # 20..64
            for age, n in zip(range(20, 65), split(total, ages), strict=True):
                for sex, v in zip(SEXES, split(n, [w for _, w in SEXES.values()]),
                                  strict=True):
                    out[(region, str(age), sex, str(year))] = v
            for edge in ("19", "65"):
                for sex in SEXES:
                    out[(region, edge, sex, str(year))] = total // 90
    return out


def yearly_fye(pop: dict[tuple[str, str, str, str], int]) -> dict[tuple[str, int], int]:
    """(region, year) -> full-year equivalents 20-64 over the year (riket 2021: 784 018)."""
    out = {}
    for region in REGIONS:
        for i, year in enumerate(YEARS):
            people = sum(v for (r, a, _s, y), v in pop.items()
                         if r == region and y == str(year) and 20 <= int(a) <= 64)
            out[(region, year)] = 784_018 if (region, year) == ("00", 2021) else \
                round(people * NATION_SHARE[i] * LEVEL[region])
    return out


def months(year: int, total: int) -> list[int]:
    """A year's monthly figures, seasonal, whose day-weighted mean is ``total`` (the last
    month absorbs the rounding)."""
    days = [calendar.monthrange(year, m)[1] for m in range(1, 13)]
    scale = sum(days) / sum(d * (1 + s) for d, s in zip(days, SEASON, strict=True))
    out = [round(total * (1 + s) * scale) for s in SEASON[:11]]
    rest = total * sum(days) - sum(v * d for v, d in zip(out, days[:11], strict=True))
    return [*out, round(rest / days[11])]


def fye(pop: dict[tuple[str, str, str, str], int]) -> dict[tuple[str, ...], float]:
    """(region, sex, age group, content, month) -> value: full-year equivalents by benefit
    and their sum (sexes add up to ``1+2``), the population and the share in per cent."""
    out: dict[tuple[str, ...], float] = {}
    weights = [w * sexw for _, w in BENEFITS.values() for sexw in (0.45, 0.55)]
    for (region, year), total in yearly_fye(pop).items():
        people = sum(v for (r, a, _s, y), v in pop.items()
                     if r == region and y == str(year) and 20 <= int(a) <= 64)
        for month, value in enumerate(months(year, total), start=1):
            tid = f"{year}M{month:02d}"
            for group, lift in (("20-64", 1.0), ("20-65", 1.03)):
                cells = iter(split(round(value * lift), weights))
                for content in BENEFITS:
                    for sex in SEXES:
                        out[(region, sex, group, content, tid)] = next(cells)
                for sex in [*SEXES, "1+2"]:
                    sexes = SEXES if sex == "1+2" else [sex]
                    for content in BENEFITS:
                        if sex == "1+2":
                            out[(region, sex, group, content, tid)] = sum(
                                out[(region, s, group, content, tid)] for s in SEXES)
                    fyes = sum(out[(region, s, group, c, tid)] for s in sexes for c in BENEFITS)
                    persons = round(people * lift * (0.5 if sex != "1+2" else 1.0))
                    out[(region, sex, group, FYE_TOTAL[0], tid)] = fyes
                    out[(region, sex, group, POPULATION[0], tid)] = persons
                    out[(region, sex, group, SHARE[0], tid)] = round(100 * fyes / persons, 1)
    return out


def jsonstat(label: str, dims: list[tuple[str, str, dict[str, str]]],
             values: Mapping[Any, float], roles: dict[str, list[str]],
             source: str, updated: str) -> dict:
    """A JSON-stat 2.0 dataset as PxWeb API v2 returns it (row-major, last id fastest)."""
    ids = [d[0] for d in dims]
    flat: list[float | None] = []

    def walk(prefix: tuple[str, ...], rest: list[tuple[str, str, dict[str, str]]]) -> None:
        if not rest:
            flat.append(values.get(prefix))
            return
        for code in rest[0][2]:
            walk((*prefix, code), rest[1:])

    walk((), dims)
    return {
        "version": "2.0", "class": "dataset", "label": label, "source": source,
        "updated": updated, "id": ids, "size": [len(d[2]) for d in dims],
        "dimension": {i: {"label": lab, "category": {
            "index": {c: n for n, c in enumerate(cats)}, "label": cats}}
            for i, lab, cats in dims},
        "role": roles, "value": flat,
    }


def px(matrix: str, contents: str, stub: list[tuple[str, str, dict[str, str]]],
       heading: tuple[str, str, dict[str, str]], values: Mapping[Any, float],
       order: Sequence[str], subject: tuple[str, str] = ("BE", "Befolkning")) -> str:
    """A PX file (AXIS-VERSION 2013, UTF-8): stub variables down, the heading across."""
    def q(items: Sequence[str]) -> str:
        return ",".join(f'"{i}"' for i in items)

    variables = [*stub, heading]
    lines = ['CHARSET="ANSI";', 'AXIS-VERSION="2013";', 'CODEPAGE="utf-8";',
             'LANGUAGE="sv";', 'CREATION-DATE="20250321 08:00";', f'MATRIX="{matrix}";',
             f'SUBJECT-CODE="{subject[0]}";', f'SUBJECT-AREA="{subject[1]}";', 'DECIMALS=0;',
             f'TITLE="{contents} efter {", ".join(v[1] for v in stub)} och {heading[1]}";',
             f'CONTENTS="{contents}";', 'UNITS="antal";', f"STUB={q([v[1] for v in stub])};",
             f'HEADING="{heading[1]}";']
    for _code, label, cats in variables:
        lines.append(f'VALUES("{label}")={q(list(cats.values()))};')
    for _code, label, cats in variables:
        lines.append(f'CODES("{label}")={q(list(cats))};')
    for code, label, _cats in variables:
        lines.append(f'VARIABLE-CODE("{label}")="{code}";')
    lines.append('SOURCE="Statistiska centralbyrån (SCB)";')
    rows = []

    def walk(prefix: dict[str, str], rest: list[tuple[str, str, dict[str, str]]]) -> None:
        if not rest:
            cells = []
            for h in heading[2]:
                key = {**prefix, heading[0]: h}
                v = values.get(tuple(key[o] for o in order))
                cells.append('".."' if v is None else str(v))
            rows.append(" ".join(cells))
            return
        for c in rest[0][2]:
            walk({**prefix, rest[0][0]: c}, rest[1:])

    walk({}, list(stub))
    return "\n".join(lines) + "\nDATA=\n" + "\n".join(rows) + ";\n"


def main() -> None:
    pop = population()
    regions = dict(REGIONS)
    ages = {a: f"{a} år" for a in AGES}
    sexes = {s: lab for s, (lab, _) in SEXES.items()}
    years = {str(y): str(y) for y in YEARS}
    pop_dims = [("Region", "region", regions), ("Alder", "ålder", ages), ("Kon", "kön", sexes),
                ("ContentsCode", "tabellinnehåll", {"BE0101N1": "Folkmängd"}),
                ("Tid", "år", years)]
    pop_values = {(r, a, s, "BE0101N1", y): v for (r, a, s, y), v in pop.items()}
    doc = jsonstat("Folkmängd efter region, ålder, kön, tabellinnehåll och år", pop_dims,
                   pop_values, {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
                   "Statistiska centralbyrån, SCB", "2025-02-21T07:00:00Z")
    (HERE / "TAB638.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", "utf-8")
    (HERE / "TAB638.px").write_text(px(
        "BE0101N1", "Folkmängd", pop_dims[:3], pop_dims[4],
        {(r, a, s, y): v for (r, a, s, _c, y), v in pop_values.items()},
        ["Region", "Alder", "Kon", "Tid"]), "utf-8")
    f = fye(pop)
    contents = {c: lab for c, (lab, _) in BENEFITS.items()} | dict([FYE_TOTAL, POPULATION, SHARE])
    tid = {f"{y}M{m:02d}": f"{y}M{m:02d}" for y in YEARS for m in range(1, 13)}
    fye_dims = [("Region", "region", regions), ("Kon", "kön", sexes | {"1+2": "totalt"}),
                ("Aldersgrupp", "åldersgrupp", AGE_GROUPS),
                ("ContentsCode", "tabellinnehåll", contents), ("Tid", "månad", tid)]
    doc = jsonstat("Antal helårsekvivalenter som försörjs med sociala ersättningar och bidrag "
                   "efter region, kön, åldersgrupp, tabellinnehåll och månad", fye_dims, f,
                   {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
                   "Statistiska centralbyrån, SCB", "2025-03-20T07:00:00Z")
    doc["extension"] = {"px": {"tableid": "TAB1386", "matrix": "HE0000T02N2"}}
    (HERE / "TAB1386.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", "utf-8")
    (HERE / "TAB1386.px").write_text(px(
        "HE0000T02N2", "Antal helårsekvivalenter", fye_dims[:4], fye_dims[4], f,
        ["Region", "Kon", "Aldersgrupp", "ContentsCode", "Tid"],
        ("HE", "Hushållens ekonomi")), "utf-8")


if __name__ == "__main__":
    main()
