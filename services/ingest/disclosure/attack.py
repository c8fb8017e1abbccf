"""The interval attack: how far can someone holding every published value narrow a hidden one?

For each protected target (a hidden cell, or the sum of a total's missing parts) the attack
minimises and maximises the target by linear programming (HiGHS, through ``highspy``) subject
to every relation of the linked table, with every published value fixed and every hidden or
missing cell free in ``[0, upper]``. Pure.

Decomposition: published values are constants, so only hidden and missing cells are
variables, and two of them interact only through a relation holding both. A target is solved
within its own component, found by a walk from the target's cells through the relations that
hold unknown cells: usually a handful of cells however large the table. One HiGHS model is
built per component (:class:`.component.Model`) and kept: the targets of one component, and
the minimum and maximum of each, are solved by changing the objective only, so HiGHS starts
from the last basis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from services.ingest.disclosure.block import seed_together
from services.ingest.disclosure.bounds import EMPTY, EPS
from services.ingest.disclosure.component import Model
from services.ingest.disclosure.cover import LARGE, Want, rounds
from services.ingest.disclosure.linked import Linked
from services.ingest.disclosure.links import Coord
from services.ingest.disclosure.shift import SMALL, stretch


@dataclass(frozen=True)
class Target:
    """A quantity to protect: ``sum(x[c] for c in coords)`` whose true value is ``truth``."""

    name: str
    coords: tuple[Coord, ...]
    truth: float | None  # None: hidden by the agency, or not sent yet: unknown to samstat
    missing: bool = False  # not sent yet: only a concern if the published data pin it small
    # Cells not sent yet that must be able to be 0 all at once (then every sum of some of
    # them can be 0 too): safe when the interval reaches down to 0, whatever its top, or
    # when their sum cannot be small (at least the threshold).
    at_once: bool = False
    # Every sum of two or more of these cells is an unknown value to protect (a published
    # total's missing parts, too many to list each sum; a total not sent and its unsent
    # parts): searched by subsets.safe. ``proper``: all of them together is not one of
    # the sums (it is the published total's residual, a target of its own).
    subsets: bool = False
    proper: bool = False


@dataclass(frozen=True)
class Protection:
    """The protection range: at least ``minimum`` (default: the threshold) on each side of a
    protected value, and at least ``share`` of it; never below zero, which a count cannot be."""

    minimum: float
    share: float = 0.1

    def needed(self, truth: float | None) -> tuple[float, float] | None:
        if truth is None:
            return None
        r = max(self.minimum, self.share * abs(truth))
        return max(0.0, truth - r), truth + r

    def sufficient(self, truth: float | None, at_once: bool = False) -> tuple[float, float]:
        """An interval reaching down to the first and up to the second holds (for an unknown
        value: every small count's range; for cells that must be 0 at once: 0)."""
        if at_once:
            return 0.0, float("-inf")
        need = self.needed(truth)
        return need if need is not None else (0.0, 2 * self.minimum - 1)

    def holds(self, truth: float | None, lo: float, hi: float, at_once: bool = False) -> bool:
        if lo > hi:  # EMPTY: the published data contradict each other; assume the worst
            return False
        if at_once:  # all 0 at once, or a sum that cannot be small
            return lo <= EPS or lo >= self.minimum - EPS
        need = self.needed(truth)
        if need is None:
            # Unknown value (hidden by the agency, or not sent yet): it may be any small
            # count, so the interval must hold each one's range, 0 to 2·threshold − 1; a
            # lower bound above zero alone reveals that someone is there. Safe too: an
            # interval that holds no small count (at least the threshold, or exactly zero).
            small_ok = lo <= EPS and hi >= 2 * self.minimum - 1 - EPS
            return small_ok or lo >= self.minimum - EPS or hi <= EPS
        return lo <= need[0] + EPS and hi >= need[1] - EPS



class Table(Linked):
    """:class:`.linked.Linked` with the attack: the interval of a target over everything
    published, and the shortcuts (witness points, propagation, boxes) that spare most solves."""

    def interval(self, t: Target, reach: tuple[float, float] | None = None,
                 settled: float | None = None) -> tuple[float, float]:
        """(min, max) of the target over everything published; ``EMPTY`` if the published
        data contradict each other beyond their tolerances (callers treat it as exposed).
        A target over several components (a dark total's parts) is the sum of independent
        parts: each component's minimum and maximum add up.

        Only as exact as a verdict needs, when told what it needs: ``reach``
        (:meth:`Protection.sufficient`): a side that points solved already take past it is
        not solved, and the points' bound stands in for it (the true bound lies further out
        still). ``settled``: a minimum at or above which the verdict holds whatever the
        maximum; if bound propagation proves one, that bound and an infinite top stand in."""
        known, cols, spare = self._split(t)
        lo, hi = known, known + spare * self.upper
        groups = self._by_model(cols)
        if settled is not None and groups:
            # Every component must be shown consistent: one that contradicts itself makes
            # the whole target EMPTY (exposed), whatever the others' floors.
            floor = self._propagated(lo, groups, upper=False)
            if floor is not None and floor >= settled:
                return floor, float("inf")
        low = high = True
        if reach is not None and groups and (seen := self._seen(lo, hi, groups)) is not None:
            low, high = seen[0] > reach[0] + EPS, seen[1] < reach[1] - EPS
            if not low and not high:
                return seen
            # The top short of what is needed, proven by propagation: exposed, whatever the
            # exact top (a point above 0 rules out "exactly zero"; the bottom is witnessed).
            top = self._propagated(hi, groups, upper=True) \
                if not low and seen[1] > EPS else None
            if top is not None and top < reach[1] - EPS:
                return seen[0], top
            lo, hi = (lo if low else seen[0]), (hi if high else seen[1])
        for model, cells in groups:
            a, b = model.solve(cells, low, high)
            if a > b:
                return EMPTY
            lo, hi = lo + (a if low else 0.0), hi + (b if high else 0.0)
        return lo, hi

    def witnessed(self, t: Target, reach: tuple[float, float]) -> bool:
        """Whether points already solved in the target's components show that its interval
        reaches down to ``reach[0]`` and up to ``reach[1]`` (so no LP is needed for it)."""
        known, cols, spare = self._split(t)
        seen = self._seen(known, known + spare * self.upper, self._by_model(cols))
        return bool(cols) and seen is not None and \
            seen[0] <= reach[0] + EPS and seen[1] >= reach[1] - EPS

    def stretch(self, t: Target, reach: tuple[float, float]) -> bool:
        """Whether points, with more taking the target towards ``reach`` by shift patterns
        (:func:`.shift.stretch`), witness it (as :meth:`witnessed`). Targets of one
        component without cells projected out only."""
        known, cols, spare = self._split(t)
        groups = self._by_model(cols)
        if spare or len(groups) != 1 or len(groups[0][0].cols) > SMALL:
            return False
        model, cells = groups[0]
        stretch(model, [model.cols[c] for c in cells], (reach[0] - known, reach[1] - known))
        return self.witnessed(t, reach)

    def box(self, t: Target) -> tuple[float, float]:
        """Bounds on the target from each variable's own bounds, those the relations that
        hold it alone give (a small cell whose total and other parts are published is pinned
        there), and, in a component of up to :data:`~.shift.SMALL` columns, from a relation
        holding all its cells (:meth:`Model.box`): the LP's interval lies within them,
        contradictory data or not (a contradiction leaves it empty), so a verdict that
        needs more fails without a solve. Unbounded for a target over several components
        (a national table's dark totals: a box per component cost more than it spared)."""
        known, cols, spare = self._split(t)
        groups = self._by_model(cols)
        if len(groups) != 1:
            return float("-inf"), float("inf")
        model, cells = groups[0]
        rows = [model.row_at[i] for i in self.rows_of.get(cells[0], ()) if i in model.row_at] \
            if len(model.cols) <= SMALL else []
        lo, hi = model.box([model.cols[c] for c in cells], rows)
        return known + lo, known + hi + spare * self.upper

    def spans(self, c: Coord, reach: tuple[float, float]) -> bool:
        """Whether points solved already in the component of ``c`` (a variable whose model
        is built) take it down to ``reach[0]`` and up to ``reach[1]``: the verdict of most
        single-cell targets, read off two numbers without building anything (each point is
        feasible, so the true range is at least as wide)."""
        model = self._models.get(c)
        if model is None or not model.has_points:
            return False
        lo, hi = model.span(c)
        return lo <= reach[0] + EPS and hi >= reach[1] - EPS

    @staticmethod
    def _seen(lo: float, hi: float, groups: list[tuple[Model, list[Coord]]]
              ) -> tuple[float, float] | None:
        """``lo`` and ``hi`` plus each component's range over its points solved so far;
        None while one of them has none."""
        for model, cells in groups:
            seen = model.seen(cells)
            if seen is None:
                return None
            lo, hi = lo + seen[0], hi + seen[1]
        return lo, hi

    @staticmethod
    def _propagated(start: float, groups: list[tuple[Model, list[Coord]]], upper: bool
                    ) -> float | None:
        """``start`` plus each component's propagated ceiling (``upper``) or floor; None if
        one proves nothing."""
        for model, cells in groups:
            bound = model.upper(cells) if upper else model.lower(cells)
            if bound is None:
                return None
            start += bound
        return start

    def _split(self, t: Target) -> tuple[float, list[Coord], int]:
        """The target's published part, its variables, and how many cells are projected out."""
        if len(t.coords) == 1:  # most targets: one cell, asked for thousands of times a batch
            c = t.coords[0]
            if c in self.shown:
                return 0 + self.shown[c], [], 0
            return 0, ([] if c in self.free else [c]), int(c in self.free)
        known = sum(self.shown[c] for c in t.coords if c in self.shown)
        cols = [c for c in t.coords if self.variable(c)]
        spare = len(t.coords) - len(cols) - sum(1 for c in t.coords if c in self.shown)
        return known, cols, spare

    def groups(self, cols: list[Coord]) -> list[list[Coord]]:
        """The variables among ``cols`` by component (no relation links two groups)."""
        return [cells for _, cells in self._by_model([c for c in cols if self.variable(c)])]

    def zeros(self, cells: list[Coord]) -> np.ndarray:
        """For each point solved so far in the component of ``cells`` (one group of
        :meth:`groups`), which of ``cells`` are 0 there: those can all be 0 at once."""
        [(model, _)] = self._by_model(cells)
        return model.zeros(cells)

    def zero_closure(self, cells: list[Coord], start: np.ndarray) -> np.ndarray:
        """``start`` (a mask over ``cells``, one group of :meth:`groups`, that can all be 0
        at once) with more of ``cells`` that can be 0 with them, where cheap to tell."""
        [(model, _)] = self._by_model(cells)
        return model.zero_closure(cells, start)

    def prepare(self, targets: Iterable[Target]) -> None:
        """Build the models of the targets' components now, seeded together
        (:func:`~.block.seed_together`) rather than one by one as they are attacked."""
        fresh = [self._build(c, seed=False) for t in targets for c in t.coords
                 if self.variable(c) and c not in self._models]
        seed_together([m for m in fresh if m.hard])

    def cover(self, targets: Iterable[Target], protection: Protection,
              large: int = LARGE) -> None:
        """Witness many targets of each component of ``large`` columns or more at once
        (:mod:`.cover`) before they are judged one by one. Targets over several components,
        with cells projected out, or searched by subsets are left to that."""
        wanted: dict[int, tuple[Model, list[Want]]] = {}
        for t in targets:
            # A model built already and small settles it without more: most batches have
            # no large component, and this runs before every judgement of their targets.
            near = next((m for c in t.coords if (m := self._models.get(c))), None)
            if t.subsets or (near is not None and len(near.cols) < large):
                continue
            known, cols, spare = self._split(t)
            if spare or not cols:
                continue
            groups = self._by_model(cols)
            if len(groups) != 1 or len(groups[0][0].cols) < large:
                continue
            model, cells = groups[0]
            lo, hi = protection.sufficient(t.truth, t.at_once)
            # Bounds on the variables' part: the published cells' sum stays as it is.
            wanted.setdefault(id(model), (model, []))[1].append(
                ([model.cols[c] for c in cells], lo - known, hi - known))
        for model, wants in wanted.values():
            rounds(model, wants)

    def intervals(self, targets: Iterable[Target]) -> dict[str, tuple[float, float]]:
        return {t.name: self.interval(t) for t in targets}
