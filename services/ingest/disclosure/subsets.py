"""Sums of many unknown cells (:attr:`~.attack.Target.subsets`): can what was published pin
the sum of two or more of them between 0 and the threshold? Pure.

Write f(S) for the least the cells S can add up to. Counts are never negative, so f only
grows as S grows, and two kinds of answer settle many sums at once:

* a point where the cells Z are all 0 shows that every sum of cells of Z can be 0
  (a *zero set*; every solve's point gives one);
* a sum with f(S) at or above the threshold shows that no sum holding S can be small
  (a *big set*).

The search looks at the smallest sums first: it picks the fewest cells whose sum no zero
set and no big set found so far covers (:class:`_Masks`, :class:`_Levels`), and the
attack's LP solves it. Why smallest first is enough: if some sum is pinned small, so is the
smallest sum inside it that cannot be 0 (its minimum is at most the larger sum's), and that
sum stays uncovered until it is solved; and a sum picked with every smaller one covered is either 0,
exposed, or a smallest sum that cannot be 0 (a big set that covers as much as one can). So
the search ends in one of three ways: every sum is covered (nothing exposed), a sum is solved
to lie between 0 and the threshold (exposed: an exact solve), or the budget is spent (the
rest count as safe; each is at least as large as every sum solved).

The solves grow with the number of zero and big sets needed, not with the 2ⁿ sums: a nation
of counties each missing a pair of municipalities needs one big set per pair, but one zero
set per way to pick a member of each pair.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np

from services.ingest.disclosure.attack import Table, Target
from services.ingest.disclosure.bounds import EPS
from services.ingest.disclosure.links import Coord

# Sums solved at most for one target; past it the rest are taken as safe (docs/privacy.md,
# "limits"): counting them as exposed would hold back values for tables whose sums are
# nearly all large. A count, not a time limit, so the verdict does not depend on the
# machine. A region's month with 10 to 16 members missing needed 149 to 625 solves to reach
# a pinned sum (an independent review); 1,024 take about 0.5 s at most.
SUBSET_SOLVES = 1024

_ZERO = (0.0, float("-inf"))  # only a minimum matters here


def safe(table: Table, t: Target, minimum: float) -> bool:
    """Whether every sum of two or more of ``t``'s cells (all unknown; for a ``proper``
    target, short of all of them) can be 0 or cannot be small.

    Cells that cannot be small on their own are set aside (a sum holding one cannot be
    small either); one pinned between 0 and the threshold alone is exposed. Cells in
    different components are searched apart (no relation links them, so a sum over several
    components is at least each part's minimum, and one pinned small holds a part that is),
    but in one order: the smallest sum of any of them first."""
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
    open_: list[tuple[_Search, np.ndarray]] = []
    for cells in table.groups(small):
        whole = t.proper and len(cells) == len(t.coords)  # all of them: not one of the sums
        if len(cells) >= (3 if whole else 2):  # else no sum of two or more to search
            search = _Search(table, cells, whole)
            first = search.next()
            if first is not None:
                open_.append((search, first))
    budget = SUBSET_SOLVES
    while open_ and budget > 0:
        i = min(range(len(open_)), key=lambda k: len(open_[k][1]))
        search, pick = open_[i]
        budget -= 1
        lo, hi = table.interval(replace(t, coords=search.cells_of(pick)), _ZERO)
        if lo > hi or EPS < lo < minimum - EPS:
            return False
        search.learn(pick, zero=lo <= EPS)
        nxt = search.next()
        open_[i:i + 1] = [] if nxt is None else [(search, nxt)]
    return True  # every sum covered, or the budget spent (see SUBSET_SOLVES)


class _Search:
    """The search of the module's docstring over one component's ``cells`` (for ``whole``,
    all of them together is not one of the sums)."""

    def __init__(self, table: Table, cells: list[Coord], whole: bool) -> None:
        self.table, self.cells = table, cells
        self.pick = (_Masks if len(cells) <= MASKED else _Levels)(len(cells), whole)
        self.used = 0  # the component's points already turned into zero sets

    def cells_of(self, pick: np.ndarray) -> tuple[Coord, ...]:
        return tuple(self.cells[j] for j in pick)

    def next(self) -> np.ndarray | None:
        """The smallest sum nothing covers yet (points solved since are zero sets now)."""
        zeros = self.table.zeros(self.cells)
        for z in zeros[self.used:]:
            self.pick.zero(z)
        self.used = len(zeros)
        return self.pick.next()

    def learn(self, pick: np.ndarray, zero: bool) -> None:
        mask = np.isin(np.arange(len(self.cells)), pick)
        if zero:  # its point is among table.zeros now; the set itself, to be sure
            self.pick.zero(self.table.zero_closure(self.cells, mask))
        else:
            self.pick.big(mask)


# Up to this many cells every sum is listed as a bit mask (2^18 of them, a few ms to
# update); beyond, one size at a time, up to this many sums of a size.
MASKED = 18
LEVEL_ROWS = 50_000


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

    def big(self, mask: np.ndarray) -> None:
        b = int(self.bits[mask].sum())
        self.open &= (self.masks & b) != b

    def next(self) -> np.ndarray | None:
        i = int(np.argmax(self.open))
        if not self.open[i]:
            return None
        return np.flatnonzero(self.masks[i] & self.bits)


class _Levels:
    """Sums of more than :data:`MASKED` cells, one size at a time (pairs, then triples...),
    each size's sums as rows of a boolean matrix once the smaller ones are all covered. The
    sets found so far are kept, so a new size starts with what they cover (one matrix
    product each kind). A size with more than :data:`LEVEL_ROWS` sums ends the search, as
    the budget does: what is left is larger than every sum solved."""

    def __init__(self, n: int, whole: bool) -> None:
        self.n, self.top = n, n - 1 if whole else n
        self.size = 1
        self.rows = np.zeros((0, n), dtype=bool)  # this size's sums
        self.open = np.zeros(0, dtype=bool)
        self.zeros = np.zeros((0, n), dtype=bool)
        self.bigs = np.zeros((0, n), dtype=bool)

    def zero(self, mask: np.ndarray) -> None:
        self.zeros = np.vstack([self.zeros, mask])
        self.open &= (self.rows & ~mask).any(axis=1)

    def big(self, mask: np.ndarray) -> None:
        self.bigs = np.vstack([self.bigs, mask])
        self.open &= ~self.rows[:, mask].all(axis=1)

    def next(self) -> np.ndarray | None:
        while not self.open.any():
            self.size += 1
            if self.size > self.top or math.comb(self.n, self.size) > LEVEL_ROWS:
                return None
            self._level()
        return np.flatnonzero(self.rows[int(np.argmax(self.open))])

    def _level(self) -> None:
        idx = np.array(list(itertools.combinations(range(self.n), self.size)))
        self.rows = np.zeros((len(idx), self.n), dtype=bool)
        self.rows[np.arange(len(idx))[:, None], idx] = True
        rows = self.rows.astype(np.float32)
        inside = (rows @ (~self.zeros).T.astype(np.float32) == 0).any(axis=1)
        holds = (rows @ self.bigs.T.astype(np.float32)
                 >= self.bigs.sum(axis=1) - 0.5).any(axis=1)
        self.open = ~inside & ~holds
