"""The alert domain's functions in one place (values, lifecycle, registry, flows), for callers
that want them together; each lives in its own module."""

from __future__ import annotations

from services.notify.access import Conflict, Forbidden, NotFound
from services.notify.alerts.flows import announce
from services.notify.alerts.lifecycle import (
    RULES_ACTOR,
    acknowledge,
    apply_verdict,
    dedup_key,
    evaluate_cell,
    get_alert,
    handle_indicator_value,
    list_alerts,
    open_alerts,
    record_transition,
    resolve,
)
from services.notify.alerts.models import Alert, AlertEvent, IndicatorValue
from services.notify.alerts.registry import handle_registry_event, reevaluate_indicator
from services.notify.alerts.values import (
    Cell,
    Claimed,
    Prefetched,
    earlier_values,
    prefetch,
    record_value,
    series,
)

__all__ = [
    "RULES_ACTOR",
    "Alert",
    "AlertEvent",
    "Cell",
    "Claimed",
    "Conflict",
    "Forbidden",
    "IndicatorValue",
    "NotFound",
    "Prefetched",
    "acknowledge",
    "announce",
    "apply_verdict",
    "dedup_key",
    "earlier_values",
    "evaluate_cell",
    "get_alert",
    "handle_indicator_value",
    "handle_registry_event",
    "list_alerts",
    "open_alerts",
    "prefetch",
    "record_transition",
    "record_value",
    "reevaluate_indicator",
    "resolve",
    "series",
]
