"""Many targets of one large component witnessed by one HiGHS run. Pure.

A target's verdict needs its interval to reach two bounds (:meth:`.attack.Protection.
sufficient`); a feasible point that takes it past one of them is a witness, and spares that
side's solve (:meth:`.attack.Table.witnessed`). The two seeds of a component witness most of
its targets; in a national table one component holds thousands of variables, each run on it
takes tens of milliseconds, and the targets left to solve one by one were most of the
audit: 1,217 runs, 94 s, for the states after the second quarter (bench/standalone.md).

Here each target still short of a bound gets a hinge column ``z >= 0`` in a row
``sum(x) - z <= bound`` (``sum(x) + z >= bound`` upwards), and one run minimises the sum of
the hinges: a target that reaches its bound stops pulling, so the others get the room. The
point is kept as a witness, and a round is run again for those it left short while a round
still witnesses a good part of what it was asked. Only points come of it: every verdict is
still the witnesses' or an exact solve's, so nothing here can make a target look safer than
the LP finds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import highspy
import numpy as np

from services.ingest.disclosure.bounds import EPS, flat
from services.ingest.disclosure.lp import dual

if TYPE_CHECKING:
    from services.ingest.disclosure.component import Model

LARGE = 200  # columns from which a component's targets are witnessed together
Want = tuple[list[int], float, float]  # a target's columns, and the bounds to reach
Ask = tuple[list[int], float, bool]  # columns, bound, and True for "down to it"


def rounds(model: Model, wants: list[Want]) -> None:
    """Witness as many of ``wants`` as a few runs can: downwards, then upwards."""
    for down in (True, False):
        before = len(wants) + 1
        # Again while a round still witnesses a good part of what it was asked: the targets
        # its point left short compete for fewer shared cells next time.
        while (asks := _asks(model, wants, down)) and len(asks) < 0.8 * before:
            run(model, asks)
            before = len(asks)


def _asks(model: Model, wants: list[Want], down: bool) -> list[Ask]:
    """The targets that ``model``'s points do not yet take past their bound on one side."""
    asks = []
    for cols, lo, hi in wants:
        seen = model.seen_cols(cols)
        if seen is None:
            return []
        if down and seen[0] > lo + EPS:
            asks.append((cols, lo, True))
        elif not down and hi > float("-inf") and seen[1] < hi - EPS:
            asks.append((cols, hi, False))
    return asks


def run(model: Model, asks: list[Ask]) -> None:
    """One run with a hinge per ask, added to the kept model and taken out again (so the
    run starts from its basis, and the model is the one it was); its point kept."""
    if not asks or not model.hard:
        return
    h, n, k = model.highs, len(model.cols), len(asks)
    m = h.getNumRow()
    h.addCols(k, np.ones(k), np.zeros(k), np.full(k, np.inf), 0,
              np.zeros(k, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
    inf = highspy.kHighsInf
    rows = [([*((j, 1.0) for j in cols), (n + i, -1.0 if down else 1.0)],
             -inf if down else bound, bound if down else inf)
            for i, (cols, bound, down) in enumerate(asks)]
    index, value, sizes, lower, upper = flat(rows)
    h.addRows(k, lower, upper, len(index), (np.cumsum(sizes) - sizes).astype(np.int32),
              index, value)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    with dual(h):  # rows added to a solved model: its basis stays dual feasible
        h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        model.witness(np.asarray(h.getSolution().col_value)[:n])
    h.deleteRows(k, np.arange(m, m + k, dtype=np.int32))
    h.deleteCols(k, np.arange(n, n + k, dtype=np.int32))
