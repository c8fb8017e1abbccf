"""Write deploy/k8s/base/monitoring/prometheusrule.yaml from deploy/prometheus/rules/.

The PrometheusRule for the Prometheus Operator embeds the very groups of the rule file that
promtool tests; test_k8s_manifests.py fails when they differ. After changing the rules:

    .venv/bin/python tests/ops/render_prometheusrule.py
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/rules/samstat.rules.yml"
TARGET = ROOT / "deploy/k8s/base/monitoring/prometheusrule.yaml"

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


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
