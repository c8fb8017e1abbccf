"""Write deploy/k8s/base/monitoring/prometheusrule.yaml from deploy/prometheus/rules/, and set
every alert's ``runbook_url`` to ``<base>#<anchor>`` from ONE base URL.

The PrometheusRule for the Prometheus Operator embeds the very groups of the rule file that
promtool tests; test_k8s_manifests.py fails when they differ. After changing the rules:

    .venv/bin/python tests/ops/render_prometheusrule.py

The runbook base is where docs/operations.md is published (its sections are the runbooks).
For a plain Prometheus, write it into the rule file and its unit tests with

    SAMSTAT_RUNBOOK_BASE_URL=https://git.example.org/samstat/-/blob/main/docs/operations.md \
        .venv/bin/python tests/ops/render_prometheusrule.py

On Kubernetes the overlays set it without re-rendering: ``SAMSTAT_RUNBOOK_BASE_URL`` in the
``samstat-config`` ConfigMap, copied into every runbook_url by the component
deploy/k8s/components/runbook-links (see docs/operations.md, "Alerts and runbooks").
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/rules/samstat.rules.yml"
TARGET = ROOT / "deploy/k8s/base/monitoring/prometheusrule.yaml"
UNIT_TESTS = ROOT / "deploy/prometheus/tests"
CONFIGMAP = ROOT / "deploy/k8s/base/configmap.yaml"
# The default base: the placeholder domain of the other deployment URLs (configmap.yaml).
DEFAULT_RUNBOOK_BASE = "https://samstat.example.org/docs/operations.md"
# A runbook_url line, whatever base it has now: the anchor is kept.
_RUNBOOK_LINE = re.compile(r'(runbook_url: )"[^"#]*#([a-z0-9-]+)"')
_CONFIGMAP_LINE = re.compile(r"(SAMSTAT_RUNBOOK_BASE_URL: ).*")

HEADER = """\
# GENERATED from deploy/prometheus/rules/samstat.rules.yml by tests/ops/render_prometheusrule.py;
# edit the rule file, then re-run that script (tests/ops/test_k8s_manifests.py checks they match).
# The `release` label is what kube-prometheus-stack's ruleSelector matches by default.
"""


class _Literal(str):
    pass


class _Dumper(yaml.SafeDumper):
    """Writes multi-line PromQL as literal blocks, like the rule file."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


_Dumper.add_representer(_Literal, _literal)


def render() -> str:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    for group in groups:
        for rule in group["rules"]:
            if "\n" in rule["expr"]:
                rule["expr"] = _Literal(rule["expr"])
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "samstat",
            "labels": {"app.kubernetes.io/name": "samstat", "release": "kube-prometheus-stack"},
        },
        "spec": {"groups": groups},
    }
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=100,
                              allow_unicode=True)


def with_runbook_base(text: str, base: str) -> str:
    """``text`` (a rule or unit-test file) with every runbook_url on ``base``."""
    return _RUNBOOK_LINE.sub(lambda m: f'{m[1]}"{base}#{m[2]}"', text)


def set_runbook_base(base: str) -> list[Path]:
    """Rewrite the rule file, its unit tests and the ConfigMap's default; returns what changed."""
    changed = []
    for path in [RULES, *sorted(UNIT_TESTS.glob("*.test.yml"))]:
        text = path.read_text()
        new = with_runbook_base(text, base)
        if new != text:
            path.write_text(new)
            changed.append(path)
    text = CONFIGMAP.read_text()
    new = _CONFIGMAP_LINE.sub(lambda m: f"{m[1]}{base}", text)
    if new != text:
        CONFIGMAP.write_text(new)
        changed.append(CONFIGMAP)
    return changed


if __name__ == "__main__":
    for path in set_runbook_base(os.environ.get("SAMSTAT_RUNBOOK_BASE_URL",
                                                DEFAULT_RUNBOOK_BASE)):
        print(f"wrote {path.relative_to(ROOT)}")
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
