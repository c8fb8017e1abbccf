"""A value hidden by the greedy joins its component's model in place (Model.extend): the
LP is then the one a table built anew would solve, and every point kept is one of it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.disclosure.attack import Table, Target
from services.ingest.disclosure.component import Model
from services.ingest.disclosure.links import Coord, Relation, coord

UPPER = 1e4
N = 3


def cell(name: str) -> Coord:
    return coord("2480", "2023-10", {"group": name})


def relations() -> list[Relation]:
    """A 3 × 3 table with its row, column and grand totals."""
    x = {(i, j): cell(f"x{i}{j}") for i in range(N) for j in range(N)}
    rows = [Relation(cell(f"r{i}"), tuple(x[i, j] for j in range(N)), "row") for i in range(N)]
    cols = [Relation(cell(f"c{j}"), tuple(x[i, j] for i in range(N)), "col") for j in range(N)]
    return [*rows, *cols, Relation(cell("_T"), tuple(cell(f"r{i}") for i in range(N)), "row"),
            Relation(cell("_T"), tuple(cell(f"c{j}") for j in range(N)), "col")]


def values(inner: list[int], gap: int) -> dict[Coord, float]:
    x = {(i, j): float(inner[i * N + j]) for i in range(N) for j in range(N)}
    out = {cell(f"x{i}{j}"): v for (i, j), v in x.items()}
    out |= {cell(f"r{i}"): sum(x[i, j] for j in range(N)) for i in range(N)}
    out |= {cell(f"c{j}"): sum(x[i, j] for i in range(N)) for j in range(N)}
    out[cell("_T")] = sum(x.values()) + gap  # a reported total may disagree
    return out


def exact(table: Table, c: Coord) -> tuple[float, float]:
    return table.interval(Target(str(c), (c,), None, missing=True))


@settings(max_examples=80, deadline=None)
@given(inner=st.lists(st.integers(0, 20), min_size=N * N, max_size=N * N),
       gap=st.sampled_from([0, 0, 0, 3]),
       state=st.lists(st.sampled_from("ssshu"), min_size=N * N + 2 * N + 1,
                      max_size=N * N + 2 * N + 1),
       order=st.permutations(range(N * N + 2 * N + 1)))
def test_a_model_grown_in_place_solves_what_a_new_table_solves(
        inner: list[int], gap: int, state: list[str], order: list[int]) -> None:
    """Cells shown (s), hidden (h) or not sent (u); then every shown one hidden in turn. After
    each, every variable's range in the table kept across the hidings equals its range in a
    table built anew, and the kept points lie within it."""
    rels = relations()
    truth = values(inner, gap)
    cells = sorted(truth)
    present = {c: truth[c] for c, s in zip(cells, state, strict=True) if s != "u"}
    shown = {c: truth[c] for c, s in zip(cells, state, strict=True) if s == "s"}
    table = Table(rels, shown, present, UPPER)
    for c in cells:
        if table.variable(c):
            exact(table, c)
    for k in order:
        c = cells[k]
        if c not in table.shown:
            continue
        table.hide(c)
        shown.pop(c)
        anew = Table(rels, shown, present, UPPER)
        for v in cells:
            if not table.variable(v):
                continue
            lo, hi = exact(anew, v)
            got = exact(table, v)
            assert got == (lo, hi) or (abs(got[0] - lo) < 1e-6 and abs(got[1] - hi) < 1e-6), \
                (v, got, (lo, hi))
            model = table._models[v]
            if model.has_points and lo <= hi:
                least, most = model.span(v)
                assert lo - 1e-6 <= least and most <= hi + 1e-6, (v, (least, most), (lo, hi))
        for model in {id(m): m for m in table._models.values()}.values():
            assert_points_hold(table, model)


def assert_points_hold(table: Table, model: Model) -> None:
    """Every point kept satisfies every relation of the model's cells, published values as
    they are and cells projected out anywhere in range. (Not where the data contradicted
    each other jointly: there the relations were widened, see Model.reconcile.)"""
    if model.truth is None:
        return
    points = model.points(list(range(model.points_count)), list(range(len(model.cols))))
    for point in points:
        at = {c: point[j] for c, j in model.cols.items()}
        for i in {i for c in model.cols for i in table.rows_of[c]}:
            rel = table.relations[i]
            gap, slack = 0.0, 0.0
            for sign, c in ((1.0, rel.total), *((-1.0, p) for p in rel.parts)):
                if c in table.free:
                    slack += table.upper
                else:
                    gap += sign * (table.shown[c] if c in table.shown else at[c])
            tol = table.tolerance(i) + 1e-6
            assert -tol - slack <= gap <= tol + slack, (rel, gap, tol)


def test_a_hidden_value_joins_the_model_around_it_in_place() -> None:
    """Hiding a value whose relations reach only one model grows that model: no new build,
    and the points solved before are kept."""
    rels = relations()
    truth = values([4, 9, 7, 3, 8, 6, 5, 2, 10], 0)
    hidden = {cell("x00"), cell("x01"), cell("x10"), cell("x11")}
    shown = {c: v for c, v in truth.items() if c not in hidden}
    table = Table(rels, shown, truth, UPPER)
    exact(table, cell("x00"))
    model = table._models[cell("x00")]
    assert model.hard and model.has_points
    points = model.points_count
    table.hide(cell("x02"))  # in row 0 and column 2: both rows of the same model
    assert table._models[cell("x02")] is model and table._models[cell("x00")] is model
    assert model.points_count == points
    assert exact(table, cell("x02")) == exact(Table(rels, {
        c: v for c, v in shown.items() if c != cell("x02")}, truth, UPPER), cell("x02"))
