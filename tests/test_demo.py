"""The demo's figures (samstat/demo_series.py) from its scenario file: every measure the 2024
plan's indicators read, consistent totals (except Figur 4's, on purpose), a few small cells,
each agency allowed to publish what it publishes, and the same figures for the same seed."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from samstat.demo import corrected, generator, scb_figures
from samstat.demo_series import TOTAL, Cell, Revisions, load_scenario, months
from samstat_kit.checks import judge
from samstat_kit.contracts import load_catalogue
from services.initiatives.registry.plan_file import load_plan

ROOT = Path(__file__).resolve().parents[1]


def load_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def history() -> list[Cell]:
    sc = load_scenario()
    gen = generator(sc, scb_figures())
    cells = [c for y, m in months(sc["first_month"], sc["history_until"]) for c in gen.month(y, m)]
    return cells + gen.coordination_need() + gen.milestones()


def _measures(formula: dict) -> set[str]:
    return {p["measure"] for p in (formula.get(k) for k in ("filters", "numerator",
                                                            "denominator")) if p}


def test_every_measure_the_plan_reads_is_published(history: list[Cell]) -> None:
    read = set().union(*(_measures(i["formula"]) for i in load_plan().indicators))
    read |= {"benefit_net_days"}  # fye_share: benefit days over SCB's population
    assert read <= {c.measure for c in history}


def test_agencies_may_publish_their_cells(history: list[Cell]) -> None:
    catalogue = load_catalogue()
    denied = {(c.agency, c.measure) for c in history
              if catalogue.publish_denial(c.agency, c.measure, c.area, c.dimensions)}
    assert denied == set()


def test_every_observation_passes_ingests_checks(history: list[Cell]) -> None:
    """Contract, rights and catalogue (periods the measure takes, units, codes, ranges), as
    ingest judges them: a monthly series of a quarterly measure was rejected while the demo
    ran, and its initiative never got a verdict."""
    catalogue, revisions = load_catalogue(), Revisions()
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for cell in history:
        by_agency[cell.agency].append(revisions.observation(cell))
    for agency, docs in by_agency.items():
        verdict = judge(docs, catalogue, agency)
        assert not verdict.problems and not verdict.denials, (
            agency, (verdict.problems + verdict.denials)[:3])


def test_totals_agree_with_parts_except_figur_4(history: list[Cell]) -> None:
    catalogue = load_catalogue()
    groups: dict[tuple, dict[str, float]] = defaultdict(dict)
    for c in history:
        if catalogue.measures[c.measure].aggregation in ("mean", "none"):
            continue
        for dim, code in c.dimensions.items():
            rest = tuple(sorted((k, v) for k, v in c.dimensions.items() if k != dim))
            groups[(c.agency, c.measure, c.area, c.period, dim, rest)][code] = c.value
    mismatched = set()
    for key, cells in groups.items():
        parts = catalogue.measures[key[1]].dimensions[key[4]] - {TOTAL}
        complete = TOTAL in cells and set(cells) - {TOTAL} == parts
        if complete and abs(sum(v for k, v in cells.items() if k != TOTAL)
                            - cells[TOTAL]) > 0.5:
            mismatched.add((key[1], key[3]))
    assert mismatched == {("coordination_need_persons", "2023")}


def test_a_few_small_cells_and_sex_splits_that_differ(history: list[Cell]) -> None:
    catalogue = load_catalogue()
    persons = [c for c in history if catalogue.measures[c.measure].person_count]
    small = [c for c in persons if 0 < c.value < 5]
    assert 0 < len(small) < 0.02 * len(persons)
    women: dict[str, list[float]] = defaultdict(list)
    days: dict[tuple, dict[str, float]] = defaultdict(dict)
    for c in history:
        if c.measure == "benefit_net_days" and c.area == "2480":
            days[(c.period, c.dimensions["benefit"])][c.dimensions["sex"]] = c.value
    for (_period, benefit), by_sex in days.items():
        women[benefit].append(by_sex["K"] / (by_sex["K"] + by_sex["M"]))
    shares = {b: sum(v) / len(v) for b, v in women.items()}
    assert max(shares.values()) - min(shares.values()) > 0.1, shares


def test_the_same_seed_gives_the_same_figures() -> None:
    sc = load_scenario()
    scb = scb_figures()
    a, b = generator(sc, scb).month(2024, 3), generator(sc, scb).month(2024, 3)
    assert [(x.key(), x.value) for x in a] == [(x.key(), x.value) for x in b]


def test_every_late_correction_changes_published_cells(history: list[Cell]) -> None:
    """A correction names a period the series publishes (one named a quarter of a series
    that became monthly and corrected nothing), and raises a revision of cells sent."""
    sc = load_scenario()
    sent = {c.key(): c.value for c in history}
    for fix in sc.get("corrections") or []:
        cells = corrected(generator(sc, scb_figures()), fix)
        assert cells, fix
        assert all(c.key() in sent and c.value != sent[c.key()] for c in cells), fix


def test_every_catalogue_cadence_has_periods() -> None:
    """A measure's cadence (any the catalogue schema allows) gives the demo periods to publish
    over a year; an unknown one is an error, not a silent nothing."""
    from samstat.demo import CADENCES
    from samstat.demo_series import _periods_ending

    allowed = load_json(ROOT / "schemas/measures/catalogue.schema.json")
    kinds = next(v["enum"] for v in _walk(allowed) if "half-yearly" in v.get("enum", []))
    assert set(kinds) == set(CADENCES)
    for cadence in CADENCES.values():
        periods = [p for m in range(1, 13) for p in _periods_ending(2024, m, cadence)]
        assert len(periods) == {"month": 12, "quarter": 4, "half": 2, "year": 1}[cadence]
    with pytest.raises(ValueError):
        _periods_ending(2024, 12, "weekly")


def _walk(node: object) -> list[dict]:
    """Every JSON object in a schema document."""
    if isinstance(node, dict):
        return [node] + [x for v in node.values() for x in _walk(v)]
    if isinstance(node, list):
        return [x for v in node for x in _walk(v)]
    return []


def test_the_demo_publishes_only_months_that_have_ended() -> None:
    """Left running, the demo publishes a month once it has ended, not the months to come
    (it reached 2031, and its conveners got alerts for them)."""
    from datetime import UTC, datetime

    from samstat.demo import closed

    today = datetime.now(UTC).date()
    last = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    assert closed(*last) and closed(2024, 12)
    assert not closed(today.year, today.month) and not closed(today.year + 1, 1)
