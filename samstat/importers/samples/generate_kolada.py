"""Writes ``samples/kolada/kolada_v3.json`` (a developer tool, not run by the tests): a Kolada
API v3 data answer in its published shape (``values`` per KPI, municipality and year, each with
``values`` per gender K/M/T with ``count``, ``status`` and ``value``) for KPIs N01951
(invånare totalt) and U31004 (modellberäknad nettokostnad ekonomiskt bistånd, kr/inv; total
only). Numbers are synthetic but plausible. ``python -m samstat.importers.samples.generate_kolada``.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).parent / "kolada" / "kolada_v3.json"
INHABITANTS = {"0000": 10_452_326, "0024": 274_563, "2480": 130_997, "2460": 8_804,
               "2404": 5_355, "2409": 6_707, "2401": 7_031, "2403": 2_394}
COST = {"0000": 1_520.0, "0024": 1_105.5, "2480": 1_230.4, "2460": 890.2, "2404": 760.8,
        "2409": 820.1, "2401": 905.6, "2403": 650.3}


def main() -> None:
    values = []
    for year in range(2019, 2024):
        for area, people in INHABITANTS.items():
            total = round(people * (1 + 0.006 * (year - 2023)))
            women = round(total * 0.493)
            values.append({"kpi": "N01951", "municipality": area, "period": year, "values": [
                {"gender": "K", "count": 1, "status": "", "value": women, "isdeleted": False},
                {"gender": "M", "count": 1, "status": "", "value": total - women,
                 "isdeleted": False},
                {"gender": "T", "count": 1, "status": "", "value": total,
                 "isdeleted": False}]})
            values.append({"kpi": "U31004", "municipality": area, "period": year, "values": [
                {"gender": "T", "count": 1, "status": "",
                 "value": round(COST[area] * (1 + 0.02 * (year - 2023)), 1),
                 "isdeleted": False}]})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"count": len(values), "next_page": None,
                               "previous_page": None, "values": values},
                              ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
