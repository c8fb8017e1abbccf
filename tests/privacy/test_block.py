"""Seeding many components in one block (:mod:`services.ingest.disclosure.block`): a
component that contradicts itself is found by the Farkas certificate, not by halving."""

from __future__ import annotations

import pytest

from services.ingest.disclosure import block
from services.ingest.disclosure.attack import Table, Target
from services.ingest.disclosure.links import Coord, Relation, coord

UPPER = 1e5


def square(k: int, cols: tuple[float, float]) -> tuple[list[Relation], dict[Coord, float],
                                                      Coord]:
    """Four cells not sent under published row totals 10 and 5 and column totals ``cols``:
    each relation holds on its own, and all of them only if the columns add up to 15 (as a
    month's total that disagrees with its parts leaves its breakdowns not sent)."""
    def cell(name: str) -> Coord:
        return coord(f"{k:04d}", "2023-10", {"group": name})

    x = {(i, j): cell(f"x{i}{j}") for i in (1, 2) for j in (1, 2)}
    r1, r2, c1, c2 = (cell(n) for n in ("r1", "r2", "c1", "c2"))
    rels = [Relation(r1, (x[1, 1], x[1, 2]), "row"), Relation(r2, (x[2, 1], x[2, 2]), "row"),
            Relation(c1, (x[1, 1], x[2, 1]), "col"), Relation(c2, (x[1, 2], x[2, 2]), "col")]
    return rels, {r1: 10.0, r2: 5.0, c1: cols[0], c2: cols[1]}, x[1, 1]


def tables(bad: set[int], n: int = 40) -> tuple[list[Relation], dict[Coord, float],
                                                 list[Coord]]:
    rels, shown, cells = [], {}, []
    for k in range(n):
        r, s, c = square(k, (12.0, 8.0) if k in bad else (9.0, 6.0))
        rels += r
        shown |= s
        cells.append(c)
    return rels, shown, cells


@pytest.mark.parametrize("bad", [set(), {0}, {7, 23}, {1, 2, 3, 39}, set(range(40))])
def test_contradictory_components_are_seeded_alone_and_the_rest_together(
        bad: set[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every component gets its points, the verdicts are those of components seeded one by
    one, and contradictory ones, a few or all, cost no block more (found in one run, their
    rows freed in the block), not a halving down to each."""
    rels, shown, cells = tables(bad)
    targets = [Target(f"x {c}", (c,), None, missing=True) for c in cells]
    built = []
    real = block._block
    monkeypatch.setattr(block, "_block", lambda models: built.append(len(models)) or
                        real(models))
    table = Table(rels, shown, dict(shown), UPPER)
    table.prepare(targets)
    assert all(table._models[c].has_points for c in cells)
    assert len(built) == 1
    alone = Table(rels, shown, dict(shown), UPPER)
    for t in targets:
        assert table.interval(t) == pytest.approx(alone.interval(t))


def durations(k: int) -> tuple[list[Relation], dict[Coord, float], list[Coord]]:
    """A month of one municipality (bench/privacy.py): three birth regions and their total
    published, each over a long and a short duration not sent."""
    def cell(region: str, duration: str) -> Coord:
        return coord(f"{k:04d}", "2023-10", {"birth_region": region, "duration": duration})

    regions, total = ("sweden", "europe", "outside"), "_T"
    rels = [Relation(cell(r, "_T"), (cell(r, "long"), cell(r, "short")), "duration")
            for r in (*regions, total)]
    rels += [Relation(cell(total, d), tuple(cell(r, d) for r in regions), "birth_region")
             for d in ("long", "short")]
    shown = {cell("sweden", "_T"): 150.0, cell("europe", "_T"): 107.0,
             cell("outside", "_T"): 125.0, cell(total, "_T"): 382.0}
    return rels, shown, [cell(total, "long"), cell(total, "short")]


def test_the_seeds_take_totals_whose_sum_is_fixed_each_to_zero(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The long and the short duration of a published total, neither sent: each can be 0
    (every region's long duration at 0 at once). The seeds show it for both, so neither
    needs a solve of its own (with every cell weighing the same in the first seed, its
    vertex was arbitrary, and most such totals did)."""
    from services.ingest.disclosure.component import Model

    rels, shown, totals = [], {}, []
    for k in range(8):
        r, s, t = durations(k)
        rels += r
        shown |= s
        totals += t
    targets = [Target(f"missing {c}", (c,), None, missing=True) for c in totals]
    table = Table(rels, shown, dict(shown), UPPER, keep=set(totals))
    table.prepare(targets)
    solved: list[object] = []
    real = Model.solve
    monkeypatch.setattr(Model, "solve", lambda self, *a, **k: solved.append(a) or
                        real(self, *a, **k))
    for t in targets:
        assert table.witnessed(t, (0.0, 100.0))
    assert solved == []
