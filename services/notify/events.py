"""The events notify consumes, parsed as a tolerant reader.

Fields notify does not use are ignored (``extra="ignore"``) so a producer adding a field to
``indicator-value.v1`` or the registry event never stops alerting; the fields notify does use
are checked as strictly as the schemas state, so a malformed event is skipped before it can
reach the database. ``tests/notify`` checks these models against ``schemas/``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
AreaCode = Annotated[
    str, StringConstraints(pattern=r"^([0-9]{2}|[0-9]{4}|[a-z][a-z0-9_\-]*)$", max_length=32)
]
PeriodCode = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")
]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9\-]*$", max_length=64)]


class IndicatorValueEvent(BaseModel):
    """One message of ``<prefix>.indicator-values`` (indicator-value v1)."""

    # Python's json accepts NaN and Infinity; JSON Schema numbers do not, nor do the rules.
    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    event_id: Annotated[str, StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    indicator: IndicatorId
    area: AreaCode
    period: PeriodCode
    value: float | None
    previous_value: float | None = None
    year_ago_value: float | None = None
    unit: Annotated[str, StringConstraints(max_length=32)] = ""
    complete: bool = True
    computed_at: AwareDatetime
    # true: the value is taken back, every input cell behind it withdrawn (added in v1)
    withdrawn: bool = False

    def as_rule_input(self) -> dict[str, Any]:
        return {"value": self.value, "year_ago_value": self.year_ago_value,
                "period": self.period}


class IndicatorBody(BaseModel):
    """The ``indicator`` object of a registry event (the fields notify acts on)."""

    model_config = ConfigDict(extra="ignore")

    id: IndicatorId
    initiative: int | None = None
    initiative_title: Annotated[str, StringConstraints(max_length=300)] | None = None
    title_sv: str = ""
    title_en: str = ""
    convener: AgencyCode
    follow_up_owner: Annotated[str, StringConstraints(max_length=64)] | None = None
    unit: str | None = None
    areas: list[AreaCode] = Field(default_factory=list)
    # Per-area conveners (area code -> agency code): an indicator covering several
    # municipalities routes each municipality's alert to that municipality's convener.
    area_conveners: dict[AreaCode, AgencyCode] = Field(default_factory=dict)
    target: dict[str, Any] | None = None
    rules: list[dict[str, Any]] = Field(default_factory=list)
    # Kept as given: which measures (and cells) the value is computed from, for the alert
    # page's provenance and for inhibition by data-quality alerts on those measures.
    formula: dict[str, Any] | None = None


class IndicatorUpserted(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["indicator.upserted"]
    plan_year: int
    version: int = 0
    indicator: IndicatorBody
    # Optional: [{"agency", "email", "webhook", "version"?}] for the convener (and follow-up
    # owner), read leniently by services.notify.subscriptions.contacts.
    contacts: Any = None


class IndicatorDeleted(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["indicator.deleted"]
    plan_year: int
    id: IndicatorId


RegistryEvent = Annotated[IndicatorUpserted | IndicatorDeleted, Field(discriminator="type")]
_REGISTRY: TypeAdapter[IndicatorUpserted | IndicatorDeleted] = TypeAdapter(RegistryEvent)


def parse_registry_event(doc: Any) -> IndicatorUpserted | IndicatorDeleted | None:
    """The event, or None for event types notify does not know (future additions)."""
    if not isinstance(doc, dict) or doc.get("type") not in ("indicator.upserted",
                                                            "indicator.deleted"):
        return None
    return _REGISTRY.validate_python(doc)


def parse_indicator_value(doc: Any) -> IndicatorValueEvent:
    return IndicatorValueEvent.model_validate(doc)

