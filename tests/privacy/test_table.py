"""The attacker's table on its own: models kept across hidings, data that contradict each
other jointly, witnesses that spare a solve."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.ingest.disclosure.attack import Protection, Table, Target
from services.ingest.disclosure.links import Coord, Relation, coord

UPPER = 1e5


def cell(name: str) -> Coord:
    return coord("2480", "2023-10", {"group": name})


def test_a_model_spanning_two_components_is_not_kept_for_one_of_them() -> None:
    """A target of cells from different components builds one model for them all; a later
    target over one of them and another cell builds its own. Hiding a value next to that one
    must not leave the first model cached for the first target's other cell (its interval
    would stay as narrow as before the hiding: too much held back)."""
    total, small, b, c, alone, other = (cell(n) for n in ("_T", "small", "b", "c", "alone",
                                                          "other"))
    rel = Relation(total, (small, b, c), "group")
    shown = {total: 20.0, b: 10.0, c: 7.0}
    table = Table([rel], shown, {**shown, small: 3.0}, UPPER)
    both = Target("both", (alone, small), None, missing=True)
    assert table.interval(both) == (3.0, 3.0 + UPPER)
    assert table.interval(Target("next", (small, other), None)) == (3.0, 3.0 + UPPER)
    table.hide(c)
    assert table.interval(both) == (0.0, 10.0 + UPPER)


def grid() -> tuple[list[Relation], dict[Coord, float], Coord]:
    """Two rows of unsent cells under published row totals 10 and 5 and a published grand
    total of 20 that disagrees with them (by 5); the column totals are not sent."""
    x = {(i, j): cell(f"x{i}{j}") for i in (1, 2) for j in (1, 2)}
    r1, r2, c1, c2, g = (cell(n) for n in ("r1", "r2", "c1", "c2", "_T"))
    rels = [Relation(r1, (x[1, 1], x[1, 2]), "row"), Relation(r2, (x[2, 1], x[2, 2]), "row"),
            Relation(c1, (x[1, 1], x[2, 1]), "col"), Relation(c2, (x[1, 2], x[2, 2]), "col"),
            Relation(g, (c1, c2), "col"), Relation(g, (r1, r2), "row")]
    return rels, {r1: 10.0, r2: 5.0, g: 20.0}, x[1, 1]


def test_relations_that_contradict_jointly_give_way_just_enough() -> None:
    """Each relation holds its own data (the grand total's tolerance covers its gap of 5),
    but the unsent cells cannot add up both ways: 15 by rows, 20 by columns. The attack
    widens the relations just enough instead of calling the table contradictory, which
    would count every target in it as exposed."""
    rels, shown, x11 = grid()
    table = Table(rels, shown, dict(shown), UPPER)
    lo, hi = table.interval(Target("x11", (x11,), None, missing=True))
    assert lo == 0.0 and 10.0 <= hi <= 15.0
    assert Protection(5).holds(None, lo, hi)


def test_the_published_data_as_they_are_stay_a_solution() -> None:
    """A hidden 3 in a total that disagrees with its parts beside an unsent breakdown:
    the widened relations still admit the true value (the interval holds it)."""
    rels, shown, x11 = grid()
    truth = {**shown, x11: 3.0}
    table = Table(rels, shown, truth, UPPER)
    lo, hi = table.interval(Target("x11", (x11,), 3.0))
    assert lo <= 3.0 <= hi


@settings(max_examples=60, deadline=None)
@given(r1=st.integers(0, 30), r2=st.integers(0, 30), gap=st.integers(-5, 5),
       first=st.sampled_from(["x11", "x12", "x21", "x22", "c1"]),
       then=st.sampled_from(["x11", "x12", "x21", "x22", "c2"]),
       reach=st.tuples(st.integers(0, 5), st.integers(0, 40)))
def test_a_witness_never_claims_more_than_the_lp_finds(
        r1: int, r2: int, gap: int, first: str, then: str, reach: tuple[int, int]) -> None:
    """Points solved for one target show another's interval reaching somewhere only if the
    LP finds it reaching there too (witnesses spare solves, never change a verdict)."""
    rels, _, _ = grid()
    shown = {cell("r1"): float(r1), cell("r2"): float(r2), cell("_T"): float(r1 + r2 + gap)}
    table = Table(rels, shown, dict(shown), UPPER)
    table.interval(Target(first, (cell(first),), None, missing=True))
    target = Target(then, (cell(then),), None, missing=True)
    if table.witnessed(target, (float(reach[0]), float(reach[1]))):
        lo, hi = table.interval(target)
        assert lo <= reach[0] + 1e-6 and hi >= reach[1] - 1e-6


def test_a_cell_no_relation_holds_leaves_the_verdict_to_the_points() -> None:
    """A target holding a cell that no kept relation holds (a dark month under a
    municipality's year) beside a cell of a component HiGHS solves: the lone cell's range
    is exact without a point, so the seeds' points decide the verdict and nothing is solved
    again (before, every such target solved both sides in the large component: ~3,600
    solves per batch of the national table's second month)."""
    rels, shown, x11 = grid()
    table = Table(rels, shown, dict(shown), UPPER)
    target = Target("year", (x11, cell("dark")), None, missing=True)
    table.prepare([target])
    model = table._models[x11]
    assert model.hard and model.has_points
    solved: list[object] = []
    real = model.solve
    model.solve = lambda *a, **k: solved.append(a) or real(*a, **k)  # type: ignore[method-assign]
    lo, hi = table.interval(target, Protection(5).sufficient(None), settled=5)
    assert solved == [] and Protection(5).holds(None, lo, hi)


@settings(max_examples=60, deadline=None)
@given(r1=st.integers(0, 30), r2=st.integers(0, 30), gap=st.integers(-5, 5),
       first=st.sampled_from(["x11", "x12", "x21", "x22", "c1"]),
       hidden=st.lists(st.sampled_from(["r1", "r2", "c1", "_T"]), min_size=1, max_size=3),
       shown_again=st.booleans())
def test_points_kept_through_a_hiding_are_points_of_the_new_component(
        r1: int, r2: int, gap: int, first: str, hidden: list[str], shown_again: bool) -> None:
    """After a value is hidden (or one hidden is shown again), the rebuilt component starts
    from the old one's points where they still hold: each cell's range over them lies
    within its LP range in a table built anew (a point claims nothing the LP denies)."""
    rels, _, _ = grid()
    c1 = float(min(r1, r2))
    shown = {cell("r1"): float(r1), cell("r2"): float(r2), cell("c1"): c1,
             cell("_T"): float(r1 + r2 + gap)}
    table = Table(rels, shown, dict(shown), UPPER)
    table.interval(Target(first, (cell(first),), None, missing=True))
    for name in hidden:
        table.hide(cell(name))
    now = {c: v for c, v in shown.items() if c.dims[0][1] not in hidden}
    if shown_again:
        table.show(cell(hidden[0]), shown[cell(hidden[0])])
        now[cell(hidden[0])] = shown[cell(hidden[0])]
    anew = Table(rels, now, dict(shown), UPPER)
    for name in ("x11", "x12", "x21", "x22"):
        model = table._by_model([cell(name)])[0][0]
        if not model.has_points:
            continue
        lo, hi = anew.interval(Target(name, (cell(name),), None, missing=True))
        least, most = model.span(cell(name))
        assert lo - 1e-6 <= least and most <= hi + 1e-6, (name, (least, most), (lo, hi))


def test_a_hiding_that_joins_solved_components_needs_no_new_seed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A value whose relations reach two solved components joins them, and the joined one is
    built again (one relation reaching a single model is taken in place: test_extend.py);
    the old components' points, with the value at what it was published at, seed it instead
    of two HiGHS runs from scratch (a national table's component has thousands of
    variables)."""
    from services.ingest.disclosure.component import Model

    def table(tag: str) -> tuple[list[Relation], dict[Coord, float]]:
        x = {(i, j): cell(f"{tag}x{i}{j}") for i in (1, 2) for j in (1, 2)}
        r1, r2, c1, c2, g = (cell(f"{tag}{n}") for n in ("r1", "r2", "c1", "c2", "g"))
        return [Relation(r1, (x[1, 1], x[1, 2]), "row"),
                Relation(r2, (x[2, 1], x[2, 2]), "row"),
                Relation(c1, (x[1, 1], x[2, 1]), "col"), Relation(c2, (x[1, 2], x[2, 2]), "col"),
                Relation(g, (c1, c2), "col"), Relation(g, (r1, r2), "row")], \
            {r1: 10.0, r2: 5.0, g: 15.0}
    rels_a, shown_a = table("a")
    rels_b, shown_b = table("b")
    # a's first row total is also b's first column total, published as one value
    link = Relation(cell("ar1"), (cell("bc1"),), "link")
    shown = shown_a | shown_b
    table_ = Table([*rels_a, *rels_b, link], shown, dict(shown), UPPER)
    for name in ("ax11", "bx11"):
        table_.interval(Target(name, (cell(name),), None, missing=True))
    assert all(table_._models[cell(n)].has_points for n in ("ax11", "bx11"))
    seeded: list[Model] = []
    real = Model.seed
    monkeypatch.setattr(Model, "seed", lambda self: seeded.append(self) or real(self))
    table_.hide(cell("ar1"))
    model = table_._by_model([cell("ax11")])[0][0]
    assert model is table_._models[cell("bx11")] and cell("ar1") in model.cols
    assert model.hard and model.has_points and seeded == []


@st.composite
def _rows(draw: st.DrawFn) -> tuple[int, list[tuple[list[tuple[int, float]], float, float]]]:
    """A few relations over a few unknowns, each a total (+1) less its parts (-1) within
    a published range, as a component's rows are."""
    n = draw(st.integers(2, 6))
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        cols = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=n, unique=True))
        signs = [1.0] + [-1.0] * (len(cols) - 1) if draw(st.booleans()) else \
            [-1.0] * len(cols)
        lower = float(draw(st.integers(-40, 40)))
        rows.append((list(zip(cols, signs, strict=True)),
                     lower, lower + float(draw(st.integers(0, 6)))))
    return n, rows


@settings(max_examples=150, deadline=None)
@given(problem=_rows())
def test_bound_propagation_never_claims_more_than_the_lp_finds(
        problem: tuple[int, list[tuple[list[tuple[int, float]], float, float]]]) -> None:
    """The bounds propagated through the rows are at most each variable's LP minimum and at
    least its maximum (a propagated bound that settles a verdict must be one the LP would
    reach too)."""
    import highspy

    from services.ingest.disclosure.bounds import propagate
    from services.ingest.disclosure.lp import highs_model

    n, rows = problem
    bounds = propagate([0.0] * n, [UPPER] * n, rows)
    if bounds is None:
        return  # a contradiction found: nothing is claimed
    floors, ceilings = bounds
    h = highs_model([0.0] * n, [UPPER] * n, rows)
    for j in range(n):
        cost = [0.0] * n
        cost[j] = 1.0
        h.changeColsCost(n, list(range(n)), cost)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return  # contradictory rows: the attack reconciles them, no bound is used
        assert floors[j] <= h.getInfo().objective_function_value + 1e-6
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.run()
        assert ceilings[j] >= h.getInfo().objective_function_value - 1e-6
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)


@settings(max_examples=300, deadline=None)
@example(values=[4, 0, 0, 0], unknown=[True, False, False, False], hidden=[],
         order=["x11", "x12", "x21", "x22", "c2"])  # x11 pinned at 4 by propagation alone
@given(values=st.lists(st.integers(0, 9), min_size=4, max_size=4),
       unknown=st.lists(st.booleans(), min_size=4, max_size=4),
       hidden=st.lists(st.sampled_from(["r1", "r2", "c1"]), max_size=2),
       order=st.permutations(["x11", "x12", "x21", "x22", "c2"]))
def test_a_verdict_told_what_it_needs_is_the_full_lps(
        values: list[int], unknown: list[bool], hidden: list[str], order: list[str]) -> None:
    """Intervals solved only as far as a verdict needs (one side, or a propagated bound)
    give every target the verdict its exact interval gives, in any order of targets and
    after values are hidden. (The grid's data add up: data that contradict each other
    jointly are reconciled in a way that may depend on the order of the cells.)"""
    rels, _, _ = grid()
    x11, x12, x21, x22 = map(float, values)
    shown = {cell("r1"): x11 + x12, cell("r2"): x21 + x22, cell("c1"): x11 + x21,
             cell("_T"): x11 + x12 + x21 + x22}
    truth: dict[Coord, float | None] = dict(shown)
    for name, v, u in zip(("x11", "x12", "x21", "x22"), values, unknown, strict=True):
        truth[cell(name)] = None if u else float(v)  # hidden by the agency: unknown
    protection = Protection(5)
    fast = Table(rels, shown, truth, UPPER)
    for name in hidden:
        fast.hide(cell(name))
    exact_shown = {c: v for c, v in shown.items() if c.dims[0][1] not in hidden}
    for name in order:
        t = Target(name, (cell(name),), truth.get(cell(name)), missing=cell(name) not in truth)
        exact = Table(rels, exact_shown, truth, UPPER).interval(t)
        quick = fast.interval(t, protection.sufficient(t.truth, t.at_once),
                              protection.minimum if t.truth is None else None)
        assert protection.holds(t.truth, *quick) == protection.holds(t.truth, *exact), (
            name, quick, exact)


def test_a_target_over_a_contradictory_component_is_exposed_whatever_the_others_floors(
        ) -> None:
    """Parts not sent of two components: ``a`` is pinned to 3 by one relation and to 10 by
    another (jointly contradictory, each fine alone), ``b`` to 6. The contradiction makes
    the whole target exposed ("assume the worst"); ``b``'s floor alone at or above the
    threshold must not settle it as safe."""
    a, b = cell("a"), cell("b")
    t1, s1, t2, s2, t3, s3 = (cell(n) for n in ("t1", "s1", "t2", "s2", "t3", "s3"))
    rels = [Relation(t1, (a, s1), "g"), Relation(t2, (a, s2), "h"), Relation(t3, (b, s3), "g")]
    shown = {t1: 13.0, s1: 10.0, t2: 20.0, s2: 10.0, t3: 15.0, s3: 9.0}
    protection = Protection(5)
    target = Target("parts", (a, b), None, missing=True, at_once=True)
    for told in (False, True):
        table = Table(rels, shown, dict(shown), UPPER, keep={a, b})
        interval = table.interval(target, protection.sufficient(None, True),
                                  protection.minimum) if told else table.interval(target)
        assert not protection.holds(None, *interval, at_once=True), (told, interval)


def square(vals: list[list[int]]) -> tuple[list[Relation], dict[Coord, float], list[Target]]:
    """Rows of unsent cells under published row totals and a published grand total; the
    column totals are not sent. Targets: every unsent cell."""
    n, m = len(vals), len(vals[0])
    x = {(i, j): cell(f"x{i}{j}") for i in range(n) for j in range(m)}
    rows, cols, grand = [cell(f"r{i}") for i in range(n)], [cell(f"c{j}") for j in range(m)], \
        cell("_T")
    rels = [Relation(rows[i], tuple(x[i, j] for j in range(m)), "row") for i in range(n)]
    rels += [Relation(cols[j], tuple(x[i, j] for i in range(n)), "col") for j in range(m)]
    rels += [Relation(grand, tuple(cols), "col"), Relation(grand, tuple(rows), "row")]
    shown = {rows[i]: float(sum(vals[i])) for i in range(n)}
    shown[grand] = float(sum(map(sum, vals)))
    targets = [Target(c.dims[0][1], (c,), None, missing=True) for c in [*x.values(), *cols]]
    return rels, shown, targets


def test_one_run_witnesses_targets_the_seeds_do_not() -> None:
    """A 3 × 3 table whose two seeds witness 9 of its 12 targets: one run that asks each
    of the rest to reach its bound at once witnesses all 12 (in a national component each
    run costs tens of milliseconds), and each verdict is still the exact LP's."""
    rels, shown, targets = square([[0, 4, 8], [7, 6, 12], [4, 7, 5]])
    protection = Protection(5)
    reach = protection.sufficient(None)
    seeded = Table(rels, shown, dict(shown), UPPER)
    seeded.prepare(targets)
    covered = Table(rels, shown, dict(shown), UPPER)
    covered.prepare(targets)
    covered.cover(targets, protection, large=1)
    assert sum(seeded.witnessed(t, reach) for t in targets) == 9
    assert all(covered.witnessed(t, reach) for t in targets)
    for t in targets:
        assert protection.holds(None, *Table(rels, shown, dict(shown), UPPER).interval(t))


@settings(max_examples=120, deadline=None)
@given(vals=st.integers(2, 4).flatmap(lambda m: st.lists(
    st.lists(st.integers(0, 12), min_size=m, max_size=m), min_size=2, max_size=4)),
       hidden=st.lists(st.integers(0, 3), max_size=2))
def test_witnessing_many_targets_at_once_claims_nothing_the_lp_denies(
        vals: list[list[int]], hidden: list[int]) -> None:
    """After one run for many targets (:meth:`Table.cover`), every point kept lies within
    each cell's exact LP range, every verdict is the exact LP's, and a target solved after
    it gets the interval of a table built anew (the rows and columns the run added are
    gone, and the model is the one it was)."""
    rels, shown, targets = square(vals)
    for i in hidden:  # a row total held back after all
        shown.pop(cell(f"r{i}"), None)
    truth = {**shown, **{cell(f"r{i}"): float(sum(vals[i])) for i in range(len(vals))}}
    protection = Protection(5)
    table = Table(rels, shown, truth, UPPER)
    table.prepare(targets)
    table.cover(targets, protection, large=1)
    for t in targets:
        exact = Table(rels, shown, truth, UPPER).interval(t)
        model = table._by_model(list(t.coords))[0][0]
        if model.has_points:
            least, most = model.span(t.coords[0])
            assert exact[0] - 1e-6 <= least and most <= exact[1] + 1e-6, (t.name, exact)
        quick = table.interval(t, protection.sufficient(None), protection.minimum)
        assert protection.holds(None, *quick) == protection.holds(None, *exact), t.name
        again = table.interval(t)
        assert again == pytest.approx(exact, abs=1e-6), (t.name, again, exact)


@settings(max_examples=60, deadline=None)
@given(vals=st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=2,
                     max_size=3),
       steps=st.lists(st.tuples(st.booleans(), st.sampled_from(["r0", "r1", "r2", "_T"])),
                      max_size=4))
def test_a_floor_after_hidings_and_showings_is_a_new_tables(
        vals: list[list[int]], steps: list[tuple[bool, str]]) -> None:
    """Each relation's published parts are summed once and kept until one of its cells is
    hidden or shown (a nation's relation has 290 parts): every floor stays what a table
    built anew on the same published values finds."""
    rels, shown, _ = square(vals)
    cells = {c for r in rels for c in r.cells}
    table = Table(rels, shown, dict(shown), UPPER)
    now = dict(shown)
    for c in cells:
        table.floor(c)
    for hide, name in steps:
        c = cell(name)
        if c not in shown:
            continue
        if hide:
            table.hide(c)
            now.pop(c, None)
        else:
            table.show(c, shown[c])
            now[c] = shown[c]
        anew = Table(rels, now, dict(shown), UPPER)
        assert {x: table.floor(x) for x in cells} == {x: anew.floor(x) for x in cells}


def test_a_large_components_points_are_bounded_and_keep_the_seeds_and_the_newest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A national component's points once took 300 MB (18,000 columns, 2,048 rows): the
    model keeps at most POINTS numbers of them (64 points at least): the two seeds, and the
    others in turn make room for the newest, while each column's range counts every
    point."""
    import numpy as np

    from services.ingest.disclosure import points as witnesses
    from services.ingest.disclosure.component import Model

    monkeypatch.setattr(witnesses, "POINTS", 1)
    model = Model({cell(f"x{j}"): j for j in range(3)}, UPPER)
    points = [np.array([k, 100 - k, k % 7], dtype=float) for k in range(100)]
    for p in points:
        model.witness(p)
    assert model.points_count == 64
    kept = {tuple(p) for p in model.points(list(range(64)), [0, 1, 2])}
    assert kept == {tuple(p) for p in points[:2] + points[38:]}
    assert model.span(cell("x0")) == (0.0, 99.0) and model.span(cell("x2")) == (0.0, 6.0)
