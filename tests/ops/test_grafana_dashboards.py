"""The Grafana dashboards: valid JSON, sane layout, and only metric names that exist."""

from __future__ import annotations

import json
import re
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
