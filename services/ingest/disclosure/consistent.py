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

from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.lp import highs_model
from services.ingest.disclosure.rows import gap, signed
from services.ingest.disclosure.targets import CellState

BIG = 1e12  # no bound on a value samstat does not hold


def consistent(relations: Sequence[Relation], states: Mapping[Coord, CellState],
               start: Iterable[Coord]) -> bool:
    """Whether the relations reachable from ``start`` through cells of unknown value (not in
    ``states``, or without a truth there) hold with every known value at its truth and some
    value of at least 0 for each unknown. Each relation keeps the slack its known values
    need on their own (a reported total that disagrees with its parts), as the attack
    widens it."""
    rows_of: dict[Coord, list[int]] = {}
    for i, r in enumerate(relations):
        for c in r.cells:
            rows_of.setdefault(c, []).append(i)
    cols: dict[Coord, int] = {}
    todo = [c for c in start if _truth(states, c) is None]
    picked: set[int] = set()
    while todo:
        for i in rows_of.get(todo.pop(), ()):
            if i not in picked:
                picked.add(i)
                for x in relations[i].cells:
                    if _truth(states, x) is None and x not in cols:
                        cols[x] = len(cols)
                        todo.append(x)
    if not cols:
        return True
    rows = [_row(relations[i], states, cols) for i in sorted(picked)]
    h = highs_model([0.0] * len(cols), [BIG] * len(cols), rows, primal=False)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def _truth(states: Mapping[Coord, CellState], c: Coord) -> float | None:
    s = states.get(c)
    return None if s is None else s.truth


def _row(r: Relation, states: Mapping[Coord, CellState], cols: Mapping[Coord, int]
         ) -> tuple[list[tuple[int, float]], float, float]:
    """``sum(sign * unknown) = -sum(sign * known)``, with the relation's own slack."""
    entries: list[tuple[int, float]] = []
    known = 0.0
    for sign, c in signed(r):
        v = _truth(states, c)
        if v is None:
            entries.append((cols[c], sign))
        else:
            known += sign * v
    slack = gap(r, lambda c: _truth(states, c), BIG) + 1e-6 * (1 + abs(known))
    return entries, -known - slack, -known + slack
