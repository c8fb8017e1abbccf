"""The Grafana dashboards: valid JSON, sane layout, and only metric names that exist."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ops.metrics_inventory import ROOT, exposed, promql_metric_names, recorded_names

yaml = pytest.importorskip("yaml", reason="PyYAML not installed (a dev dependency: make install)")

GRAFANA = ROOT / "deploy/grafana"
DASHBOARDS = sorted(GRAFANA.glob("*.json"))
RULES = ROOT / "deploy/prometheus/rules/samstat.rules.yml"


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def targets(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]


def test_there_is_an_overview_dashboard() -> None:
    assert GRAFANA / "samstat-overview.json" in DASHBOARDS


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_well_formed(path: Path) -> None:
    d = load(path)
    assert d["uid"] and d["title"] and d["schemaVersion"] >= 36
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    variables = {v["name"] for v in d["templating"]["list"]}
    assert "datasource" in variables
    for p in d["panels"]:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]
        if p["type"] != "row":
            assert p["datasource"]["uid"] == "${datasource}", p["title"]
            assert p.get("targets"), f"{p['title']} has no query"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_uses_only_metrics_the_code_exports(path: Path) -> None:
    known = exposed() | recorded_names(yaml.safe_load(RULES.read_text())["groups"])
    for title, expr in targets(load(path)):
        unknown = promql_metric_names(expr) - known
        assert not unknown, f"{path.name} / {title}: {unknown}"


NAMESPACE = 'namespace=~"$namespace"'


def selectors(expr: str) -> list[tuple[str, str]]:
    """(metric name, its label matchers) of every series selector in ``expr``."""
    found = []
    for name in promql_metric_names(expr):
        pattern = re.compile(r'(?<![\w:$"|-])' + re.escape(name) + r'(?![\w:(])(\{[^}]*\})?')
        found += [(name, m.group(1) or "") for m in pattern.finditer(expr)]
    return found


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_follows_the_namespace_variable(path: Path) -> None:
    d = load(path)
    [var] = [v for v in d["templating"]["list"] if v["name"] == "namespace"]
    # All namespaces by default; "All" is a regex that also matches series without the label
    # (a Prometheus outside Kubernetes).
    assert var["type"] == "query" and var["includeAll"] and var["multi"]
    assert var["allValue"] == ".*" and "label_values(" in var["query"]["query"]
    assert var["datasource"]["uid"] == "${datasource}"
    for title, expr in targets(d):
        found = selectors(expr)
        assert found, f"{path.name} / {title}: no selector in {expr}"
        for name, matchers in found:
            assert NAMESPACE in matchers, f"{path.name} / {title}: {name}{matchers}"


def test_selectors_are_found_where_they_are() -> None:
    expr = 'sum(rate(a_total{x="1"}[5m])) / b + on(j) max(b{y="2"})'
    assert sorted(selectors(expr)) == [("a_total", '{x="1"}'), ("b", ""), ("b", '{y="2"}')]


# Counters whose label values exist only at run time (an indicator's id; the worker's faust
# sensor, registered when the worker starts): they appear with the first event.
LATE = {"indicators_values_emitted_total", "indicators_worker_total_events_total"}

START_UP = """
from prometheus_client import generate_latest
from services.indicators.app import create_app as indicators
from services.ingest.app import create_app as ingest
from services.initiatives.app import create_app as initiatives
from services.notify.app import create_app as notify
import services.indicators.worker.agents  # the worker's own counters
for create in (ingest, indicators, initiatives, notify):
    create()
print(generate_latest().decode())
"""


def test_dashboard_counters_are_exported_from_the_start(tmp_path: Path) -> None:
    """A fresh process of each service, before any event: every counter a panel reads is
    already there at 0 (no "No data" panel, and rate() sees the first event)."""
    from prometheus_client.parser import text_string_to_metric_families

    from tests.ops.metrics_inventory import declared

    env = os.environ | {"SAMSTAT_DATA_DIR": str(tmp_path), "SAMSTAT_KAFKA_ENABLED": "false"}
    run = subprocess.run([sys.executable, "-c", START_UP], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    samples = [s for f in text_string_to_metric_families(run.stdout) for s in f.samples]
    present = {s.name for s in samples}
    kinds = declared()
    used = {n for d in DASHBOARDS for _, e in targets(load(d)) for n in promql_metric_names(e)}
    counters = {n for n in used if n.endswith("_total")
                and "Counter" in (kinds.get(n), kinds.get(n.removesuffix("_total")))}
    assert counters, "the dashboards read no counters?"
    missing = sorted(n for n in counters - LATE if n not in present)
    assert not missing, f"not exported before their first event: {missing}"
    # A labelled one at 0 for a known value, e.g. every agency's rejected observations.
    assert any(s.name == "ingest_observations_total" and s.labels == {
        "agency": "forsakringskassan", "outcome": "rejected"} and s.value == 0 for s in samples)


def test_overview_covers_what_operators_asked_for() -> None:
    exprs = " ".join(e for _, e in targets(load(GRAFANA / "samstat-overview.json")))
    for metric in ("ingest_observations_total", "ingest_batch_seconds_bucket",
                   "ingest_batches_rejected_total", "ingest_suppressed_cells_total",
                   "ingest_outbox_depth", "ingest_relay_lag_seconds",
                   "samstat_consumer_lag_messages", "indicators_worker_total_events_total",
                   "notify_alerts_firing", "notify_deliveries_total",
                   "agency:ingest_last_report_timestamp_seconds:max"):
        assert metric in exprs, metric


def test_every_dashboard_ships_in_the_configmap() -> None:
    kustomization = yaml.safe_load((GRAFANA / "kustomization.yaml").read_text())
    files = {f for g in kustomization["configMapGenerator"] for f in g["files"]}
    assert files == {p.name for p in DASHBOARDS}
