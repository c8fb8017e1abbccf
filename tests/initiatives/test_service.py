"""Service functions on both databases (each test's work is rolled back)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from services.initiatives.registry import audit, service
from services.initiatives.registry.errors import Conflict, Invalid, NotFound, VersionMismatch
from services.initiatives.registry.schemas import (
    ContactCreate,
    ContactUpdate,
    IndicatorCreate,
    IndicatorUpdate,
    InitiativeCreate,
    InitiativeUpdate,
)


def _initiative(year: int = 2024, number: int = 42, **extra: Any) -> InitiativeCreate:
    return InitiativeCreate.model_validate({
        "plan_year": year, "number": number, "title": "Testinitiativ", "area": "prevention",
        "convener": "arbetsformedlingen", "status": "starting", **extra,
    })


def _indicator(year: int = 2024, code: str = "i42_test", **extra: Any) -> IndicatorCreate:
    return IndicatorCreate.model_validate({
        "plan_year": year, "id": code, "initiative": 42, "title_sv": "Test", "title_en": "Test",
        "unit": "persons", "areas": ["2480"],
        "formula": {"kind": "sum", "filters": {"measure": "unemployed_persons",
                                               "dimensions": {"birth_region": "_T",
                                                              "duration": "long"}}},
        "rules": [{"kind": "yoy_wrong_direction", "direction": "fall"}], **extra,
    })


@pytest.fixture
def seeded(session: Session) -> Session:
    service.seed(session=session, year=2024)
    audit.take_pending(session)
    return session


def test_update_bumps_version_audits_the_diff_and_checks_if_match(seeded: Session) -> None:
    s = seeded
    ini = service.get_initiative(session=s, number=2, year=2024)
    v = ini.version
    service.update_initiative(session=s, number=2, year=2024, actor="t1",
                              body=InitiativeUpdate(impact=4, status="paused"),
                              expected_version=v)
    assert ini.version == v + 1 and ini.impact == 4
    last = service.initiative_history(session=s, number=2, year=2024)[-1]
    assert (last.actor, last.action, last.entity_id) == ("t1", "update", "2024/2")
    assert last.before == {"impact": 3, "status": "ongoing"}
    assert last.after == {"impact": 4, "status": "paused"}
    with pytest.raises(VersionMismatch) as stale:
        service.update_initiative(session=s, number=2, year=2024, actor="t1",
                                  body=InitiativeUpdate(impact=None), expected_version=v)
    assert stale.value.current == v + 1
    # null = "not assessed"
    service.update_initiative(session=s, number=2, year=2024, actor="t1",
                              body=InitiativeUpdate(impact=None), expected_version=v + 1)
    assert ini.impact is None


def test_an_unchanged_update_is_neither_versioned_nor_audited(seeded: Session) -> None:
    ini = service.get_initiative(session=seeded, number=3, year=2024)
    before = len(service.initiative_history(session=seeded, number=3, year=2024))
    service.update_initiative(session=seeded, number=3, year=2024, actor="t",
                              body=InitiativeUpdate(impact=3), expected_version=None)
    assert ini.version == 1
    assert len(service.initiative_history(session=seeded, number=3, year=2024)) == before


@pytest.mark.parametrize("bad", [
    {"impact": 6}, {"impact": 0}, {"convener": "kommun-9999"}, {"area": "health"},
    {"status": "done"}, {"parties": ["nobody"]},
    {"feasibility": {"difficulty": "trivial", "duration": "long"}},
])
def test_initiative_validation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _initiative(**bad)


@pytest.mark.parametrize("bad", [
    {"formula": {"kind": "median", "filters": {"measure": "population"}}},
    {"formula": {"kind": "sum", "filters": {"measure": "no_such_measure"}}},
    # a year of SCB's monthly full-year equivalents is no sum of its months
    {"formula": {"kind": "sum", "filters": {"measure": "fye_official"}}},
    {"formula": {"kind": "sum", "filters": {"measure": "population",
                                            "dimensions": {"colour": "red"}}}},
    {"formula": {"kind": "ratio", "filters": {"measure": "population"}}},
    {"rules": [{"kind": "gut_feeling"}]},
    {"rules": [{"kind": "band"}]},
    {"areas": ["9999"]},
    {"id": "Bad-Id"},
    {"initiative": None},  # needs a convener then
])
def test_indicator_validation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _indicator(**bad)


def test_indicator_lifecycle_inherits_the_convener_and_queues_publishing(
        seeded: Session) -> None:
    s = seeded
    service.create_initiative(session=s, body=_initiative(), actor="t")
    ind = service.create_indicator(session=s, body=_indicator(), actor="t")
    assert (ind.effective_convener, ind.effective_follow_up_owner) == (
        "arbetsformedlingen", "arbetsformedlingen")
    assert audit.take_pending(s).dirty == {"i42_test"}  # 2024 is the published plan
    service.update_initiative(session=s, number=42, year=2024, actor="t", expected_version=1,
                              body=InitiativeUpdate(convener="kriminalvarden"))
    assert ind.effective_convener == "kriminalvarden"
    assert audit.take_pending(s).dirty == {"i42_test"}
    with pytest.raises(Invalid):
        service.update_indicator(session=s, code="i42_test", year=2024, actor="t",
                                 expected_version=1,
                                 body=IndicatorUpdate.model_validate(
                                     {"rules": [{"kind": "target_missed"}]}))
    s.rollback()


def test_deleting_an_initiative_deletes_its_indicators_and_keeps_history(
        seeded: Session) -> None:
    s = seeded
    service.delete_initiative(session=s, number=10, year=2024, actor="t")
    with pytest.raises(NotFound):
        service.get_initiative(session=s, number=10, year=2024)
    with pytest.raises(NotFound):
        service.get_indicator(session=s, code="i10_krami_joint_proposal", year=2024)
    history = service.initiative_history(session=s, number=10, year=2024)
    assert [(h.entity, h.action) for h in history][-2:] == [
        ("indicator", "delete"), ("initiative", "delete")]
    events = service.registry_events(session=s, codes=audit.take_pending(s).dirty)
    assert events == [{"type": "indicator.deleted", "plan_year": 2024,
                       "id": "i10_krami_joint_proposal"}]


def test_duplicates_conflict(seeded: Session) -> None:
    with pytest.raises(Conflict):
        service.create_initiative(session=seeded, body=_initiative(number=1), actor="t")
    with pytest.raises(Conflict):
        service.create_indicator(session=seeded, actor="t", body=_indicator(
            code="fye_share", initiative=None, convener="samordningsforbundet"))


def test_copy_plan_starts_next_year_as_a_draft(seeded: Session) -> None:
    s = seeded
    service.copy_plan(session=s, year=2025, prev=2024, actor="t")
    copied = service.list_initiatives(session=s, year=2025)
    assert [i.number for i in copied] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert all(i.version == 1 for i in copied)
    sdk = service.get_indicator(session=s, code="i13_sdk_prerequisites", year=2025)
    assert sdk.initiative is not None and sdk.initiative.plan_year == 2025
    assert sdk.target == {"value": 1, "direction": "rise", "date": "2025-12-31"}
    review = service.get_indicator(session=s, code="i03_sick_leave_pattern_review", year=2025)
    assert review.target and review.target["date"] == "2025-02-28"
    wheel = service.milestones(session=s, year=2025)
    assert wheel[-1].due_on == date(2024, 11, 30)
    # A draft does not replace the published plan...
    assert service.current_plan_year(session=s) == 2024
    assert not audit.take_pending(s).dirty
    with pytest.raises(Conflict):
        service.copy_plan(session=s, year=2025, prev=2024, actor="t")
    # ...until the board has decided it (and its year has begun).
    service.decide_plan(session=s, year=2025, actor="t", decided_at=date(2024, 11, 28))
    assert service.current_plan_year(session=s) == 2025
    assert "fye_share" in audit.take_pending(s).dirty
    with pytest.raises(Conflict):
        service.delete_plan(session=s, year=2025, actor="t")


def test_contacts(seeded: Session) -> None:
    s = seeded
    contact = service.get_contact(session=s, agency="forsakringskassan")
    service.update_contact(session=s, agency="forsakringskassan", actor="t",
                           expected_version=contact.version,
                           body=ContactUpdate.model_validate(
                               {"webhook_url": "https://hooks.fk.example/samstat"}))
    assert contact.webhook_url == "https://hooks.fk.example/samstat" and contact.version == 2
    with pytest.raises(Conflict):
        service.create_contact(session=s, actor="t", body=ContactCreate(
            agency="forsakringskassan", email="x@fk.example"))
    with pytest.raises(ValidationError):
        ContactCreate(agency="forsakringskassan", email="not-an-address")
    service.delete_contact(session=s, agency="forsakringskassan", actor="t")
    with pytest.raises(NotFound):
        service.get_contact(session=s, agency="forsakringskassan")
