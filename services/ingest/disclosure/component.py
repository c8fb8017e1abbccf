"""One component of the attack (:mod:`.attack`): its relations as bounds and rows, solved
in closed form or by HiGHS (through ``highspy``), with the feasible points each solve
returns kept as witnesses. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from services.ingest.disclosure.bounds import EMPTY, EPS, flat, one_row, propagate, reach, sum_box
from services.ingest.disclosure.links import Coord
from services.ingest.disclosure.lp import dual, highs_model, leaning, opposite
from services.ingest.disclosure.points import Points
from services.ingest.disclosure.rows import narrowed, relation_row

if TYPE_CHECKING:
    from services.ingest.disclosure.linked import Linked


class Model(Points):
    """One component: ``0 <= x <= upper`` and bounds on ``A x``. A relation left with one
    unknown is a bound on it; a component left with one relation has a closed form; the rest
    goes to HiGHS."""

    def __init__(self, cols: dict[Coord, int], upper: float) -> None:
        super().__init__(len(cols))  # the feasible points solves return (witnesses)
        self.cols = cols
        self.lo = [0.0] * len(cols)
        self.hi = [upper] * len(cols)
        self.rows: list[tuple[list[tuple[int, float]], float, float]] = []
        self.row_at: dict[int, int] = {}  # a relation's (Table.relations) place in rows
        self.around: set[int] = set()  # every relation holding a variable (bounds too)
        self._highs: Any = None  # highspy._Highs (see highs_model()), made on the first solve
        self.truth: list[float | None] | None = None  # for reconcile(), until it has run
        # See propagated(); () if the rows contradict each other.
        self._bounds: tuple[list[float], list[float]] | tuple[()] | None = None
        self._crossed: bool | None = None  # see crossed; None: to be found again
        # The rows as arrays (bounds.flat) and each variable's rows (shift.stretch), made
        # when first asked and again after the rows change: adopt() and propagate() asked
        # for them afresh on every call, thousands of times a batch on the same rows.
        self._flat: tuple[np.ndarray, ...] | None = None
        self._by_col: dict[int, list[tuple[int, float]]] | None = None
        # lo and hi as arrays, widened by the tolerance (adopt()); the rows', see _slack().
        self._box: tuple[np.ndarray, np.ndarray] | None = None
        self._wide: tuple[np.ndarray, ...] | None = None

    @classmethod
    def build(cls, table: Linked, cells: list[Coord], rows: list[int],
              seed: bool = True) -> Model:
        """The component's model; ``seed=False`` leaves seeding to the caller
        (:func:`seed_together`)."""
        model = cls({c: j for j, c in enumerate(cells)}, table.upper)
        model.around = set(rows)
        gapped = False  # some relation's data do not add up: see reconcile()
        for i in rows:
            entries, lower, upper, gap = relation_row(table, i, model.cols)
            gapped |= gap
            if len(entries) == 1:
                model._bound(entries[0], lower, upper)
            else:
                model.row_at[i] = len(model.rows)
                model.rows.append((entries, lower, upper))
        if model.hard:
            model.truth = [table.truth.get(c) for c in cells]
            if gapped:  # the data may not be a solution: see reconcile()
                model.reconcile()
            if seed:
                model.seed()
        return model

    def _bound(self, entry: tuple[int, float], lower: float, upper: float) -> None:
        """A relation left with one unknown: ``lower <= sign * x <= upper``."""
        j = entry[0]
        self.lo[j], self.hi[j] = narrowed(self.lo[j], self.hi[j], entry[1], lower, upper)
        self._crossed = self._box = None

    def extend(self, table: Linked, c: Coord, value: float) -> bool:
        """Take ``c``, a value published at ``value`` and now held back, in as a variable,
        in place; False (nothing changed) where the component must be built again: ``c``
        joins it to another, it turns hard, or its rows were widened (:meth:`reconcile`).

        The greedy hides one value at a time, and a national table's component has
        thousands of variables: built again, it is walked, built and solved cold each time
        (a quarter's batch: ~0.4 s per hiding). In place, HiGHS gets a column and rows and
        keeps its basis; every point stays one, with ``c`` at ``value``: each relation of
        ``c`` holds there as it did while ``c`` was a constant. The rows are made as
        :meth:`build` makes them, so the LP is the one a new build would solve."""
        rels = table.rows_of.get(c, ())
        if not self.hard or self.truth is None or c in self.cols or any(
                x != c and table.variable(x) and x not in self.cols
                for i in rels for x in table.relations[i].cells):
            return False
        n = len(self.cols)
        cols = {**self.cols, c: n}
        made = {i: relation_row(table, i, cols) for i in rels}
        lo, hi = 0.0, table.upper
        for entries, lower, upper, _ in (r for r in made.values() if len(r[0]) == 1):
            lo, hi = narrowed(lo, hi, entries[0][1], lower, upper)
        if any(gap for *_, gap in made.values()) or not lo - EPS <= value <= hi + EPS:
            return False
        self.cols, self.truth = cols, [*self.truth, table.truth.get(c)]
        self.around.update(rels)
        self.lo.append(lo)
        self.hi.append(hi)
        grown, fresh, refold = [], [], set()
        for i, (entries, lower, upper, _) in made.items():
            if len(entries) == 1:
                continue
            if i in self.row_at:
                grown.append(self.row_at[i])
                self.rows[self.row_at[i]] = (entries, lower, upper)
            else:  # it bounded the one other variable it has
                refold |= {j for j, _ in entries if j != n}
                self.row_at[i] = len(self.rows)
                fresh.append(len(self.rows))
                self.rows.append((entries, lower, upper))
        named = {j: x for x, j in cols.items()} if refold else {}
        for j in refold:  # its bounds again, from the relations still bounding it alone
            self.lo[j], self.hi[j] = 0.0, table.upper
            for i in table.rows_of[named[j]]:
                entries, lower, upper, _ = relation_row(table, i, cols)
                if len(entries) == 1:
                    self._bound(entries[0], lower, upper)
        self._crossed = None
        self._grow_highs(n, grown, fresh, refold)
        if n == self._points.shape[1]:  # room for columns too, doubling: copied rarely
            self._points = np.hstack([self._points, np.empty_like(self._points)])
        self._points[:self._seen, n] = value
        if self._seen:
            self._least, self._most = np.append(self._least, value), np.append(self._most, value)
        self._changed()
        return True

    def _grow_highs(self, n: int, grown: list[int], fresh: list[int], refold: set[int]
                    ) -> None:
        """The HiGHS model, if made, told of :meth:`extend`'s changes."""
        h = self._highs
        if h is None:
            return
        coef = [dict(self.rows[k][0])[n] for k in grown]
        h.addCol(0.0, self.lo[n], self.hi[n], len(grown), np.array(grown, dtype=np.int32),
                 np.array(coef, dtype=float))
        for k in grown:
            h.changeRowBounds(k, self.rows[k][1], self.rows[k][2])
        for k in fresh:
            entries, lower, upper = self.rows[k]
            h.addRow(lower, upper, len(entries),
                     np.array([j for j, _ in entries], dtype=np.int32),
                     np.array([a for _, a in entries], dtype=float))
        for j in refold:
            h.changeColBounds(j, self.lo[j], self.hi[j])

    def _changed(self) -> None:
        """The rows or bounds changed: what is derived from them is made again when asked."""
        self._bounds = self._flat = self._by_col = self._box = self._wide = None

    @property
    def flat(self) -> tuple[np.ndarray, ...]:
        """The rows as arrays (:func:`.bounds.flat`), kept until they change."""
        if self._flat is None:
            self._flat = flat(self.rows)
        return self._flat

    @property
    def by_col(self) -> dict[int, list[tuple[int, float]]]:
        """Each variable's rows, with its coefficient in each; kept until they change."""
        if self._by_col is None:
            self._by_col = {}
            for r, (entries, _, _) in enumerate(self.rows):
                for k, a in entries:
                    self._by_col.setdefault(k, []).append((r, a))
        return self._by_col

    @property
    def crossed(self) -> bool:
        """Some variable's bounds cross: the relations bounding it alone contradict each
        other. Kept between changes of the bounds: every solve asks, and a national
        component has thousands of columns."""
        if self._crossed is None:
            self._crossed = any(lo > hi + EPS for lo, hi in zip(self.lo, self.hi, strict=True))
        return self._crossed

    @property
    def hard(self) -> bool:
        """Two relations or more: HiGHS solves it (one has a closed form, none is bounds)."""
        return len(self.rows) > 1

    @property
    def highs(self) -> Any:
        if self._highs is None:
            self._highs = highs_model(self.lo, self.hi, self.rows)
        return self._highs

    def lower(self, cells: list[Coord]) -> float | None:
        """A lower bound on the sum of ``cells`` by bound propagation; None (nothing proven)
        unless the rows are shown consistent (HiGHS solved them, or propagation alone, exact
        for one row, found no contradiction): bounds implied by rows that contradict each
        other are vacuous, and the solve path reconciles or reports them."""
        bounds = self._propagated()
        return None if bounds is None else sum(bounds[0][self.cols[c]] for c in cells)

    def upper(self, cells: list[Coord]) -> float | None:
        """An upper bound on the sum of ``cells`` by bound propagation, as :meth:`lower`."""
        bounds = self._propagated()
        return None if bounds is None else sum(bounds[1][self.cols[c]] for c in cells)

    def _propagated(self) -> tuple[list[float], list[float]] | None:
        if self.hard and not self._seen:
            return None
        if self._bounds is None:
            self._bounds = propagate(self.lo, self.hi, self.rows, self.flat) or ()
        return self._bounds or None

    def seed(self) -> None:
        """Two points to witness with (:func:`opposite`): every variable as low as they can
        be at once, then those at their floor there as high and the others as low. Most of a
        component's targets then need at most one side solved."""
        if not self.hard:
            self.solve(list(self.cols), high=False)
            return
        with dual(self.highs):
            self.solve(list(self.cols), high=False, weights=leaning(len(self.cols), self.rows))
        if not self._seen:  # contradictory
            return
        cost = opposite(self._points[self._seen - 1, :len(self.cols)], np.asarray(self.lo))
        self.highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        with dual(self.highs):
            self.highs.run()
        if self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            self.witness(self.highs.getSolution().col_value)

    def reconcile(self) -> bool:
        """Make a jointly contradictory component consistent; False if it cannot be.

        Each relation's tolerance holds its own data, but relations can contradict jointly
        (the data then may not even be a solution, or no point is):
        a reported total that disagrees with its parts beside two breakdowns not sent (the
        unsent cells cannot add up both ways). The attacker then has to let some relation
        give; as the tolerance does for one relation, each is widened just enough to hold the
        data as they are (``truth``: the hidden cells' values; None for cells not sent) with
        the unsent cells at the values that need the least widening in all (an elastic LP:
        the sum of the slacks minimised). Without this the component would count as exposed
        and every new value around it would be held back."""
        n, m = len(self.cols), len(self.rows)
        truth, self.truth = self.truth, None  # once
        if truth is None or self.crossed:
            return False
        elastic = [([*entries, (n + 2 * i, 1.0), (n + 2 * i + 1, -1.0)], lower, upper)
                   for i, (entries, lower, upper) in enumerate(self.rows)]
        at = [(lo, hi) if v is None else (v, v)
              for lo, hi, v in zip(self.lo, self.hi, truth, strict=True)]
        h = highs_model([a for a, _ in at] + [0.0] * (2 * m),
                   [b for _, b in at] + [float("inf")] * (2 * m), elastic, primal=False,
                   presolve=False)  # its optimum is not unique: kept the one it was
        h.changeColsCost(2 * m, np.arange(n, n + 2 * m, dtype=np.int32), np.ones(2 * m))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        x = h.getSolution().col_value[:n]
        for i, (entries, lower, upper) in enumerate(self.rows):
            r = sum(a * x[j] for j, a in entries)
            self.rows[i] = (entries, min(lower, r), max(upper, r))
        self._highs = None  # made again from the widened rows
        self._changed()
        return True

    def seen(self, cells: list[Coord]) -> tuple[float, float] | None:
        """The least and greatest sum of ``cells`` over the points solved so far; without
        HiGHS (no relation, or one), the exact range, which needs no point. (A target
        holding a cell no relation holds, a dark month under a municipality's year, was
        otherwise never read off points: its other components were solved on both sides
        every time.) None while contradictory: the solve reports it."""
        if not self.hard:
            lo, hi = self.solve(cells)
            return None if lo > hi else (lo, hi)
        return self.seen_cols([self.cols[c] for c in cells])

    def adopt(self, points: np.ndarray) -> bool:
        """Keep as witnesses the rows of ``points`` that satisfy every bound and row of the
        model (within a tolerance as HiGHS's own); whether any did."""
        if self._box is None:
            self._box = np.asarray(self.lo) - EPS, np.asarray(self.hi) + EPS
        lo, hi = self._box
        ok = np.all((points >= lo) & (points <= hi), axis=1)
        if self.rows and ok.any():
            index, value, start, lower, upper = self._slack()
            activity = np.add.reduceat(points[:, index] * value, start, axis=1)
            ok &= np.all((activity >= lower) & (activity <= upper), axis=1)
        for x in points[ok]:
            self.witness(x)
        return bool(ok.any())

    def _slack(self) -> tuple[np.ndarray, ...]:
        """For :meth:`adopt`: the rows' columns, coefficients, where each starts, and their
        bounds widened by the tolerance; kept with :attr:`flat`."""
        if self._wide is None:
            index, value, sizes, lower, upper = self.flat
            start = np.cumsum(sizes) - sizes  # every row has two entries or more
            slack = EPS + 1e-9 * np.maximum(np.abs(lower), np.abs(upper))
            self._wide = index, value, start, lower - slack, upper + slack
        return self._wide

    def span(self, c: Coord) -> tuple[float, float]:
        """The least and greatest ``c`` over the points solved so far (some must be)."""
        j = self.cols[c]
        return float(self._least[j]), float(self._most[j])

    def box(self, cols: list[int], rows: Iterable[int]) -> tuple[float, float]:
        """Bounds on the sum of ``cols`` (:func:`.bounds.sum_box`), from ``rows`` only once
        a point shows them consistent: a contradiction found later widens them
        (:meth:`reconcile`), where the variables' own bounds stay."""
        return sum_box(self.lo, self.hi, [self.rows[r] for r in rows] if self._seen else [],
                       cols)

    def extreme(self, cols: list[int], high: bool) -> np.ndarray:
        """A point solved so far with the sum of ``cols`` at its greatest (``high``) or
        least."""
        sums = self._points[:self._seen, cols[0]] if len(cols) == 1 else \
            self._points[:self._seen, cols].sum(axis=1)
        return np.array(self._points[int(np.argmax(sums) if high else np.argmin(sums)),
                                     :len(self.cols)])

    def zeros(self, cells: list[Coord]) -> np.ndarray:
        cols = [self.cols[c] for c in cells]
        if not self.rows:  # independent cells: those that can be 0 can all be at once
            return np.array([[self.lo[j] <= EPS for j in cols]])
        return np.asarray(self._points[:self._seen, cols] <= EPS)

    def zero_closure(self, cells: list[Coord], start: np.ndarray) -> np.ndarray:
        """``start`` (a mask over ``cells`` that can all be 0 at once) grown one cell at a
        time while all can still be 0, where one relation has a closed form: it solves
        without points, and a point is what shows many cells 0 at once."""
        mask = np.array(start, dtype=bool)
        if len(self.rows) != 1:
            return mask
        entries, lower, upper = self.rows[0]
        coef = dict(entries)
        lo, hi = list(self.lo), list(self.hi)
        for c, z in zip(cells, mask, strict=True):
            if z:
                lo[self.cols[c]] = hi[self.cols[c]] = 0.0
        least, most = reach(entries, lo, hi)
        for k, c in enumerate(cells):
            j = self.cols[c]
            if mask[k] or self.lo[j] > EPS:
                continue
            a = coef.get(j, 0.0)  # a cell outside the row leaves its reach as it is
            trial = least - min(a * lo[j], a * hi[j]), most - max(a * lo[j], a * hi[j])
            if trial[0] <= upper + EPS and trial[1] >= lower - EPS:
                mask[k], (least, most) = True, trial
                lo[j] = hi[j] = 0.0
        return mask

    def solve(self, cells: list[Coord], low: bool = True, high: bool = True,
              weights: np.ndarray | None = None) -> tuple[float, float]:
        """(min, max) of the sum of ``cells``, all variables of this component; a side not
        asked for (``low``, ``high``) may be left unsolved, as -inf or inf. ``weights``
        (a seed's, :func:`.lp.leaning`): the objective instead, whose value is then no sum."""
        if self.crossed:
            return EMPTY
        mine = {self.cols[c] for c in cells}
        if not self.rows:
            return sum(self.lo[j] for j in mine), sum(self.hi[j] for j in mine)
        if not self.hard:
            return one_row(self.rows[0], self.lo, self.hi, mine)
        cost = weights
        if cost is None:
            cost = np.zeros(len(self.cols))
            cost[list(mine)] = 1.0
        self.highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        out = [float("-inf"), float("inf")]
        for k, sense in enumerate((highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize)):
            if not (low, high)[k]:
                continue
            self.highs.changeObjectiveSense(sense)
            self.highs.run()
            if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                # Contradictory jointly (reconcile() once, then solve again) or truly.
                return self.solve(cells, low, high, weights) if self.reconcile() else EMPTY
            out[k] = self.highs.getInfo().objective_function_value
            self.witness(self.highs.getSolution().col_value)
        return out[0], out[1]
