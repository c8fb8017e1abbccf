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
* ``HE0000T01`` (Hushållens ekonomi, "Antal helårsekvivalenter som försörjs med sociala
  ersättningar och bidrag 20-64 år efter region och kön", yearly; HE0000T02 is SCB's monthly
  twin): variables ``ContentsCode`` (one content per benefit system, and the sum), ``Region``,
  ``Kon`` (``1``, ``2``, ``1+2`` totalt), ``Tid``. SCB's real content codes could not be looked
  up offline; the ``HE0000A1``... codes stand in for them and live only in the mapping file.

Run ``python -m samstat.importers.samples.generate_scb`` to rewrite the files.
"""

from __future__ import annotations

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
BENEFITS = {"HE0000A1": ("Sjukpenning", 0.22), "HE0000A2": ("Sjuk- och aktivitetsersättning", 0.30),
            "HE0000A3": ("Arbetslöshet", 0.20), "HE0000A4": ("Arbetsmarknadsåtgärder", 0.14),
            "HE0000A5": ("Ekonomiskt bistånd", 0.10), "HE0000A6": ("Etableringsersättning", 0.04)}
FYE_TOTAL = ("HE0000A7", "Summa helårsekvivalenter")
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


def fye(pop: dict[tuple[str, str, str, str], int]) -> dict[tuple[str, str, str, str], int]:
    """(content, region, sex, year) -> full-year equivalents, totals as sums of the parts."""
    out = {}
    for region in REGIONS:
        for i, year in enumerate(YEARS):
            people = sum(v for (r, a, _s, y), v in pop.items()
                         if r == region and y == str(year) and 20 <= int(a) <= 64)
            total = round(people * NATION_SHARE[i] * LEVEL[region])
            if region == "00" and year == 2021:
                total = 784_018
            weights = [w * sexw for _, w in BENEFITS.values() for sexw in (0.45, 0.55)]
            cells = iter(split(total, weights))
            for content in BENEFITS:
                for sex in SEXES:
                    out[(content, region, sex, str(year))] = next(cells)
            for content in [*BENEFITS, FYE_TOTAL[0]]:
                for sex in SEXES:
                    if content == FYE_TOTAL[0]:
                        out[(content, region, sex, str(year))] = sum(
                            out[(c, region, sex, str(year))] for c in BENEFITS)
                out[(content, region, "1+2", str(year))] = sum(
                    out[(content, region, s, str(year))] for s in SEXES)
    return out


def jsonstat(label: str, dims: list[tuple[str, str, dict[str, str]]],
             values: Mapping[Any, int], roles: dict[str, list[str]],
             source: str, updated: str) -> dict:
    """A JSON-stat 2.0 dataset as PxWeb API v2 returns it (row-major, last id fastest)."""
    ids = [d[0] for d in dims]
    flat: list[int | None] = []

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
       heading: tuple[str, str, dict[str, str]], values: Mapping[Any, int],
       order: Sequence[str]) -> str:
    """A PX file (AXIS-VERSION 2013, UTF-8): stub variables down, the heading across."""
    def q(items: Sequence[str]) -> str:
        return ",".join(f'"{i}"' for i in items)

    variables = [*stub, heading]
    lines = ['CHARSET="ANSI";', 'AXIS-VERSION="2013";', 'CODEPAGE="utf-8";',
             'LANGUAGE="sv";', 'CREATION-DATE="20250321 08:00";', f'MATRIX="{matrix}";',
             'SUBJECT-CODE="BE";', 'SUBJECT-AREA="Befolkning";', 'DECIMALS=0;',
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
    contents = {c: lab for c, (lab, _) in BENEFITS.items()} | {FYE_TOTAL[0]: FYE_TOTAL[1]}
    fye_dims = [("ContentsCode", "tabellinnehåll", contents), ("Region", "region", regions),
                ("Kon", "kön", sexes | {"1+2": "totalt"}), ("Tid", "år", years)]
    doc = jsonstat("Antal helårsekvivalenter som försörjs med sociala ersättningar och bidrag "
                   "20-64 år efter tabellinnehåll, region, kön och år", fye_dims, f,
                   {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
                   "Statistiska centralbyrån, SCB", "2025-03-20T07:00:00Z")
    (HERE / "HE0000T01.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", "utf-8")
    (HERE / "HE0000T01.px").write_text(px(
        "HE0000T01", "Antal helårsekvivalenter", fye_dims[:3], fye_dims[3], f,
        ["ContentsCode", "Region", "Kon", "Tid"]), "utf-8")


if __name__ == "__main__":
    main()
