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
from services.ingest.disclosure.lp import highs_model, opposite


def _block(models: Sequence[Model]) -> tuple[Any, np.ndarray]:
    """The block-diagonal model of ``models``, and where each one's columns start."""
    start = np.cumsum([0] + [len(m.cols) for m in models])
    rows = [([(j + off, a) for j, a in entries], lower, upper)
            for m, off in zip(models, start, strict=False) for entries, lower, upper in m.rows]
    h = highs_model([x for m in models for x in m.lo], [x for m in models for x in m.hi], rows)
    return h, start


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
        if points:  # the second seed: see lp.opposite
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
