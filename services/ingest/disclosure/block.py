"""Many components in one HiGHS run. Pure.

The components of a linked table (:class:`~.component.Model`) share no variable, so in the
block-diagonal LP of several of them an objective that is a sum of one objective per
component is optimal exactly where each component's part is optimal for its own: one run
answers one question per component. A HiGHS run on a model of ten columns is mostly fixed
cost (bench/standalone.md: ~100 µs for two or three simplex iterations), so one run over
some hundred components costs about what a few of them cost alone. Used to seed a batch's
components; the verdicts are taken one target at a time (:meth:`~.attack.Table.interval`).

(Solving ahead, a round at a time, the sides of the targets the seeds do not witness, one
per component in each run, was tried: it halved the solves made one at a time for cells not
sent, and the batch took as long as before; so did one run per batch looking for a point
per component that takes all its targets as far as their verdicts need at once:
bench/standalone.md.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import highspy
import numpy as np

from services.ingest.disclosure.component import Model
from services.ingest.disclosure.lp import dual, highs_model, leaning, opposite, presolves


def _block(models: Sequence[Model]) -> tuple[Any, np.ndarray]:
    """The block-diagonal model of ``models``, and where each one's columns start."""
    start = np.cumsum([0] + [len(m.cols) for m in models])
    # Python ints: a numpy one added to each entry's column cost more than the rest here.
    rows = [([(j + off, a) for j, a in entries], lower, upper)
            for m, off in zip(models, start.tolist(), strict=False)
            for entries, lower, upper in m.rows]
    # Not presolved, however many columns: a block is many small components, seeded as
    # they were before large ones were presolved (their points, and so the greedy's path
    # through a batch, stay what they were).
    h = highs_model([x for m in models for x in m.lo], [x for m in models for x in m.hi], rows,
                    presolve=False)
    return h, start


def _optimal(h: Any) -> np.ndarray | None:
    with dual(h):  # a block is solved from no basis: see lp.dual
        h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)


def _contradictory(h: Any, first: np.ndarray, n: int) -> set[int]:
    """After the block (``n`` columns; ``first``: where each component's rows start) found
    no point: every component that contradicts itself, in one run. Two slack columns per
    row, each costing 1 (the variables nothing), and the run minimises the rows'
    violation. That is a sum of one part per component, each minimised on its own at an
    optimum: a consistent component's part is 0 there, a contradictory one's is not. The
    slacks are taken out again (the caller sets its objective back). Empty where even that
    finds no optimum (a variable's own bounds crossing)."""
    m = h.getNumRow()
    k = 2 * m
    h.addCols(k, np.ones(k), np.zeros(k), np.full(k, highspy.kHighsInf), k,
              np.arange(k, dtype=np.int32), np.repeat(np.arange(m, dtype=np.int32), 2),
              np.tile([1.0, -1.0], m))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    x = _optimal(h)
    h.deleteCols(k, np.arange(n, n + k, dtype=np.int32))
    if x is None:
        return set()
    slack = x[n:].reshape(m, 2).sum(axis=1)
    rows = np.flatnonzero(slack > 1e-7)
    return {int(c) for c in np.searchsorted(first, rows, side="right") - 1}


def seed_together(models: list[Model]) -> None:
    """Seed many components (:meth:`Model.seed`): two runs instead of two each.

    A component that turns out contradictory leaves the block without a solution. One in
    fifty of a month's municipalities has a total that disagrees with its parts
    (bench/privacy.py): its duration breakdowns, not sent, cannot add up both ways; a
    correction batch's snapshots have dozens. They are found all at once
    (:func:`_contradictory`), set apart, seeded alone (which reconciles or reports them),
    and their rows freed in the block, which runs again from its basis; halving it blindly
    cost about fourteen blocks per such component (~25 ms of a 500-observation batch).
    Halved as before where none is found.

    A component of :data:`~.lp.PRESOLVED` columns or more (a national table's, joined by a
    half-year) is seeded alone, presolved: in a block it went unpresolved, a fifth of a
    national month's batch."""
    for m in models:
        if presolves(len(m.cols)):
            m.seed()
    models = [m for m in models if not presolves(len(m.cols))]
    if len(models) < 4:
        for m in models:
            m.seed()
        return
    h, start = _block(models)
    first = np.cumsum([0] + [len(m.rows) for m in models])
    n = int(start[-1])
    cost = np.concatenate([leaning(len(m.cols), m.rows) for m in models])
    points: list[np.ndarray] = []
    apart: set[int] = set()
    for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
        if points:  # the second seed: see lp.opposite
            cost = opposite(points[0], np.array([x for m in models for x in m.lo]))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        h.changeObjectiveSense(sense)
        while (x := _optimal(h)) is None:
            named = _contradictory(h, first, n) - apart
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            h.changeObjectiveSense(sense)
            if not named:
                rest = [m for k, m in enumerate(models) if k not in apart]
                half = len(rest) // 2
                seed_together(rest[:half])
                seed_together(rest[half:])
                points = []
                break
            apart |= named
            if len(apart) == len(models):  # each is seeded alone below
                points = []
                break
            _free(h, [r for k in named for r in range(first[k], first[k + 1])])
        else:
            points.append(x)
            continue
        break
    for k, m in enumerate(models):
        if k in apart:
            m.seed()
            continue
        for x in points:
            m.witness(x[start[k]:start[k + 1]])


def _free(h: Any, rows: list[int]) -> None:
    """Take ``rows`` out of the block's constraints (the components set apart: their
    columns stay, bounded, and their values in its points are never read)."""
    inf = np.full(len(rows), highspy.kHighsInf)
    h.changeRowsBounds(len(rows), np.array(rows, dtype=np.int32), -inf, inf)
