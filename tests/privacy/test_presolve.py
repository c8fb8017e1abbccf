"""A national component is presolved (lp.PRESOLVED): its intervals are the ones the same
model gives without presolve, on both sides, run after run with a new objective."""

from __future__ import annotations

import random

import highspy
import numpy as np
import pytest

from services.ingest.disclosure.lp import PRESOLVED, highs_model

Row = tuple[list[tuple[int, float]], float, float]


def _table(rng: random.Random, groups: int, size: int) -> tuple[list[float], list[Row]]:
    """Totals over parts, as a linked table's relations are: each group's parts sum to its
    total, and the totals to a grand total; some cells published (fixed), some not."""
    n = groups * (size + 1) + 1
    truth = [0.0] * n
    rows: list[Row] = []
    for g in range(groups):
        base = g * (size + 1)
        parts = [base + 1 + k for k in range(size)]
        for p in parts:
            truth[p] = float(rng.choice((0, 1, 2, 3, 7, 20, 150)))
        truth[base] = sum(truth[p] for p in parts)
        rows.append(([(base, 1.0), *((p, -1.0) for p in parts)], 0.0, 0.0))
    totals = [g * (size + 1) for g in range(groups)]
    truth[-1] = sum(truth[t] for t in totals)
    rows.append(([(n - 1, 1.0), *((t, -1.0) for t in totals)], 0.0, 0.0))
    return truth, rows


def _solve(h: object, n: int, cols: list[int], sense: object) -> float:
    cost = np.zeros(n)
    cost[cols] = 1.0
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)  # type: ignore[attr-defined]
    h.changeObjectiveSense(sense)  # type: ignore[attr-defined]
    h.run()  # type: ignore[attr-defined]
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal  # type: ignore[attr-defined]
    return float(h.getInfo().objective_function_value)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_presolved_component_gives_the_intervals_of_one_not_presolved(seed: int) -> None:
    rng = random.Random(seed)
    truth, rows = _table(rng, groups=130, size=8)
    n = len(truth)
    assert n >= PRESOLVED  # the default presolves it
    # Published: every other cell; hidden ones are variables in [0, 10^6].
    lo = [v if rng.random() < 0.5 else 0.0 for v in truth]
    hi = [v if lo[j] == v and v > 0 else 1e6 for j, v in enumerate(truth)]
    lo = [truth[j] if hi[j] == truth[j] else 0.0 for j in range(n)]
    on, off = highs_model(lo, hi, rows), highs_model(lo, hi, rows, presolve=False)
    assert on.getOptionValue("presolve")[1] == "on" and off.getOptionValue("presolve")[1] == "off"
    targets = [[j] for j in rng.sample(range(n), 25)] + \
              [rng.sample(range(n), 3) for _ in range(10)]
    for cols in targets:
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            assert _solve(on, n, cols, sense) == pytest.approx(
                _solve(off, n, cols, sense), abs=1e-6)
    # The truth lies in every interval: the model is the table's.
    assert all(_solve(on, n, [j], highspy.ObjSense.kMinimize) <= truth[j] + 1e-6 for j in
               rng.sample(range(n), 10))


def test_a_small_component_is_not_presolved() -> None:
    """Solved thousands of times a batch from its last basis: presolve would redo its
    reductions on each run."""
    _, rows = _table(random.Random(3), groups=2, size=3)
    h = highs_model([0.0] * 9, [1e6] * 9, rows)
    assert h.getOptionValue("presolve")[1] == "off"
