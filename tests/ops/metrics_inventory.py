"""Which metric names exist: a grep of the code, and the names PromQL expressions use.

Shared by the rule, dashboard and manifest tests, so none of them can refer to a metric that no
code exports (a renamed metric would otherwise silently turn an alert or a panel into nothing).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import faust.sensors.prometheus as faust_prometheus

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("services", "samstat_kit")

_DECL = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\n?\s*[\"']([a-zA-Z_:][\w:]*)[\"']")
_FAUST_KIND = re.compile(r"(\w+)\s*=\s*(Counter|Gauge|Histogram)\(\s*\n\s*f\"\{app_name\}_(\w+)\"")
_FAUST_PREFIX = re.compile(r"setup_prometheus_sensors\([^)]*name_prefix=\"(\w+)\"")

# What every Python process exports by default, and what Prometheus itself makes.
BUILTIN = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "ALERTS", "ALERTS_FOR_STATE",
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
    "process_open_fds", "process_max_fds", "process_start_time_seconds", "python_info",
    "python_gc_objects_collected_total", "python_gc_collections_total",
}


def _exposed(kind: str, name: str) -> set[str]:
    """The series names prometheus_client exposes for one declared metric."""
    if kind == "Counter":
        base = name.removesuffix("_total")
        return {f"{base}_total", f"{base}_created"}
    if kind == "Histogram":
        return {f"{name}_bucket", f"{name}_count", f"{name}_sum", f"{name}_created"}
    if kind == "Summary":
        return {name, f"{name}_count", f"{name}_sum", f"{name}_created"}
    return {name}


@cache
def declared() -> dict[str, str]:
    """metric name -> kind, for every metric declared in services/ and samstat_kit/."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for kind, name in _DECL.findall(path.read_text()):
                found[name] = kind
    # The worker's faust sensor: names are f"{app_name}_..." with the worker's name_prefix.
    worker = (ROOT / "services/indicators/worker/app.py").read_text()
    prefixes = _FAUST_PREFIX.findall(worker)
    faust_src = Path(faust_prometheus.__file__).read_text()
    for prefix in prefixes:
        for _attr, kind, suffix in _FAUST_KIND.findall(faust_src):
            found[f"{prefix}_{suffix}"] = kind
    return found


@cache
def exposed() -> frozenset[str]:
    names: set[str] = set(BUILTIN)
    for name, kind in declared().items():
        names |= _exposed(kind, name)
    return frozenset(names)


_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "inf", "nan", "Inf", "NaN", "atan2",
}


def promql_metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (a regex approximation, good for our rules)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    s = re.sub(r"\{[^}]*\}", "", s)                         # label matchers
    s = re.sub(r"\[[^\]]*\]", "", s)                        # ranges and subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\$\{?\w+\}?", "1", s)                      # Grafana variables
    s = re.sub(r"\b\d+(ms|[smhdwy])(\d+(ms|[smhdwy]))*\b", " ", s)  # durations
    s = re.sub(r"\b\d+(\.\d+)?([eE][+-]?\d+)?\b", " ", s)   # numbers
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][\w:]*", s):
        token = m.group(0)
        rest = s[m.end():].lstrip()
        if rest.startswith("("):
            continue  # a function or aggregation
        if token in _KEYWORDS:
            continue
        names.add(token)
    return names


def recorded_names(rule_groups: list[dict]) -> set[str]:
    return {r["record"] for g in rule_groups for r in g["rules"] if "record" in r}


def github_anchors(markdown: str) -> set[str]:
    """Heading anchors as GitHub renders them (lower case, punctuation dropped, - for space)."""
    anchors = set()
    for line in markdown.splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            text = re.sub(r"[`*_]", "", m.group(1)).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors
