"""The HiGHS side of a component (:mod:`.component`): its model as HiGHS takes it, and the
objective of a component's second seed. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import highspy
import numpy as np

from services.ingest.disclosure.bounds import EPS, flat


def opposite(point: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """An objective to maximise for a second seed: +1 on the variables at their floor in
    ``point``, -1 on the others. Not the greatest sum of all: where the rows fix sums (a
    published total over parts not sent), that is the same point again, and each part would
    need a solve for its top; this one takes the parts low in the first point high, and the
    high ones low, as far as they can go at once."""
    return np.where(point <= lo + EPS, 1.0, -1.0)


def leaning(n: int, rows: list[tuple[list[tuple[int, float]], float, float]]) -> np.ndarray:
    """An objective to minimise for a first seed: every variable's sum, with each total of
    a row (its +1 entry) weighing a little more, and one total more than the next. A
    total's parts then go low together where they can, so the seed (and the second one,
    :func:`opposite`, its mirror) takes totals whose sum is fixed (a month's long and short
    durations, not sent, under a published total) each down to its least: with every
    weight 1 the seed's vertex was arbitrary among many, and each such total needed a
    solve of its own to show it could be 0. Points only: any objective gives true ones."""
    cost = np.ones(n)
    for entries, _, _ in rows:
        for j, a in entries:
            if a > 0:
                cost[j] += 1.0 + j / (n + 1)
    return cost


PRESOLVED = 1000  # columns from which HiGHS presolves every run (see highs_model)


def presolves(columns: int) -> bool:
    """Whether a component of ``columns`` is presolved on every run (see highs_model)."""
    return columns >= PRESOLVED


def highs_model(lo: list[float], hi: list[float],
           rows: list[tuple[list[tuple[int, float]], float, float]],
           primal: bool = True, presolve: bool | None = None) -> Any:
    """``presolve``: whether HiGHS presolves each run; by default on a component of
    :data:`PRESOLVED` columns or more."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(lo), len(rows)
    lp.col_cost_ = np.zeros(len(lo))
    lp.col_lower_, lp.col_upper_ = np.array(lo), np.array(hi)
    index, value, sizes, lp.row_lower_, lp.row_upper_ = flat(rows)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    lp.a_matrix_.index_, lp.a_matrix_.value_ = index, value
    # The bound core class, not highspy.Highs: that wrapper only adds Python callbacks, which
    # the attack does not use, and setting them up prints HiGHS's banner to stdout once per
    # process, in the middle of a service's log.
    h = highspy._Highs()  # type: ignore[attr-defined]
    h.setOptionValue("output_flag", False)
    # The model is kept and re-solved with a new objective only: presolve would redo its
    # reductions on every run instead of starting from the last basis. Not on a national
    # component (PRESOLVED columns and more): there a run from the last basis still took
    # seconds, and presolve's reductions (fixed columns, singleton rows, the published
    # totals' doubletons) cut a half-year's first run from 27.7 to 3.3 s (bench/findings.md).
    if presolve is None:
        presolve = presolves(len(lo))
    h.setOptionValue("presolve", "on" if presolve else "off")
    # One thread: these models have about ten columns, and handing each run to HiGHS's task
    # scheduler cost ~80 of its ~120 µs (bench/standalone.md); callers solve thousands.
    h.setOptionValue("threads", 1)
    # Primal simplex: a model is solved again and again with a new objective only (or a
    # column more, Model.extend), and the last basis stays primal feasible, where the dual
    # simplex (HiGHS's default) starts over. The audit of a national quarter: 120 -> 41 s.
    # Not for reconcile()'s elastic LP: solved once, and its optimum (which relations give
    # way) is not unique, so it keeps the solver it had.
    h.setOptionValue("simplex_strategy", 4 if primal else 1)
    h.passModel(lp)
    return h


@contextmanager
def dual(h: Any) -> Iterator[Any]:
    """The dual simplex for the runs inside, then the primal again (see highs_model()): for
    a run from no basis (a component's first), or after rows are added to a solved model
    (:func:`~.cover.run`): the last basis stays dual feasible, and the primal
    simplex would start its phase 1 over. On a national quarter's component (9,235
    columns) the first run took 6.2 s with the primal simplex and 0.9 s with the dual."""
    # A presolved (national) component: the interior point method instead, which starts
    # from nothing anyway; a cover round on a half-year's component (21,544 columns and
    # 3,000 hinges) took 3.2 s from its basis, 1.8 s by IPM (its crossover leaves a basis
    # for the runs after it, and a vertex as the witness, as the simplex would).
    ipm = h.getOptionValue("presolve")[1] == "on"
    h.setOptionValue("simplex_strategy", 1)
    if ipm:
        h.setOptionValue("solver", "ipm")
    try:
        yield h
    finally:
        h.setOptionValue("simplex_strategy", 4)
        if ipm:
            h.setOptionValue("solver", "choose")
