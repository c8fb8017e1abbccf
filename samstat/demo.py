"""Simulated agencies: realistic monthly figures for the six Umeåregionen municipalities.

Försäkringskassan, Arbetsförmedlingen, the municipalities' social services and SCB publish
through ingest over HTTP, like real integrations. The history is backfilled first; then one
simulated month passes every ``interval`` seconds. Now and then a municipality's figures jump
(a visible deviation, so alerts appear), and now and then an agency corrects an earlier month
with a higher revision (so alerts resolve).
"""

from __future__ import annotations

import calendar
import logging
import random
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import httpx

from samstat_kit.settings import KitSettings

log = logging.getLogger("samstat.demo")

# Population 20–64 (approximate, 2023) of the member municipalities.
MUNICIPALITIES = {"2480": 76_000, "2460": 4_700, "2404": 2_600, "2409": 3_400,
                  "2401": 3_300, "2403": 1_150}
# Typical FYE per inhabitant 20–64 by benefit system; together about 11 %.
SHARES = {"sickness": 0.028, "sickness_activity_compensation": 0.038, "unemployment": 0.015,
          "labour_market_programme": 0.013, "economic_assistance": 0.010, "establishment": 0.003}
PUBLISHER = {"sickness": "forsakringskassan", "sickness_activity_compensation": "forsakringskassan",
             "unemployment": "arbetsformedlingen", "labour_market_programme": "arbetsformedlingen",
             "establishment": "arbetsformedlingen"}
SEX_SPLIT = {"K": 0.56, "M": 0.44}
FIRST_YEAR = 2022
# The history ends here; a planted deviation in its last month makes an alert appear at once.
BACKFILL_UNTIL = (2024, 2)
PLANTED = ("2404", 2024, 2, "sickness", 1.6)


def publisher(benefit: str, area: str) -> str:
    return PUBLISHER.get(benefit, f"kommun-{area}")


class Simulator:
    def __init__(self, seed: int = 2024) -> None:
        self.rng = random.Random(seed)
        self.revisions: dict[tuple[str, ...], int] = defaultdict(int)
        self.deviations: list[tuple[str, int, int, str]] = []

    def _obs(self, agency: str, measure: str, area: str, period: str, dims: dict[str, str],
             value: float, unit: str, revision: int | None = None) -> dict[str, Any]:
        key = (agency, measure, area, period, *(f"{k}={v}" for k, v in sorted(dims.items())))
        self.revisions[key] = revision or self.revisions[key] + 1
        return {
            "event_id": str(uuid.uuid4()), "agency": agency, "measure": measure, "area": area,
            "period": period, "dimensions": dims, "value": value, "unit": unit,
            "revision": self.revisions[key], "produced_at": datetime.now(UTC).isoformat(),
        }

    def population(self, year: int) -> list[dict[str, Any]]:
        return [self._obs("scb", "population", area, str(year), {"sex": sex, "age": "20-64"},
                          round(pop * split * (1 + 0.004 * (year - 2023))), "persons")
                for area, pop in MUNICIPALITIES.items() for sex, split in SEX_SPLIT.items()]

    def month(self, year: int, month: int, factor: dict[tuple[str, str], float] | None = None
              ) -> list[dict[str, Any]]:
        days = calendar.monthrange(year, month)[1]
        trend = 1 - 0.01 * (year - FIRST_YEAR)  # a slow national improvement
        out = []
        for area, pop in MUNICIPALITIES.items():
            for benefit, share in SHARES.items():
                f = (factor or {}).get((area, benefit), 1.0)
                for sex, split in SEX_SPLIT.items():
                    noise = 1 + self.rng.uniform(-0.015, 0.015)
                    value = round(pop * share * split * days * trend * noise * f, 1)
                    out.append(self._obs(publisher(benefit, area), "benefit_net_days", area,
                                         f"{year}-{month:02d}", {"benefit": benefit, "sex": sex},
                                         value, "days"))
        return out

    def next_month(self, year: int, month: int) -> list[dict[str, Any]]:
        """A live month: sometimes with a deviation, sometimes with a correction."""
        factor: dict[tuple[str, str], float] = {}
        if self.rng.random() < 0.3:
            area = self.rng.choice(list(MUNICIPALITIES))
            benefit = self.rng.choice(list(SHARES))
            factor[(area, benefit)] = 1.5
            self.deviations.append((area, year, month, benefit))
            log.info("deviation planted: %s %s %d-%02d", area, benefit, year, month)
        out = self.month(year, month, factor)
        if self.deviations and self.rng.random() < 0.2:
            area, y, m, benefit = self.deviations.pop(0)
            log.info("correcting %s %s %d-%02d with a new revision", area, benefit, y, m)
            out += [o for o in self.month(y, m) if o["area"] == area]
        return out


def _post(client: httpx.Client, tokens: dict[str, str], observations: list[dict[str, Any]]
          ) -> None:
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in observations:
        by_agency[o["agency"]].append(o)
    for agency, batch in by_agency.items():
        for i in range(0, len(batch), 1000):
            for attempt in range(30):
                try:
                    r = client.post("/v1/observations", json={"observations": batch[i:i + 1000]},
                                    headers={"Authorization": f"Bearer {tokens[agency]}"})
                except httpx.TransportError:
                    r = None
                if r is not None and r.status_code == 202:
                    receipt = r.json()
                    if receipt["rejected"]:
                        log.warning("%s: rejected %s", agency, receipt["rejected"][:3])
                    break
                if r is not None and r.status_code < 500 and r.status_code != 429:
                    raise RuntimeError(f"{agency}: {r.status_code} {r.text}")
                time.sleep(min(5.0, 0.5 * (attempt + 1)))


def issue_tokens(settings: KitSettings) -> dict[str, str]:
    from samstat.components import migrate_all
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope

    migrate_all(settings.db_url)
    agencies = {"scb", *PUBLISHER.values(), *(f"kommun-{a}" for a in MUNICIPALITIES)}
    with session_scope(session_factory(settings.db_url)) as session:
        return {a: tokens.issue(session=session, scope="agency", agency=a, ttl_days=30)
                for a in sorted(agencies)}


def run_demo(settings: KitSettings, *, ingest_url: str, interval: float,
             months: int | None = None) -> None:
    """Backfill, then publish one simulated month per ``interval`` (for ``months``, or ever)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s demo %(message)s")
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    tokens = issue_tokens(settings)
    sim = Simulator()
    with httpx.Client(base_url=ingest_url, timeout=30) as client:
        for year in range(FIRST_YEAR, BACKFILL_UNTIL[0] + 2):
            _post(client, tokens, sim.population(year))
        year, month = FIRST_YEAR, 1
        while (year, month) <= BACKFILL_UNTIL:
            area, py, pm, benefit, f = PLANTED
            factor = {(area, benefit): f} if (year, month) == (py, pm) else None
            _post(client, tokens, sim.month(year, month, factor))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        log.info("history published up to %d-%02d", *BACKFILL_UNTIL)
        n = 0
        while months is None or n < months:
            time.sleep(interval)
            _post(client, tokens, sim.next_month(year, month))
            log.info("published %d-%02d", year, month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            n += 1
