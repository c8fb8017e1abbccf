"""Simulated agencies playing the demo scenario (``samstat/demo_data/scenario.yaml``).

Every measure the 2024 plan's indicators read is published, like real integrations: SCB's
population and official full-year equivalents through ``samstat import scb`` (its sample
tables), Försäkringskassan, Arbetsförmedlingen, the six municipalities, Kriminalvården and the
association over HTTP, Region Västerbotten over its Kafka raw topic. The history (2023-2024)
goes out first, so the follow-up report can judge 2024 within minutes; then one simulated
month passes every ``interval`` seconds, and the scenario's late corrections arrive.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from samstat.demo_series import (
    BASE_YEAR,
    Cell,
    Generator,
    Revisions,
    load_scenario,
    months,
    next_month,
    stable_id,
)
from samstat_kit.periods import Period, parse
from samstat_kit.settings import KitSettings

log = logging.getLogger("samstat.demo")
SCB_SAMPLES = Path(__file__).resolve().parent / "importers" / "samples" / "scb"


def _post(client: httpx.Client, tokens: dict[str, str], observations: list[dict[str, Any]]
          ) -> None:
    """POST per agency in batches of 1000, retrying while a service starts or is busy."""
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in observations:
        by_agency[o["agency"]].append(o)
    for agency, batch in by_agency.items():
        for i in range(0, len(batch), 1000):
            for attempt in range(60):
                try:
                    r = client.post("/v1/observations", json={"observations": batch[i:i + 1000]},
                                    headers={"Authorization": f"Bearer {tokens[agency]}"})
                except httpx.TransportError:
                    r = None
                if r is not None and r.status_code == 202:
                    rejected = r.json().get("rejected") or []
                    if rejected:
                        log.warning("%s: %d rejected, e.g. %s", agency, len(rejected),
                                    rejected[:2])
                    break
                if r is not None and r.status_code < 500 and r.status_code != 429:
                    raise RuntimeError(f"{agency}: {r.status_code} {r.text[:500]}")
                time.sleep(min(5.0, 0.5 * (attempt + 1)))


def _send_kafka(agency: str, observations: list[dict[str, Any]], bootstrap: str) -> None:
    from samstat.agency_files import Row
    from samstat.agency_send import send_kafka

    summary = send_kafka([Row(number=i + 1, doc=o) for i, o in enumerate(observations)],
                         agency=agency, bootstrap_servers=bootstrap)
    if summary.rejected:
        log.warning("%s over Kafka: %d not delivered, e.g. %s", agency, len(summary.rejected),
                    summary.rejected[:2])


def scb_figures() -> list[dict[str, Any]]:
    """SCB's population 20-64 and official FYE, through the SCB importer's table mappings."""
    from samstat.importers.scb import observations

    docs: list[dict[str, Any]] = []
    for table in load_scenario()["scb_tables"]:
        _mapping, mapped = observations(SCB_SAMPLES / table)
        docs += mapped
    return docs


def history(first_month: str, last_month: str) -> list[dict[str, Any]]:
    """The demo's observations for these months, as the demo publishes them (benchmarks)."""
    gen, revisions = generator(load_scenario(), scb_figures()), Revisions()
    return [revisions.observation(c) for y, m in months(first_month, last_month)
            for c in gen.month(y, m)]


# The catalogue's cadences (catalogue.schema.json) as the scenario's period kinds.
CADENCES = {"monthly": "month", "quarterly": "quarter", "half-yearly": "half", "yearly": "year"}


def generator(scenario: dict[str, Any], scb: list[dict[str, Any]]) -> Generator:
    from samstat_kit.contracts import load_catalogue

    population: dict[str, float] = defaultdict(float)
    fye: dict[tuple[str, int, str, str], float] = {}
    members = set(scenario["members"])
    for d in scb:
        if d["area"] not in members:
            continue
        if d["measure"] == "population" and d["period"] == str(BASE_YEAR):
            population[d["area"]] += d["value"]
        elif (d["measure"] == "fye_official" and d["value"] is not None
              and parse(d["period"]).n_months == 1
              and int(d["period"][:4]) >= scenario["benefit_days"].get("from_year", BASE_YEAR)):
            # SCB publishes months: the year is their day-weighted mean (only the scale of
            # the demo's own benefit days; the worker derives SCB's year in full)
            month, dims = parse(d["period"]), d["dimensions"]
            key = (d["area"], month.year, dims["benefit"], dims["sex"])
            year_days = Period(month.year, 1, 12).days
            fye[key] = fye.get(key, 0.0) + d["value"] * month.days / year_days
    measures = load_catalogue().measures
    units = {code: m.unit for code, m in measures.items()}
    cadences = {code: CADENCES[m.cadence] for code, m in measures.items()}
    return Generator(scenario, population, fye, units, cadences)


class Publisher:
    """Sends cells as observations: over HTTP, or the scenario's Kafka agency over Kafka."""

    def __init__(self, client: httpx.Client, tokens: dict[str, str], kafka_agency: str | None,
                 bootstrap: str) -> None:
        self.client, self.tokens = client, tokens
        self.kafka_agency, self.bootstrap = kafka_agency, bootstrap
        self.revisions = Revisions()
        self.sent = 0

    def cells(self, cells: list[Cell]) -> None:
        self.docs([self.revisions.observation(c) for c in cells])

    def docs(self, docs: list[dict[str, Any]]) -> None:
        over_kafka = [d for d in docs if d["agency"] == self.kafka_agency]
        _post(self.client, self.tokens, [d for d in docs if d["agency"] != self.kafka_agency])
        if over_kafka and self.kafka_agency:
            _send_kafka(self.kafka_agency, over_kafka, self.bootstrap)
        self.sent += len(docs)


def issue_tokens(settings: KitSettings, agencies: set[str]) -> dict[str, str]:
    from samstat.components import migrate_all
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope

    migrate_all(settings.db_url)
    with session_scope(session_factory(settings.db_url)) as session:
        tokens_by_agency = {a: tokens.issue(session=session, scope="agency", agency=a,
                                            ttl_days=30) for a in sorted(agencies)}
        tokens_by_agency["admin"] = tokens.issue(session=session, scope="admin", ttl_days=1)
        return tokens_by_agency


def apply_registry_changes(scenario: dict[str, Any], initiatives_url: str, admin: str,
                           attempts: int = 60) -> None:
    """The operator's changes to the plan (e.g. a stale rule), through the registry API."""
    headers = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=initiatives_url, timeout=15, headers=headers) as client:
        for change in scenario.get("registry") or []:
            url = f"/v1/indicators/{change['indicator']}"
            for attempt in range(attempts):
                try:
                    r = client.get(url)
                    if r.status_code == 200:
                        rules = r.json()["rules"]
                        if change["add_rule"]["kind"] in {x["kind"] for x in rules}:
                            break
                        r = client.patch(url, json={"rules": [*rules, change["add_rule"]]},
                                         headers={"If-Match": r.headers.get("etag", "")})
                        if r.status_code == 200:
                            log.info("registry: %s gets rule %s", change["indicator"],
                                     change["add_rule"])
                            break
                except httpx.TransportError:
                    pass
                time.sleep(min(3.0, 0.5 * (attempt + 1)))
            else:
                log.warning("registry: could not change %s", change["indicator"])


def corrected(gen: Generator, fix: dict[str, Any]) -> list[Cell]:
    """The cells a scenario correction republishes: a past period's, value times ``factor``."""
    y, rest = fix["period"].split("-", 1)
    m = int(rest) if rest.isdigit() else 12
    spec = next(s for s in gen.sc["series"] if s["measure"] == fix["measure"])
    cells = [c for c in gen.series(spec, int(y), m)
             if c.area == fix["area"] and c.period == fix["period"]]
    for c in cells:
        c.value = round(c.value * fix["factor"])
    return cells


def _correction(gen: Generator, pub: Publisher, fix: dict[str, Any]) -> None:
    """A late correction: the agency republishes a past period's cells, higher revision."""
    cells = corrected(gen, fix)
    log.info("correction: %s (%d cells)", fix.get("note") or fix["measure"], len(cells))
    pub.cells(cells)


def run_demo(settings: KitSettings, *, ingest_url: str, interval: float = 10.0,
             initiatives_url: str = "http://127.0.0.1:8003", months_live: int | None = None
             ) -> None:
    """History first, then one simulated month per ``interval`` (for ``months_live``, or
    for ever)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s demo %(message)s")
    for noisy in ("httpx", "alembic", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    scenario = load_scenario()
    scb = scb_figures()
    gen = generator(scenario, scb)
    first = gen.month(*map(int, scenario["first_month"].split("-")))
    agencies = {"scb", *(c.agency for c in first + gen.coordination_need() + gen.milestones())}
    agencies |= {f"kommun-{a}" for a in scenario["members"]}
    tokens = issue_tokens(settings, agencies)
    with httpx.Client(base_url=ingest_url, timeout=60) as client:
        pub = Publisher(client, tokens, scenario.get("kafka_agency"),
                        settings.kafka.bootstrap_servers)
        _post(client, tokens, _complete(scb))
        log.info("SCB: %d official figures (population 20-64, FYE) published", len(scb))
        apply_registry_changes(scenario, initiatives_url, tokens["admin"])
        pub.cells(gen.coordination_need() + gen.milestones())
        y, m = map(int, scenario["first_month"].split("-"))
        chunk: list[Cell] = []
        for y, m in months(scenario["first_month"], scenario["history_until"]):
            chunk += gen.month(y, m)
            if m == 12:  # a year per request: one disclosure check per table and year
                pub.cells(chunk)
                chunk = []
        pub.cells(chunk)
        log.info("history published up to %d-%02d (%d observations)", y, m, pub.sent)
        n, waiting = 0, False
        while months_live is None or n < months_live:
            time.sleep(interval)
            if not closed(*next_month(y, m)):
                # Caught up with the calendar: a month is published once it has ended (ingest
                # refuses a period not begun; left running, the demo reached 2031).
                if not waiting:
                    log.info("caught up: %d-%02d is published when it ends", *next_month(y, m))
                waiting = True
                continue
            waiting = False
            y, m = next_month(y, m)
            n += 1
            pub.cells(gen.month(y, m))
            for fix in scenario.get("corrections") or []:
                if fix["at_live_month"] == n:
                    _correction(gen, pub, fix)
            log.info("published %d-%02d", y, m)


def closed(y: int, m: int) -> bool:
    """Whether month ``m`` of ``y`` has ended (UTC)."""
    today = datetime.now(UTC).date()
    return (y, m) < (today.year, today.month)


def _complete(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SCB's mapped figures as full observations (agency, event id, revision, time)."""
    now = datetime.now(UTC).isoformat()
    return [d | {"agency": "scb", "event_id": stable_id(d, 1), "revision": 1, "produced_at": now}
            for d in docs]
