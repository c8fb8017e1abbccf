"""Witnesses by shift patterns: new feasible points of a component without an LP. Pure.

A target's verdict needs its interval to reach two bounds (:meth:`.attack.Protection.
sufficient`), and a feasible point past a bound is a witness for that side. After the greedy
holds back a value beside a pinned small cell (a municipality's 3 born in Sweden, then
Europe's 40 beside it, the total and the third group published), every point solved so far
still has the cell at 3: each side took an LP run (two per primary cell, a third of a
batch's runs). Yet moving the cell up by δ and Europe down by δ, and one duration of each
the same way (neither sent), keeps every relation as it was: a *shift pattern*.

:func:`shift` looks for one by a depth-first search from the target's variable: each row
it unbalances is balanced by another of its variables moved the other way, one with room to
move at the point. The pattern is followed as far as the point's room allows, and the new
point is kept only if it satisfies every bound and row (:meth:`.component.Model.adopt`): a
search that went wrong yields no point, never a false one. Only points come of it; every
verdict is still a witness's or an exact solve's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from services.ingest.disclosure.bounds import EPS

if TYPE_CHECKING:
    from services.ingest.disclosure.component import Model

SMALL = 64  # columns up to which a component is searched (a national one is LP work)
STEPS = 64  # variables tried per search at most
TRIES = 3  # shifts per side, each from the point the last one reached


def stretch(model: Model, cols: list[int], reach: tuple[float, float]) -> None:
    """Add points taking the sum of variables ``cols`` down to ``reach[0]`` and up to
    ``reach[1]`` where shift patterns from the points kept so far can. The other columns of
    the sum are never moved to balance a row (the sum would not move)."""
    if not model.hard or not model.has_points or len(model.cols) > SMALL:
        return
    index, keep = model.by_col, set(cols)
    for sign, past in ((-1.0, lambda v: v <= reach[0] + EPS),
                       (1.0, lambda v: v >= reach[1] - EPS)):
        for _ in range(TRIES):
            seen = model.seen_cols(cols)
            if seen is None or past(seen[0] if sign < 0 else seen[1]):
                break
            x = model.extreme(cols, high=sign > 0)
            moved = next((m for j in cols
                          if (m := shift(model, index, x, j, sign, keep)) is not None),
                         None)
            if moved is None or not model.adopt(moved[None, :]):
                break


def shift(model: Model, index: dict[int, list[tuple[int, float]]], x: np.ndarray, j: int,
          sign: float, keep: set[int]) -> np.ndarray | None:
    """``x`` moved along a shift pattern that moves variable ``j`` in direction ``sign``
    and none of ``keep`` but ``j``, as far as the bounds allow; None if none is found (or
    it cannot move at all)."""
    lo, hi = model.lo, model.hi
    at = x.tolist()  # as Python floats: read per variable tried, the same numbers
    d: dict[int, float] = {}
    imbalance: dict[int, float] = {}  # each touched row's, kept as variables are moved

    def move(k: int, step: float) -> None:
        d[k] = d.get(k, 0.0) + step
        if not d[k]:
            del d[k]
        for r, a in index.get(k, ()):
            imbalance[r] = imbalance.get(r, 0.0) + a * step

    def room(k: int, step: float) -> bool:
        return hi[k] - at[k] > EPS if step > 0 else at[k] - lo[k] > EPS

    budget = [STEPS]

    def search() -> bool:
        r, b = next(((r, b) for r, b in imbalance.items() if abs(b) > EPS), (-1, 0.0))
        if r < 0:
            return True
        for k, a in model.rows[r][0]:
            if k in d or k in keep or budget[0] <= 0:
                continue
            step = -b / a
            if not room(k, step):
                continue
            budget[0] -= 1
            move(k, step)
            if search():
                return True
            move(k, -step)
        return False

    if not room(j, sign):
        return None
    move(j, sign)
    if not search():
        return None
    delta = min((hi[k] - at[k]) / v if v > 0 else (at[k] - lo[k]) / -v for k, v in d.items())
    out = np.array(x, dtype=float)
    for k, v in d.items():
        out[k] += delta * v
    return out
