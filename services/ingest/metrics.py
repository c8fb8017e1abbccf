"""Ingest's Prometheus metrics, in one place for the HTTP and the Kafka front doors.

Names follow ``ingest_<thing>_total`` / ``_seconds``; label values are bounded (agencies and
catalogue measures only, reasons from a fixed set).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from samstat_kit.contracts import load_catalogue
from samstat_kit.metrics import zeros

OBSERVATIONS = Counter("ingest_observations_total",
                       "Observations by agency and outcome", ["agency", "outcome"])
REJECTED_BATCHES = Counter("ingest_batches_rejected_total",
                           "Whole batches refused, by reason", ["reason"])
SUPPRESSED = Counter("ingest_suppressed_cells_total", "Cells suppressed by the gate",
                     ["agency"])
BATCH_SECONDS = Histogram("ingest_batch_seconds", "Time from request to durable receipt",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
LAST_REPORT = Gauge("ingest_last_report_timestamp_seconds",
                    "When an agency last got an observation of a measure accepted",
                    ["agency", "measure"])
DEADLETTERS = Counter("ingest_deadletter_total",
                      "Raw Kafka records sent to the dead-letter topic", ["agency", "reason"])
DRY_RUNS = Counter("ingest_dry_runs_total", "Batches judged without storing (dry_run=true)",
                   ["agency"])


# The fixed label values: whole-batch refusals (observations/router.py) and dead-letter codes
# (kafka_ingest.py).
OUTCOMES = ("accepted", "duplicate", "rejected")
REFUSALS = ("rate_limited", "not_json", "too_large", "malformed", "personal_number",
            "forbidden", "strict")
DEADLETTER_CODES = ("event_id", "malformed", "forbidden", "rejected", "personal_number",
                    "personal_number_in_batch")


def start(agencies: Iterable[str]) -> None:
    """Export every agency's counters at 0 from start-up (see samstat_kit.metrics.zeros)."""
    agencies = sorted(agencies)
    zeros(OBSERVATIONS, agencies, OUTCOMES)
    zeros(SUPPRESSED, agencies)
    zeros(DRY_RUNS, agencies)
    zeros(DEADLETTERS, agencies, DEADLETTER_CODES)
    zeros(REJECTED_BATCHES, REFUSALS)


# At start-up: the process imports this module before it serves or consumes anything.
start(load_catalogue().agencies)


def count_receipt(agency: str, *, accepted: int, duplicates: int, rejected: int,
                  suppressed: int, measures: Iterable[str]) -> None:
    """Count one stored batch's outcome; ``measures`` must be catalogue codes (bounded)."""
    OBSERVATIONS.labels(agency, "accepted").inc(accepted)
    OBSERVATIONS.labels(agency, "duplicate").inc(duplicates)
    OBSERVATIONS.labels(agency, "rejected").inc(rejected)
    SUPPRESSED.labels(agency).inc(suppressed)
    if accepted:
        now = time.time()
        for measure in sorted(measures):
            LAST_REPORT.labels(agency, measure).set(now)
