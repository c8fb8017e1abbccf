"""Whether relations admit the values samstat holds: a feasibility LP. Pure.

Used before the attack rests on an inference (:func:`.history.assumed`: cells never sent
taken for unchanged at an earlier moment). If the true values of every cell samstat holds,
with some value for each cell it does not, satisfy the relations so named, the attack's
intervals hold the truth and nothing false is pinned; if not, the inference is wrong
somewhere, and the attack must not rest on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import highspy

from services.ingest.disclosure.component import signed
from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.lp import highs_model

BIG = 1e12  # no bound on a value samstat does not hold


def consistent(relations: Sequence[Relation], truth: Mapping[Coord, float | None],
               start: Iterable[Coord]) -> bool:
    """Whether the relations reachable from ``start`` through cells of unknown value (not in
    ``truth``, or None there) hold with every known value at its truth and some value of at
    least 0 for each unknown. Each relation keeps the slack its known values need on their
    own (a reported total that disagrees with its parts), as the attack widens it."""
    rows_of: dict[Coord, list[int]] = {}
    for i, r in enumerate(relations):
        for c in r.cells:
            rows_of.setdefault(c, []).append(i)
    cols: dict[Coord, int] = {}
    todo = [c for c in start if truth.get(c) is None]
    picked: set[int] = set()
    while todo:
        for i in rows_of.get(todo.pop(), ()):
            if i not in picked:
                picked.add(i)
                for x in relations[i].cells:
                    if truth.get(x) is None and x not in cols:
                        cols[x] = len(cols)
                        todo.append(x)
    if not cols:
        return True
    rows = [_row(relations[i], truth, cols) for i in sorted(picked)]
    h = highs_model([0.0] * len(cols), [BIG] * len(cols), rows, primal=False)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def _row(r: Relation, truth: Mapping[Coord, float | None], cols: Mapping[Coord, int]
         ) -> tuple[list[tuple[int, float]], float, float]:
    """``sum(sign * unknown) = -sum(sign * known)``, with the relation's own slack."""
    entries: list[tuple[int, float]] = []
    known = lo = hi = 0.0
    for sign, c in signed(r):
        v = truth.get(c)
        if v is None:
            entries.append((cols[c], sign))
            lo, hi = (lo - BIG, hi) if sign < 0 else (lo, hi + BIG)
        else:
            known += sign * v
    lo, hi = lo + known, hi + known
    gap = (lo if lo > 0 else (-hi if hi < 0 else 0.0)) + 1e-6 * (1 + abs(known))
    return entries, -known - gap, -known + gap
