"""Rows to response bodies and registry events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from samstat_kit.auth.service import Principal
from services.initiatives.registry.models import (
    AuditEntry,
    Contact,
    Indicator,
    Initiative,
    Milestone,
)
from services.initiatives.registry.schemas import (
    AuditRead,
    ContactRead,
    Feasibility,
    IndicatorRead,
    InitiativeRead,
    MilestoneRead,
)


def indicator_read(ind: Indicator) -> IndicatorRead:
    return IndicatorRead(
        id=ind.code, plan_year=ind.plan_year,
        initiative=ind.initiative.number if ind.initiative else None,
        title_sv=ind.title_sv, title_en=ind.title_en, unit=ind.unit, formula=ind.formula,
        target=ind.target, baseline=ind.baseline, rules=ind.rules, areas=ind.areas,
        convener=ind.effective_convener, follow_up_owner=ind.effective_follow_up_owner,
        area_conveners=ind.area_conveners, version=ind.version,
    )


def initiative_read(ini: Initiative) -> InitiativeRead:
    feasibility = None
    if ini.difficulty and ini.duration:
        feasibility = Feasibility(difficulty=ini.difficulty, duration=ini.duration)  # type: ignore[arg-type]
    return InitiativeRead(
        plan_year=ini.plan_year, number=ini.number, title=ini.title, area=ini.area,
        parties=ini.parties, parties_text=ini.parties_text, convener=ini.convener,
        convener_unit=ini.convener_unit, responsible=ini.responsible,
        follow_up_owner=ini.follow_up_owner, follow_up_owner_text=ini.follow_up_owner_text,
        feasibility=feasibility, status=ini.status, impact=ini.impact,
        activities=ini.activities, goals=ini.goals, current_state=ini.current_state,
        current_state_date=ini.current_state_date, board_comment=ini.board_comment,
        assessment=ini.assessment, indicators=[indicator_read(i) for i in ini.indicators],
        version=ini.version,
    )


def contact_read(c: Contact, reader: Principal | None = None) -> ContactRead:
    """The contact as ``reader`` may see it (None: an admin's view). A webhook URL is a
    bearer secret (Slack and Teams hooks take whoever posts to them, and the registry's
    webhooks are sent unsigned): only an admin and the contact's own agency see it."""
    own = reader is None or reader.is_admin or reader.agency == c.agency
    return ContactRead(agency=c.agency, email=c.email,
                       webhook_url=c.webhook_url if own else None, version=c.version)


def milestone_read(m: Milestone) -> MilestoneRead:
    return MilestoneRead(kind=m.kind, title_sv=m.title_sv, title_en=m.title_en,
                         starts_on=m.starts_on, due_on=m.due_on)


def audit_read(a: AuditEntry) -> AuditRead:
    # SQLite hands back naive datetimes; everything stored is UTC.
    at = a.at if a.at.tzinfo else a.at.replace(tzinfo=UTC)
    return AuditRead(at=at, actor=a.actor, entity=a.entity, entity_id=a.entity_id,
                     action=a.action, before=a.before, after=a.after)


def upserted_event(ind: Indicator, contacts: Mapping[str, Contact] | None = None
                   ) -> dict[str, Any]:
    """``indicator.upserted`` as docs/contracts-internal.md shows it, with the role contacts
    of the indicator's convener and follow-up owner (notify's default routing)."""
    indicator: dict[str, Any] = {
        "id": ind.code,
        "initiative": ind.initiative.number if ind.initiative else None,
        # notify's inbox and digests name the initiative, not only its number
        "initiative_title": ind.initiative.title if ind.initiative else None,
        "title_sv": ind.title_sv,
        "title_en": ind.title_en,
        "convener": ind.effective_convener,
        "follow_up_owner": ind.effective_follow_up_owner,
        "unit": ind.unit,
        "formula": ind.formula,
        "areas": ind.areas,
        "target": ind.target,
        "rules": ind.rules,
    }
    if ind.area_conveners:
        # Only when set: the event of an indicator without them stays as the contract shows.
        indicator["area_conveners"] = ind.area_conveners
    agencies = dict.fromkeys((ind.effective_convener, ind.effective_follow_up_owner,
                              *(ind.area_conveners or {}).values()))
    return {
        "contacts": [
            {"agency": c.agency, "email": c.email, "webhook": c.webhook_url,
             "version": c.version}
            for a in agencies if (c := (contacts or {}).get(a)) is not None
        ],
        "type": "indicator.upserted",
        "plan_year": ind.plan_year,
        "version": ind.version,
        "indicator": indicator,
    }


def deleted_event(plan_year: int, code: str) -> dict[str, Any]:
    return {"type": "indicator.deleted", "plan_year": plan_year, "id": code}
