"""Request and response bodies of the registry API (``XCreate`` / ``XRead`` / ``XUpdate``).

Codes are checked against the public code lists in ``schemas/`` as the body is parsed, so a
wrong convener or measure is a 422 naming the field. Titles and the other names of one line
(:data:`Title`, :data:`Line`) are one line of text: a line break, a control character or an
invisible formatting character (Unicode Cc, Cf, Cs, Zl, Zp) is a 422 naming the field and
what it is, never the text. Reading takes what is stored as it is (titles stored before the
check may hold them).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from samstat_kit.netguard import MAIL_RULE, mail_receiver_allowed
from services.initiatives.registry.formulas import (
    AgencyCode,
    AreaCode,
    Baseline,
    Formula,
    Rule,
    Target,
)

Year = Annotated[int, Field(ge=2000, le=2100)]
Number = Annotated[int, Field(ge=1, le=999)]
Impact = Annotated[int, Field(ge=1, le=5)]
IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Unit = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
# Line ends: Unicode's (UAX #14 mandatory breaks and NEL) and the vertical tab and form feed.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_NOT_TEXT = {"Cc": "a control character", "Cf": "an invisible formatting character",
             "Cs": "a lone surrogate", "Zl": "a line break", "Zp": "a line break"}


# Invisible characters a word processor leaves in pasted text (soft hyphens, zero-width
# spaces and joiners, a byte-order mark): removed, as a tab becomes a space, rather than
# refused: the text reads the same without them, and a convener pasting a title from Word
# cannot see what the refusal is about. Direction overrides and the rest stay refused.
_PASTED = str.maketrans({"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None,
                         "\u2060": None, "\ufeff": None, "\t": " "})


def one_line(value: str) -> str:
    """``value`` as one line of visible text (Swedish letters, dashes, quotes, no-break spaces
    all are; pasted invisible characters removed, :data:`_PASTED`); else ValueError saying
    where and what, never the text itself (the 422 repeats no input, see
    samstat_kit/invalid.py)."""
    cleaned = value.translate(_PASTED)
    if cleaned != value and not cleaned.strip():
        raise ValueError("must be one line of text: it holds no visible character")
    for i, ch in enumerate(cleaned, 1):
        what = "a line break" if ch in _LINE_BREAKS else _NOT_TEXT.get(unicodedata.category(ch))
        if what is not None:
            raise ValueError(f"must be one line of text: character {i} is {what}")
    return cleaned.strip() if cleaned != value else value


Title = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True),
                  AfterValidator(one_line)]
# A name or short phrase of the plan's own (a unit, who is responsible, the parties): one line.
Line = Annotated[str, AfterValidator(one_line)]


def mail_domain(value: str) -> str:
    """A role mailbox whose domain is a name: notify skips one whose domain is an address
    literal, a numeric host or localhost (the relay would connect there), so it is refused
    here, where the admin hears of it (samstat_kit.netguard.mail_receiver_allowed)."""
    if not mail_receiver_allowed(value):
        raise ValueError(MAIL_RULE)
    return value


Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254),
                  AfterValidator(mail_domain)]
INHERITED = "Default (null): the initiative's"
AREA_CONVENERS = ("Per-area conveners, area code -> agency code (each a code of the indicator's "
                  "areas); other areas' alerts go to the convener")
Area = Literal["ill_health", "unemployment", "prevention"]
Status = Literal["not_started", "starting", "ongoing", "paused", "completed"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Body):
    """A partial update: only the fields sent change; null clears a nullable field."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.REQUIRED:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class Feasibility(_Body):
    """Genomförbarhet: lätt/medel/svår × kort/lång tid."""

    difficulty: Literal["easy", "medium", "hard"]
    duration: Literal["short", "long"]


# ------------------------------------------------------------------------------ initiatives


class _InitiativeFields(_Body):
    parties: list[AgencyCode] = Field(default_factory=list)
    parties_text: Line | None = None
    convener_unit: Line | None = Field(default=None, max_length=300)
    responsible: Line | None = None
    follow_up_owner: AgencyCode | None = None
    follow_up_owner_text: Line | None = None
    feasibility: Feasibility | None = None
    impact: Impact | None = Field(default=None, description="1–5; null = not assessed (x)")
    activities: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    current_state: str | None = Field(default=None, description="Nuläge")
    current_state_date: date | None = None
    board_comment: str | None = Field(default=None, description="The board's and SSG's comment")
    assessment: str | None = Field(default=None, description="The analysis group's assessment")


class InitiativeCreate(_InitiativeFields):
    plan_year: Year
    number: Number
    title: Title
    area: Area
    convener: AgencyCode
    status: Status = "not_started"


class InitiativeUpdate(_Patch):
    REQUIRED: ClassVar[tuple[str, ...]] = (
        "title", "area", "convener", "status", "parties", "activities", "goals",
    )

    title: Title | None = None
    area: Area | None = None
    convener: AgencyCode | None = None
    status: Status | None = None
    parties: list[AgencyCode] | None = None
    parties_text: Line | None = None
    convener_unit: Line | None = Field(default=None, max_length=300)
    responsible: Line | None = None
    follow_up_owner: AgencyCode | None = None
    follow_up_owner_text: Line | None = None
    feasibility: Feasibility | None = None
    impact: Impact | None = None
    activities: list[str] | None = None
    goals: list[str] | None = None
    current_state: str | None = None
    current_state_date: date | None = None
    board_comment: str | None = None
    assessment: str | None = None


# ------------------------------------------------------------------------------ indicators


class IndicatorCreate(_Body):
    plan_year: Year
    id: IndicatorId
    initiative: Number | None = Field(default=None,
                                      description="Initiative number; null = overarching")
    title_sv: Title
    title_en: Title
    unit: Unit
    formula: Formula
    target: Target | None = None
    baseline: Baseline | None = None
    rules: list[Rule] = Field(default_factory=list)
    areas: list[AreaCode] = Field(min_length=1)
    convener: AgencyCode | None = Field(default=None, description=INHERITED)
    follow_up_owner: AgencyCode | None = Field(default=None, description=INHERITED)
    area_conveners: dict[AreaCode, AgencyCode] | None = Field(default=None,
                                                             description=AREA_CONVENERS)

    @model_validator(mode="after")
    def _owner_known(self) -> IndicatorCreate:
        if self.initiative is None and self.convener is None:
            raise ValueError("an indicator without initiative needs a convener")
        return self


class IndicatorUpdate(_Patch):
    REQUIRED: ClassVar[tuple[str, ...]] = (
        "title_sv", "title_en", "unit", "formula", "rules", "areas",
    )

    initiative: Number | None = None
    title_sv: Title | None = None
    title_en: Title | None = None
    unit: Unit | None = None
    formula: Formula | None = None
    target: Target | None = None
    baseline: Baseline | None = None
    rules: list[Rule] | None = None
    areas: list[AreaCode] | None = Field(default=None, min_length=1)
    convener: AgencyCode | None = None
    follow_up_owner: AgencyCode | None = None
    area_conveners: dict[AreaCode, AgencyCode] | None = Field(default=None,
                                                             description=AREA_CONVENERS)


class IndicatorRead(BaseModel):
    id: str
    plan_year: int
    initiative: int | None
    title_sv: str
    title_en: str
    unit: str
    formula: dict[str, Any]
    target: dict[str, Any] | None
    baseline: dict[str, Any] | None
    rules: list[dict[str, Any]]
    areas: list[str]
    convener: str
    follow_up_owner: str
    area_conveners: dict[str, str] | None = None
    version: int


class InitiativeRead(BaseModel):
    plan_year: int
    number: int
    title: str
    area: str
    parties: list[str]
    parties_text: str | None
    convener: str
    convener_unit: str | None
    responsible: str | None
    follow_up_owner: str | None
    follow_up_owner_text: str | None
    feasibility: Feasibility | None
    status: str
    impact: int | None
    activities: list[str]
    goals: list[str]
    current_state: str | None
    current_state_date: date | None
    board_comment: str | None
    assessment: str | None
    indicators: list[IndicatorRead]
    version: int


# -------------------------------------------------------------------------------- contacts


class ContactCreate(_Body):
    agency: AgencyCode
    email: Email = Field(description="A role mailbox, e.g. sammankallande@…")
    webhook_url: AnyHttpUrl | None = None


class ContactUpdate(_Patch):
    REQUIRED: ClassVar[tuple[str, ...]] = ("email",)

    email: Email | None = None
    webhook_url: AnyHttpUrl | None = None


class ContactRead(BaseModel):
    agency: str
    email: str
    webhook_url: str | None = Field(description="null when none is set, and for other "
                                    "agencies' tokens: a webhook URL is a secret")
    version: int


# ------------------------------------------------------------------------- plans and audit


class PlanRead(BaseModel):
    year: int
    status: Literal["draft", "decided"]
    decided_at: date | None
    copied_from: int | None
    association: str | None = Field(None, description="Agency code of the association whose "
                                                      "plan it is (null: the registry's own)")
    initiatives: int


class PlanDecide(_Body):
    decided_at: date | None = Field(default=None, description="Default: today")


class MilestoneRead(BaseModel):
    kind: str
    title_sv: str
    title_en: str
    starts_on: date | None
    due_on: date


class AuditRead(BaseModel):
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class SeedReport(BaseModel):
    year: int
    initiatives: int
    indicators: int
    contacts: int
