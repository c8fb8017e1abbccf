"""Sums of many unknown cells (:attr:`~.attack.Target.subsets`): can what was published pin
the sum of two or more of them between 0 and the threshold? Pure.

Write f(S) for the least the cells S can add up to. Counts are never negative, so f only
grows as S grows, and two kinds of answer settle many sums at once:

* a point where the cells Z are all 0 shows that every sum of cells of Z can be 0
  (a *zero set*; every solve's point gives one);
* a sum with f(S) at or above the threshold shows that no sum holding S can be small
  (a *big set*).

The search looks at the smallest sums first: a small mixed-integer program (HiGHS) picks the
fewest cells whose sum no zero set and no big set found so far covers, and the attack's LP
solves it. Why smallest first is enough: if some sum is pinned small, so is the smallest sum
inside it that cannot be 0 (its minimum is at most the larger sum's), and that sum stays
uncovered until it is solved; and a sum picked with every smaller one covered is either 0,
exposed, or a smallest sum that cannot be 0 (a big set that covers as much as one can). So
the search ends in one of three ways: every sum is covered (nothing exposed), a sum is solved
to lie between 0 and the threshold (exposed: an exact solve), or the budget is spent.

The work grows with the number of zero and big sets needed, not with the 2ⁿ sums: a nation
of counties each missing a pair of municipalities needs one big set per pair.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import highspy
import numpy as np

from services.ingest.disclosure.attack import Table, Target
from services.ingest.disclosure.bounds import EPS
from services.ingest.disclosure.links import Coord

# Sums solved at most for one target. Past it the rest are taken as safe (docs/privacy.md,
# "limits"): counting them as exposed would hold back values for tables whose sums are
# nearly all large (ten parts of at most 100 in a total of 300 need 165 solves).
SUBSET_SOLVES = 128

_ZERO = (0.0, float("-inf"))  # only a minimum matters here


def safe(table: Table, t: Target, minimum: float) -> bool:
    """Whether every sum of two or more of ``t``'s cells (all unknown; for a ``proper``
    target, short of all of them) can be 0 or cannot be small.

    Cells that cannot be small on their own are set aside (a sum holding one cannot be
    small either); one pinned between 0 and the threshold alone is exposed. Cells in
    different components are searched apart: no relation links them, so a sum over several
    components is at least each part's minimum, and one pinned small holds a part that is."""
    if not t.proper:  # mostly all can be 0 at once, often seen without a solve
        lo, hi = table.interval(t, _ZERO)
        if lo <= EPS:
            return lo <= hi
    small = []
    for c in t.coords:
        lo, hi = table.interval(replace(t, coords=(c,)), _ZERO, settled=minimum)
        if lo > hi or EPS < lo < minimum - EPS:
            return False  # contradictory data, or pinned small alone: exposed
        if lo < minimum - EPS:
            small.append(c)
    budget = [SUBSET_SOLVES]
    for cells in table.groups(small):
        whole = t.proper and len(cells) == len(t.coords)  # all of them: not one of the sums
        if not _search(table, t, cells, minimum, whole, budget):
            return False
    return True


def _search(table: Table, t: Target, cells: list[Coord], minimum: float, whole: bool,
            budget: list[int]) -> bool:
    """The search of the module's docstring over one component's ``cells``."""
    if len(cells) < 2 or (whole and len(cells) < 3):
        return True
    masked = len(cells) <= MASKED
    pick = (_Masks if masked else _Mip)(len(cells), whole)
    used = 0  # the component's points already turned into zero sets
    while budget[0] > 0:
        zeros = table.zeros(cells)
        for z in zeros[used:]:
            pick.zero(z)
        used = len(zeros)
        chosen = pick.next()
        if chosen is None:
            return True
        budget[0] -= 1 if masked else MIP_COST
        lo, hi = table.interval(replace(t, coords=tuple(cells[j] for j in chosen)), _ZERO)
        if lo > hi or EPS < lo < minimum - EPS:
            return False
        if lo <= EPS:  # its point is among table.zeros now; the set itself, to be sure
            pick.zero(np.isin(np.arange(len(cells)), chosen))
        else:
            pick.big(chosen)
    return True  # budget spent: the rest count as safe (see SUBSET_SOLVES)


# Up to this many cells the sums are listed as bit masks (2^18 of them, a few ms to update);
# beyond, a mixed-integer program picks them, at 7 to 150 ms a pick (16 cells, 1 to 100
# sets found): each pick costs as many solves of the budget as ``MIP_COST``.
MASKED = 18
MIP_COST = 8


class _Masks:
    """Every sum as a bit mask, the fewest cells first; a sum is covered once a zero set
    holds it or it holds a big set."""

    def __init__(self, n: int, whole: bool) -> None:
        masks = np.arange(1 << n, dtype=np.int64)
        size = np.zeros(len(masks), dtype=np.int64)
        for j in range(n):
            size += (masks >> j) & 1
        keep = (size >= 2) & ((size < n) if whole else True)
        order = np.argsort(size[keep], kind="stable")
        self.masks = masks[keep][order]
        self.open = np.ones(len(self.masks), dtype=bool)
        self.bits = 1 << np.arange(n, dtype=np.int64)

    def zero(self, mask: np.ndarray) -> None:
        z = int(self.bits[mask].sum())
        self.open &= (self.masks & ~z) != 0

    def big(self, chosen: np.ndarray) -> None:
        b = int(self.bits[chosen].sum())
        self.open &= (self.masks & b) != b

    def next(self) -> np.ndarray | None:
        i = int(np.argmax(self.open))
        if not self.open[i]:
            return None
        return np.flatnonzero(self.masks[i] & self.bits)


class _Mip:
    """The same as a mixed-integer program: binary y_j (cell j in the sum), fewest first, at
    least two; not inside any zero set Z (some j outside Z chosen) and not holding any big
    set B (some j of B left out)."""

    def __init__(self, n: int, whole: bool) -> None:
        self.known: set[bytes] = set()
        h = highspy._Highs()  # type: ignore[attr-defined]  # the core class: see attack._highs
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # a quarter of the time on models this small
        h.addVars(n, np.zeros(n), np.ones(n))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.ones(n))
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * n))
        self.h: Any = h
        self._row(np.arange(n), 2.0, np.inf)
        if whole:
            self._row(np.arange(n), -np.inf, n - 1.0)

    def _row(self, cols: np.ndarray, lower: float, upper: float) -> None:
        self.h.addRow(lower, upper, len(cols), cols.astype(np.int32), np.ones(len(cols)))

    def zero(self, mask: np.ndarray) -> None:
        key = np.packbits(mask).tobytes()
        if key not in self.known:
            self.known.add(key)
            self._row(np.flatnonzero(~mask), 1.0, np.inf)

    def big(self, chosen: np.ndarray) -> None:
        self._row(chosen, -np.inf, len(chosen) - 1.0)

    def next(self) -> np.ndarray | None:
        """The cells of the smallest sum nothing covers yet; None if there is none."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None  # infeasible: every sum is covered
        return np.flatnonzero(np.asarray(self.h.getSolution().col_value) > 0.5)
