"""The alerting rules: promtool's syntax check and unit tests, and what promtool cannot see
(runbook anchors, metric names that exist, the agencies' cadences, a test for every alert)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from tests.ops.metrics_inventory import (
    ROOT,
    exposed,
    github_anchors,
    promql_metric_names,
    recorded_names,
)

yaml = pytest.importorskip("yaml", reason="PyYAML not installed (a dev dependency: make install)")

RULES = ROOT / "deploy/prometheus/rules/samstat.rules.yml"
TESTS = sorted((ROOT / "deploy/prometheus/tests").glob("*.test.yml"))
OPERATIONS = ROOT / "docs/operations.md"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian: apt-get install prometheus); `make install` does it")

SEVERITIES = {"critical", "warning", "info"}
CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12}


def groups() -> list[dict[str, Any]]:
    return list(yaml.safe_load(RULES.read_text())["groups"])


def alerts() -> list[dict[str, Any]]:
    return [r for g in groups() for r in g["rules"] if "alert" in r]


@needs_promtool
def test_promtool_check_rules() -> None:
    run = subprocess.run([str(PROMTOOL), "check", "rules", str(RULES)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_promtool
def test_promtool_unit_tests() -> None:
    assert TESTS, "no deploy/prometheus/tests/*.test.yml"
    run = subprocess.run([str(PROMTOOL), "test", "rules", *map(str, TESTS)],
                         capture_output=True, text=True, timeout=120,
                         cwd=TESTS[0].parent)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_is_complete_and_has_a_runbook() -> None:
    anchors = github_anchors(OPERATIONS.read_text())
    for rule in alerts():
        name = rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, name
        for key in ("summary", "description", "runbook_url"):
            assert rule["annotations"].get(key), f"{name} has no {key}"
        url = rule["annotations"]["runbook_url"]
        base, _, anchor = url.partition("#")
        # Absolute (Alertmanager and Grafana show it as a link, outside this repository), on
        # the one configured base (tests/ops/render_prometheusrule.py sets it).
        assert base == runbook_base(), f"{name}: {url} is not on {runbook_base()}"
        assert anchor in anchors, f"{name}: no heading for #{anchor} in docs/operations.md"


def runbook_base() -> str:
    """The base every runbook_url shares: the ConfigMap's SAMSTAT_RUNBOOK_BASE_URL."""
    configmap = yaml.safe_load((ROOT / "deploy/k8s/base/configmap.yaml").read_text())
    return str(configmap["data"]["SAMSTAT_RUNBOOK_BASE_URL"])


def test_the_runbook_base_is_one_absolute_url() -> None:
    from urllib.parse import urlsplit

    from tests.ops.render_prometheusrule import with_runbook_base

    base = urlsplit(runbook_base())
    assert base.scheme == "https" and base.netloc and base.path.endswith("/operations.md")
    assert not base.fragment and not base.query
    # Re-basing touches every runbook_url and nothing else.
    text = RULES.read_text()
    moved = with_runbook_base(text, "https://docs.example.net/samstat/operations.md")
    assert moved.count("https://docs.example.net/samstat/operations.md#") == len(alerts())
    assert runbook_base() not in moved
    assert with_runbook_base(moved, runbook_base()) == text


def test_every_alert_has_firing_and_quiet_unit_tests() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in TESTS:
        doc = yaml.safe_load(path.read_text())
        for test in doc["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    names = {r["alert"] for r in alerts()}
    assert names - firing == set(), "alerts never tested firing"
    assert names - quiet == set(), "alerts never tested not firing"


def test_rules_use_only_metrics_the_code_exports() -> None:
    known = exposed() | recorded_names(groups())
    for group in groups():
        for rule in group["rules"]:
            unknown = promql_metric_names(str(rule["expr"])) - known
            assert not unknown, f"{rule.get('alert') or rule.get('record')}: {unknown}"


def agency_cadences() -> dict[str, str]:
    """Each agency's most frequent cadence over the measures it may publish."""
    agencies = json.loads((ROOT / "schemas/codelists/agencies.json").read_text())
    kinds = {a["code"]: a["kind"] for a in agencies}
    best: dict[str, str] = {}
    for path in sorted((ROOT / "schemas/measures").glob("*.json")):
        doc = json.loads(path.read_text())
        if "cadence" not in doc or "publishers" not in doc:
            continue
        for publisher in doc["publishers"]:
            who = publisher["agency"]
            if who == "*":
                continue  # "any agency may report" says nothing about anyone's cadence
            codes = [c for c, k in kinds.items() if k == "municipality"] \
                if who == "municipality" else [who]
            for code in codes:
                old = best.get(code)
                if old is None or CADENCE_MONTHS[doc["cadence"]] < CADENCE_MONTHS[old]:
                    best[code] = doc["cadence"]
    return best


def test_agency_silent_rules_cover_every_agency_at_its_cadence() -> None:
    silent = [r for r in alerts() if r["alert"] == "SamstatAgencySilent"]
    patterns = {}
    for rule in silent:
        m = re.search(r'agency=~"([^"]+)"', rule["expr"])
        assert m, rule["expr"]
        patterns[rule["labels"]["cadence"]] = re.compile(m.group(1))
    cadences = agency_cadences()
    assert set(cadences) == {a["code"] for a in json.loads(
        (ROOT / "schemas/codelists/agencies.json").read_text())}, "an agency publishes nothing"
    for agency, cadence in cadences.items():
        matching = {c for c, p in patterns.items() if p.fullmatch(agency)}
        assert matching == {cadence}, f"{agency} reports {cadence}, rules say {matching}"
