"""Verdicts reached without an LP (:func:`services.ingest.disclosure.protect._safe`'s
shortcuts) are the LP's: a shortcut may spare a solve, never change a verdict."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.ingest.disclosure.attack import Protection, Table, Target
from services.ingest.disclosure.links import Coord, Relation, coord
from services.ingest.disclosure.protect import _safe

UPPER = 1e5
NAMES = ("x11", "x12", "x21", "x22", "r1", "r2", "c1", "c2", "_T")


def cell(name: str) -> Coord:
    return coord("2480", "2023-10", {"group": name})


def grid() -> list[Relation]:
    """Four cells, their row and column totals and the grand total, both ways."""
    x = {(i, j): cell(f"x{i}{j}") for i in (1, 2) for j in (1, 2)}
    r1, r2, c1, c2, g = (cell(n) for n in ("r1", "r2", "c1", "c2", "_T"))
    return [Relation(r1, (x[1, 1], x[1, 2]), "row"), Relation(r2, (x[2, 1], x[2, 2]), "row"),
            Relation(c1, (x[1, 1], x[2, 1]), "col"), Relation(c2, (x[1, 2], x[2, 2]), "col"),
            Relation(g, (c1, c2), "col"), Relation(g, (r1, r2), "row")]


@settings(max_examples=300, deadline=None)
@example(values=[3, 20, 9, 9], gap=0, hidden=["x11"], unsent=[], later=["x12"])
@example(values=[3, 20, 9, 9], gap=4, hidden=["x11"], unsent=["c2"], later=["r2"])
@given(values=st.lists(st.integers(0, 30), min_size=4, max_size=4),
       gap=st.integers(-4, 4),
       hidden=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
       unsent=st.lists(st.sampled_from(NAMES[4:]), max_size=2, unique=True),
       later=st.lists(st.sampled_from(NAMES), max_size=2, unique=True))
def test_a_verdict_without_an_lp_is_the_lps(values: list[int], gap: int, hidden: list[str],
                                              unsent: list[str], later: list[str]) -> None:
    """Every hidden cell of known value, judged as the greedy judges it (before and after
    more values are hidden), gets the verdict of the exact interval of a table built anew;
    the grand total may disagree with its parts (``gap``) and totals may not be sent."""
    protection = Protection(5)
    table, truth, shown, keep = _grid_table(values, hidden, unsent, gap)
    rels = table.relations
    for step in (0, 1):
        if step:
            for name in later:
                table.hide(cell(name))
                shown.pop(cell(name), None)
        for name in hidden:
            c = cell(name)
            if c not in truth:
                continue
            t = Target(name, (c,), truth[c])
            verdict = _safe(table, t, protection)
            # Contradictory data are widened as the order of the cells has it: the same
            # table's exact interval then, and a table built anew's too where they add up.
            tables = [table] if gap else [table, Table(rels, shown, truth, UPPER, keep=keep)]
            for exact in (x.interval(t) for x in tables):
                assert verdict == protection.holds(t.truth, *exact), (name, exact)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(0, 30), min_size=4, max_size=4),
       hidden=st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True),
       unsent=st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
       gap=st.integers(-3, 3), solved_first=st.booleans())
def test_a_box_holds_the_lp_interval(values: list[int], hidden: list[str],
                                     unsent: list[str], gap: int,
                                     solved_first: bool) -> None:
    """The bounds the variables' own relations give, and a relation holding all of a sum's
    cells, hold the LP's interval: of a cell, and of a sum of two; before any solve or
    after one (data that contradict each other are widened by the first solve, as the
    order of the cells has it: only additive data are compared with a table built anew)."""
    table, truth, shown, keep = _grid_table(values, hidden, unsent, gap)
    names = list(dict.fromkeys([*hidden, *unsent]))
    targets = [Target(n, (cell(n),), truth.get(cell(n))) for n in names]
    targets += [Target(f"{a}+{b}", (cell(a), cell(b)), None)
                for a, b in pairwise(names)]
    for t in targets:
        if solved_first:
            table.interval(t)
        box = table.box(t)
        tables = [table] if gap else [table, Table(grid(), shown, truth, UPPER, keep=keep)]
        for lo, hi in (x.interval(t) for x in tables):
            if lo <= hi:
                assert box[0] - 1e-6 <= lo and hi <= box[1] + 1e-6, (t.name, box, (lo, hi))


@settings(max_examples=300, deadline=None)
@example(values=[3, 20, 9, 9], hidden=["x11", "x12"], unsent=["c1", "c2"], gap=0, reach=(0, 9))
@given(values=st.lists(st.integers(0, 30), min_size=4, max_size=4),
       hidden=st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True),
       unsent=st.lists(st.sampled_from(NAMES), max_size=3, unique=True),
       gap=st.integers(-3, 3), reach=st.tuples(st.integers(0, 8), st.integers(0, 60)))
def test_a_shift_pattern_is_a_point_the_lp_admits(values: list[int], hidden: list[str],
                                                   unsent: list[str], gap: int,
                                                   reach: tuple[int, int]) -> None:
    """Every cell's range over the points, after shift patterns stretched each one, lies
    within the cell's exact LP interval (a point past a bound is one the LP reaches too),
    data that contradict each other included. (Those are widened just enough on the first
    solve, and how depends on the order of the cells: only additive data are compared with
    a table built anew.)"""
    table, truth, shown, keep = _grid_table(values, hidden, unsent, gap)
    variables = [c for c in keep if table.variable(c)]
    for c in variables:
        table.stretch(Target("x", (c,), truth.get(c)), (float(reach[0]), float(reach[1])))
    for c in variables:
        model = table._by_model([c])[0][0]
        if not model.has_points:
            continue
        least, most = model.span(c)
        target = Target("x", (c,), truth.get(c), missing=c not in truth)
        tables = [table] if gap else [table, Table(grid(), shown, truth, UPPER, keep=keep)]
        for lo, hi in (t.interval(target) for t in tables):
            assert lo - 1e-6 <= least and most <= hi + 1e-6, (c, (least, most), (lo, hi))


def test_a_small_cell_beside_a_value_held_back_is_judged_without_an_lp(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A municipality's month (bench/privacy.py): 3 born in Sweden, the total, Europe and
    outside Europe published, each over two durations not sent. The 3 is pinned; once
    Europe's 40 is held back too, moving both (and one duration of each) the other way
    keeps every relation: the verdict, safe, needs no LP run."""
    from services.ingest.disclosure.component import Model

    def at(region: str, duration: str) -> Coord:
        return coord("0114", "2023-10", {"birth_region": region, "duration": duration})

    regions = ("sweden", "europe", "outside")
    rels = [Relation(at(r, "_T"), (at(r, "long"), at(r, "short")), "duration")
            for r in (*regions, "_T")]
    rels += [Relation(at("_T", d), tuple(at(r, d) for r in regions), "birth_region")
             for d in ("_T", "long", "short")]
    truth: dict[Coord, float | None] = {at("sweden", "_T"): 3.0, at("europe", "_T"): 40.0,
                                        at("outside", "_T"): 77.0, at("_T", "_T"): 120.0}
    shown = {c: v for c, v in truth.items() if c != at("sweden", "_T") and v is not None}
    small = Target("cell", (at("sweden", "_T"),), 3.0)
    keep = {c for r in rels for c in r.cells}
    table = Table(rels, shown, truth, UPPER, keep=keep)
    protection = Protection(5)
    table.prepare([small])
    assert not _safe(table, small, protection)  # pinned: 120 - 40 - 77
    table.hide(at("europe", "_T"))
    solved: list[object] = []
    real = Model.solve
    monkeypatch.setattr(Model, "solve", lambda self, *a, **k: solved.append(a) or
                        real(self, *a, **k))
    assert _safe(table, small, protection)
    assert solved == []


def _grid_table(values: list[int], hidden: list[str], unsent: list[str], gap: int
                ) -> tuple[Table, dict[Coord, float | None], dict[Coord, float], set[Coord]]:
    """The 2×2 grid with its margins and total (``gap`` off its parts' sum), ``hidden`` held
    back and ``unsent`` never sent: the table, the truth, what is shown, the grid's cells."""
    x11, x12, x21, x22 = map(float, values)
    truth: dict[Coord, float | None] = {
        cell("x11"): x11, cell("x12"): x12, cell("x21"): x21, cell("x22"): x22,
        cell("r1"): x11 + x12, cell("r2"): x21 + x22, cell("c1"): x11 + x21,
        cell("c2"): x12 + x22, cell("_T"): x11 + x12 + x21 + x22 + gap}
    for name in unsent:
        truth.pop(cell(name))
    gone = {cell(n) for n in (*hidden, *unsent)}
    shown = {c: v for c, v in truth.items() if c not in gone and v is not None}
    keep = {cell(n) for n in NAMES}
    table = Table(grid(), shown, truth, UPPER, keep=keep)
    return table, truth, shown, keep
