"""Bounds on a component's variables without a solver: the closed form of a component with
one relation, and bound propagation through several. Pure; every ``a_j`` is ±1 and each row
is ``lower <= sum(a_j x_j) <= upper`` as in :class:`~.component.Model`."""

from __future__ import annotations

import math

import numpy as np

EPS = 1e-6
EMPTY = (float("inf"), float("-inf"))  # the published data contradict each other

Row = tuple[list[tuple[int, float]], float, float]


def reach(entries: list[tuple[int, float]], lo: list[float],
          hi: list[float]) -> tuple[float, float]:
    """The least and the most ``sum(a_j x_j)`` over ``entries`` can be within the bounds."""
    return (sum(min(a * lo[j], a * hi[j]) for j, a in entries),
            sum(max(a * lo[j], a * hi[j]) for j, a in entries))


def one_row(row: Row, lo: list[float],
             hi: list[float], mine: set[int]) -> tuple[float, float]:
    """Min and max of ``sum(x[j] for j in mine)`` subject to ``lower <= sum(a_j x_j) <=
    upper`` (every ``a_j`` is ±1) and ``lo <= x <= hi``: exact, as an LP with one constraint
    is solved greedily. Start each target variable at its best bound; the others move at no
    cost, so only what they cannot absorb is taken from the target variables."""
    entries, lower, upper = row
    others = [(j, a) for j, a in entries if j not in mine]
    free_lo, free_hi = reach(others, lo, hi)
    span = {s: sum(hi[j] - lo[j] for j, a in entries if j in mine and a == s) for s in (1, -1)}
    base_lo = sum(lo[j] for j in mine)
    base_hi = sum(hi[j] for j in mine)
    out = []
    for at_hi, value in ((False, base_lo), (True, base_hi)):
        s = sum(a * (hi[j] if at_hi else lo[j]) for j, a in entries if j in mine)
        short = lower - (s + free_hi)  # the sum must rise by this much
        over = (s + free_lo) - upper  # or fall by this much
        # Rising: from the minimum, raise +1 variables; from the maximum, lower -1 ones.
        rise = 1 if not at_hi else -1
        need, sign = (short, rise) if short > 0 else (over, -rise)
        if need > 0:
            if need > span[sign] + EPS:
                return EMPTY
            value += need if not at_hi else -need
        out.append(value)
    return out[0], out[1]


def sum_box(lo: list[float], hi: list[float], rows: list[Row], cols: list[int]
            ) -> tuple[float, float]:
    """Bounds on the sum of ``cols``: from their own bounds, and from each of ``rows``
    that holds all of them with one sign (what the row's other variables leave them: the
    parts of a hidden total pinned as it is). Both hold the LP's range over ``rows``."""
    low, high = sum(lo[j] for j in cols), sum(hi[j] for j in cols)
    mine = set(cols)
    for entries, lower, upper in rows:
        signs = [a for j, a in entries if j in mine]
        if len(signs) != len(mine) or min(signs) != max(signs):
            continue
        least, most = reach([(j, a) for j, a in entries if j not in mine], lo, hi)
        a, b = lower - most, upper - least  # signs[0] * (the sum) lies within
        low, high = (max(low, a), min(high, b)) if signs[0] > 0 else \
            (max(low, -b), min(high, -a))
    return low, high


def flat(rows: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                     np.ndarray]:
    """The rows as arrays, row after row: each entry's column and coefficient, each row's
    number of entries, lower and upper bound."""
    return (np.array([j for r in rows for j, _ in r[0]], dtype=np.int32),
            np.array([a for r in rows for _, a in r[0]], dtype=float),
            np.array([len(r[0]) for r in rows], dtype=np.int32),
            np.array([r[1] for r in rows], dtype=float),
            np.array([r[2] for r in rows], dtype=float))


def propagate(lo: list[float], hi: list[float],
              rows: list[Row], arrays: tuple[np.ndarray, ...] | None = None,
              rounds: int = 60) -> tuple[list[float], list[float]] | None:
    """Lower and upper bounds on each variable that the rows imply together
    (feasibility-based bound tightening, as an LP presolve does): each row bounds each of its
    variables by what the others can reach, and tightened bounds feed the next round. Every
    bound is implied by the constraints, so a lower one never exceeds the LP's minimum and an
    upper one is never below its maximum. Bounds that cross (the rows contradict each other,
    see reconcile()) prove nothing: None then.

    All rows at once per round, in numpy: a national table's component has some two thousand
    variables, and the greedy builds it again after every value it hides (in Python, one
    propagation there took as long as the HiGHS runs of the whole batch). ``arrays``: the
    rows' :func:`flat`, where kept. Up to :data:`FEW` entries in plain Python
    (:func:`_few`), the same arithmetic in the same order."""
    if rows and sum(len(r[0]) for r in rows) <= FEW and all(map(math.isfinite, (
            *lo, *hi, *(r[1] for r in rows), *(r[2] for r in rows)))):
        return _few([float(x) for x in lo], [float(x) for x in hi], rows, rounds)
    low, high = np.array(lo, dtype=float), np.array(hi, dtype=float)
    if np.any(low > high + EPS):
        return None
    if not rows:
        return list(lo), list(hi)
    j, a, sizes, row_lower, row_upper = flat(rows) if arrays is None else arrays
    row = np.repeat(np.arange(len(rows)), sizes)
    lower, upper = row_lower[row], row_upper[row]
    up = a > 0
    for _ in range(rounds):
        # Each entry's least and most a*x, each row's least and most sum, and what the row
        # leaves each entry: a*x >= lower - (most - mine_most), a*x <= upper - (least - ...).
        mine_least = np.where(up, a * low[j], a * high[j])
        mine_most = np.where(up, a * high[j], a * low[j])
        least = np.bincount(row, mine_least)[row]
        most = np.bincount(row, mine_most)[row]
        ge, le = lower - (most - mine_most), upper - (least - mine_least)
        new_lo, new_hi = np.where(up, ge, -le), np.where(up, le, -ge)
        floor, ceiling = low.copy(), high.copy()
        np.maximum.at(floor, j, new_lo)
        np.minimum.at(ceiling, j, new_hi)
        moved = np.any(floor > low + EPS) or np.any(ceiling < high - EPS)
        low, high = np.where(floor > low + EPS, floor, low), \
            np.where(ceiling < high - EPS, ceiling, high)
        if np.any(low > high + EPS):
            return None
        if not moved:
            break
    return low.tolist(), high.tolist()


# Entries up to which propagate() runs in Python: a component of a few cells (most of a
# batch's) has some 10 to 30, where each of numpy's calls on arrays that small costs more
# than the arithmetic in Python.
FEW = 48


def _few(low: list[float], high: list[float], rows: list[Row], rounds: int
         ) -> tuple[list[float], list[float]] | None:
    """:func:`propagate` over finite numbers in Python, each number as numpy makes it there:
    each row's sums accumulated entry by entry from 0.0 (as ``np.bincount``), each bound
    tightened in entry order and kept on a tie (as ``np.maximum.at`` and ``minimum.at``)."""
    if any(a > b + EPS for a, b in zip(low, high, strict=True)):
        return None
    for _ in range(rounds):
        floor, ceiling = low[:], high[:]
        for entries, lower, upper in rows:
            mine = [(a * low[j], a * high[j]) if a > 0 else (a * high[j], a * low[j])
                    for j, a in entries]
            least = most = 0.0
            for x, y in mine:
                least += x
                most += y
            for (j, a), (x, y) in zip(entries, mine, strict=True):
                ge, le = lower - (most - y), upper - (least - x)
                new_lo, new_hi = (ge, le) if a > 0 else (-le, -ge)
                if new_lo > floor[j]:
                    floor[j] = new_lo
                if new_hi < ceiling[j]:
                    ceiling[j] = new_hi
        moved = False
        for k, (f, c) in enumerate(zip(floor, ceiling, strict=True)):
            if f > low[k] + EPS:
                low[k], moved = f, True
            if c < high[k] - EPS:
                high[k], moved = c, True
        if any(a > b + EPS for a, b in zip(low, high, strict=True)):
            return None
        if not moved:
            break
    return low, high
