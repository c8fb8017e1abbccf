"""Many components in one HiGHS run. Pure.

The components of a linked table (:class:`~.component.Model`) share no variable, so in the
block-diagonal LP of several of them an objective that is a sum of one objective per
component is optimal exactly where each component's part is optimal for its own: one run
answers one question per component. A HiGHS run on a model of ten columns is mostly fixed
cost (bench/standalone.md: ~100 µs for two or three simplex iterations), so one run over
some hundred components costs about what a few of them cost alone. Used to seed a batch's
components, and to look for one point per component that takes as many of its targets as
far as their verdicts need (:func:`reach_together`); the verdicts are then taken one target
at a time (:meth:`~.attack.Table.interval`), and only those no point witnesses are solved.

(Solving ahead, a round at a time, the sides of the targets the seeds do not witness, one
per component in each run, was tried: it halved the solves made one at a time for cells not
sent, and the batch took as long as before, bench/standalone.md.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import highspy
import numpy as np

from services.ingest.disclosure.bounds import Row
from services.ingest.disclosure.component import Model, highs_model, opposite


def _block(models: Sequence[Model]) -> tuple[Any, np.ndarray]:
    """The block-diagonal model of ``models``, and where each one's columns start."""
    rows, lo, hi, start = _stacked(models)
    return highs_model(lo, hi, rows), start


def _stacked(models: Sequence[Model]) -> tuple[list[Row], list[float], list[float], np.ndarray]:
    """The rows and column bounds of ``models`` side by side, and where each one's columns
    start."""
    start = np.cumsum([0] + [len(m.cols) for m in models])
    rows = [([(j + off, a) for j, a in entries], lower, upper)
            for m, off in zip(models, start, strict=False) for entries, lower, upper in m.rows]
    return rows, [x for m in models for x in m.lo], [x for m in models for x in m.hi], start


def _optimal(h: Any) -> np.ndarray | None:
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)


def seed_together(models: list[Model]) -> None:
    """Seed many components (:meth:`Model.seed`): two runs instead of two each. A component
    that turns out contradictory leaves the block without a solution: the block is then
    halved until it is found, and seeded alone (which reconciles or reports it)."""
    if len(models) < 4:
        for m in models:
            m.seed()
        return
    h, start = _block(models)
    n = int(start[-1])
    cost = np.ones(n)
    points: list[np.ndarray] = []
    for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
        if points:  # the second seed: see component.opposite
            cost = opposite(points[0], np.array([x for m in models for x in m.lo]))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        h.changeObjectiveSense(sense)
        x = _optimal(h)
        if x is None:
            half = len(models) // 2
            seed_together(models[:half])
            seed_together(models[half:])
            return
        points.append(x)
    for k, m in enumerate(models):
        for x in points:
            m.witness(x[start[k]:start[k + 1]])


# A side of a target's verdict: the component's columns it sums, and how far the sum must
# reach (down to at most ``bound``, or up to at least it).
Need = tuple[list[int], float]


def reach_together(wants: Sequence[tuple[Model, list[Need], list[Need]]]) -> None:
    """One more point per component, found for many components in one run: the one that
    takes the targets' sums as far towards what their verdicts need as they can go together
    (``wants``: a model, the sums that must reach down, those that must reach up).

    The seeds push every variable one way at once, which witnesses most targets but not the
    ones that pull against each other (a total not sent over parts not sent, each part with
    its own floor); each of those cost a HiGHS run of its own (bench/standalone.md). Here a
    sum that must reach up to ``b`` gets a column ``t <= sum, t <= b``, one that must reach
    down to ``b`` a column ``s >= sum - b, s >= 0``, and the run maximises ``Σt - Σs``:
    every target whose need can be met alongside the others is met in the one point. The
    point is feasible for each component (its rows are kept as they are), so it is only a
    witness: a target it does not take far enough is still solved on its own."""
    wants = [w for w in wants if w[1] or w[2]]
    if not wants:
        return
    h, start = _reaching(wants)
    x = _optimal(h)
    if x is None:  # a contradictory component: its targets are solved one at a time
        if len(wants) > 1:
            half = len(wants) // 2
            reach_together(wants[:half])
            reach_together(wants[half:])
        return
    for k, (m, _, _) in enumerate(wants):
        m.witness(x[start[k]:start[k + 1]])


def _reaching(wants: Sequence[tuple[Model, list[Need], list[Need]]]
              ) -> tuple[Any, np.ndarray]:
    """The block model of :func:`reach_together` (the components' columns first, then one
    column per need), and where each component's columns start."""
    rows, lo, hi, start = _stacked([m for m, _, _ in wants])
    cost = [0.0] * len(lo)
    inf = float("inf")
    for (_, down, up), off in zip(wants, start, strict=False):
        # s - sum >= -bound, s >= 0, minimised; then sum - t >= 0, t <= bound, maximised
        for cols, bound, sign, low, high in [*((c, b, 1.0, 0.0, inf) for c, b in down),
                                             *((c, b, -1.0, -inf, b) for c, b in up)]:
            rows.append(([(len(lo), sign), *((j + off, -sign) for j in cols)],
                         -bound if sign > 0 else 0.0, inf))
            lo.append(low)
            hi.append(high)
            cost.append(sign)
    h = highs_model(lo, hi, rows)
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.asarray(cost))
    return h, start
