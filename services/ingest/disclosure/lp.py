"""The HiGHS side of a component (:mod:`.component`): its model as HiGHS takes it, and the
objective of a component's second seed. Pure."""

from __future__ import annotations

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


def highs_model(lo: list[float], hi: list[float],
           rows: list[tuple[list[tuple[int, float]], float, float]],
           primal: bool = True) -> Any:
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
    # reductions on every run instead of starting from the last basis.
    h.setOptionValue("presolve", "off")
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
