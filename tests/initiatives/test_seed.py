"""The seeded 2024 plan matches the source document (seed 004), on both databases."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session

from samstat_kit.contracts import load_catalogue
from services.initiatives.registry import service
from services.initiatives.registry.views import initiative_read

# number: (area, convener, convener unit, follow-up owner, impact, status)
DOCUMENT = {
    1: ("ill_health", "forsakringskassan", None, "kommun-2480", 2, "ongoing"),
    2: ("ill_health", "forsakringskassan", None, "forsakringskassan", 3, "ongoing"),
    3: ("ill_health", "forsakringskassan", None, "region-vasterbotten", 3, "ongoing"),
    4: ("ill_health", "kommun-2480", "Särskild styrgrupp", "kommun-2480", 1, "ongoing"),
    5: ("ill_health", "kommun-2480", "Socialtjänsten", "kommun-2480", 2, "ongoing"),
    6: ("unemployment", "arbetsformedlingen", None, "arbetsformedlingen", 5, "ongoing"),
    7: ("unemployment", "arbetsformedlingen", None, "arbetsformedlingen", 4, "ongoing"),
    8: ("unemployment", "kommun-2480", "Arbetsmarknad- och integrationsavdelningen",
        "arbetsformedlingen", 5, "ongoing"),
    9: ("unemployment", "kommun-2480", "Socialtjänsterna", "kommun-2480", 5, "ongoing"),
    10: ("unemployment", "kriminalvarden", None, "kriminalvarden", None, "starting"),
    12: ("prevention", "kommun-2480", "Gymnasieskolan", "kommun-2480", 5, "ongoing"),
    13: ("prevention", "samordningsforbundet", None, None, None, "ongoing"),
}

FYE_SHARE = {
    "id": "fye_share", "initiative": None, "initiative_title": None,
    "title_sv": "Helårsekvivalenter, andel av befolkningen 20–64",
    "title_en": "FYE share of population 20–64",
    "convener": "samordningsforbundet", "follow_up_owner": "samordningsforbundet",
    "unit": "share", "formula": {"kind": "fye_share"},
    "areas": ["2480", "2460", "2404", "2409", "2401", "2403"], "target": None,
    "rules": [{"kind": "yoy_rise", "tolerance": 0.005}],
}


def test_twelve_initiatives_as_in_the_document(session: Session) -> None:
    service.seed(session=session, year=2024)
    initiatives = service.list_initiatives(session=session, year=2024)
    assert [i.number for i in initiatives] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    for ini in initiatives:
        area, convener, unit, owner, impact, status = DOCUMENT[ini.number]
        assert (ini.area, ini.convener, ini.follow_up_owner, ini.impact, ini.status) == (
            area, convener, owner, impact, status), ini.number
        if unit is None:
            assert ini.convener_unit is None, ini.number
        else:
            assert ini.convener_unit and ini.convener_unit.startswith(unit), ini.number
        assert ini.indicators, f"initiative {ini.number} has no indicator"
        assert ini.activities and ini.goals and ini.current_state and ini.board_comment
        assert ini.current_state_date == date(2023, 6, 1)
        assert set(ini.parties) <= set(load_catalogue().agencies)


def test_texts_and_feasibility_spot_checks(session: Session) -> None:
    service.seed(session=session, year=2024)
    by_number = {i.number: initiative_read(i) for i in
                 service.list_initiatives(session=session, year=2024)}
    assert by_number[1].title == "Unga med aktivitetsersättning"
    assert by_number[10].title == "Översyn av Krami"
    assert by_number[12].title.startswith("Unga som saknar behörighet till gymnasiet")
    assert by_number[2].feasibility and by_number[2].feasibility.difficulty == "easy"
    assert by_number[4].feasibility and by_number[4].feasibility.duration == "short"
    assert by_number[10].feasibility is None  # "Svårighetsgrad och tidsaspekt är ej bedömd"
    assert by_number[1].parties_text == "Regionen/FK/AF och kommunerna"
    assert "Försäkringsmedicinska forum" in " ".join(by_number[5].activities)
    assert "Matchen" in (by_number[9].current_state or "")


def test_indicators_are_formulas_over_catalogue_measures(session: Session) -> None:
    service.seed(session=session, year=2024)
    indicators = service.list_indicators(session=session, year=2024)
    measures = load_catalogue().measures
    for ind in indicators:
        formula = ind.formula
        parts = [formula.get(k) for k in ("filters", "numerator", "denominator")]
        for part in filter(None, parts):
            assert part["measure"] in measures, (ind.code, part["measure"])
    codes = {i.code for i in indicators}
    assert "i01_ae_youth_in_torget" in codes
    assert {i.initiative.number for i in indicators if i.initiative} == set(DOCUMENT)


def test_fye_share_exactly_as_the_contract(session: Session) -> None:
    service.seed(session=session, year=2024)
    events = service.registry_events(session=session, codes=["fye_share"])
    contacts = events[0].pop("contacts")
    assert events == [{"type": "indicator.upserted", "plan_year": 2024,
                       "version": events[0]["version"], "indicator": FYE_SHARE}]
    # The convener's role mailbox rides along, for notify's default routing.
    assert [c["agency"] for c in contacts] == ["samordningsforbundet"]
    assert contacts[0]["email"].endswith((".example", "example.se"))


def test_contacts_cover_every_convener_with_example_mailboxes(session: Session) -> None:
    service.seed(session=session, year=2024)
    contacts = {c.agency: c for c in service.list_contacts(session=session)}
    for _area, convener, *_ in DOCUMENT.values():
        assert convener in contacts
    for c in contacts.values():
        assert c.email.endswith(".example") or c.email.endswith("example.se"), c.email


def test_annual_wheel_of_2024(session: Session) -> None:
    service.seed(session=session, year=2024)
    wheel = {m.kind: m for m in service.milestones(session=session, year=2024)}
    assert list(wheel) == ["spring_analysis", "workshop", "planning_day", "board_decision"]
    assert wheel["workshop"].starts_on == date(2023, 5, 1)
    assert wheel["workshop"].due_on == date(2023, 6, 30)
    assert wheel["planning_day"].starts_on == date(2023, 9, 1)
    assert wheel["board_decision"].due_on == date(2023, 11, 30)


def test_seed_is_idempotent(session: Session) -> None:
    service.seed(session=session, year=2024)
    again = service.seed(session=session, year=2024)
    assert (again.initiatives, again.indicators, again.contacts) == (0, 0, 0)
    assert len(service.list_initiatives(session=session, year=2024)) == 12


def test_an_initiative_s_indicator_carries_its_name(session: Session) -> None:
    """notify names an initiative in the inbox and in e-mails (a usability walk: "Initiativ 2"
    alone meant nothing), from the event that also validates against registry-event v1."""
    import jsonschema

    from samstat_kit.contracts import SCHEMAS_DIR

    service.seed(session=session, year=2024)
    schema = json.loads((SCHEMAS_DIR / "registry-event.v1.schema.json").read_text())
    events = service.registry_events(session=session)
    named = {e["indicator"]["initiative"]: e["indicator"]["initiative_title"]
             for e in events if e["indicator"]["initiative"] is not None}
    for number, title in named.items():
        assert title == service.get_initiative(session=session, year=2024,
                                               number=number).title
    for event in events:
        jsonschema.validate(event, schema)
