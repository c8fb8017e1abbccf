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

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from services.ingest.disclosure.block import seed_together
from services.ingest.disclosure.bounds import EMPTY, EPS
from services.ingest.disclosure.component import Model, gap
from services.ingest.disclosure.links import Coord, Relation

INHERIT = 30  # the last points of an old component put to a new one (and its two seeds)


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


EARLIER_KIND = " (as published earlier)"  # ends the kind of an earlier snapshot's relation


class Table:
    """What the attacker knows about one linked table, plus the truth to judge the result.

    ``keep``: cells that must stay variables (the targets' own cells). Every other cell not
    sent yet that only one relation holds is projected out exactly: its relation becomes an
    inequality (``total - other parts`` in ``[0, upper]``). Without this, every unreported
    breakdown (K and M beside a reported total) would join unrelated hidden cells into one
    large component.
    """

    def __init__(self, relations: list[Relation], shown: Mapping[Coord, float],
                 truth: Mapping[Coord, float | None], upper: float, noise: float = 0.0,
                 keep: AbstractSet[Coord] = frozenset()) -> None:
        self.relations = relations
        self.shown = dict(shown)
        self.truth = truth
        self.upper = upper
        self.noise = noise  # per cell, for cell-key inputs
        self.rows_of: dict[Coord, list[int]] = {}
        for i, rel in enumerate(relations):
            for c in rel.cells:
                self.rows_of.setdefault(c, []).append(i)
        self.free = {c for c, rows in self.rows_of.items()
                     if len(rows) == 1 and c not in self.shown and c not in truth
                     and c not in keep}
        self._tol: dict[int, float] = {}
        self._models: dict[Coord, Model] = {}  # each variable's component's model
        # Since a value was hidden or shown: the model each variable was last in, and the
        # value each hidden one was published at (see _inherit()).
        self._before: dict[Coord, Model] = {}
        self._was: dict[Coord, float] = {}

    def hide(self, c: Coord) -> None:
        """A published value held back after all: it becomes a variable, of the one model
        around it where that can be done in place (:meth:`Model.extend`)."""
        if c in self.shown:
            self._was[c] = self.shown.pop(c)
            near = {id(m): m for i in self.rows_of.get(c, ())
                    for x in self.relations[i].cells if (m := self._models.get(x))}
            if len(near) == 1:
                [model] = near.values()
                if model.extend(self, c, self._was[c]):
                    self._models[c] = model
                    return
        for i in self.rows_of.get(c, ()):  # the components it joins are stale
            self._forget(self.relations[i].cells)

    def show(self, c: Coord, value: float) -> None:
        """A held-back value published after all (one the attacker pins exactly already)."""
        self.shown[c] = value
        for i in self.rows_of.get(c, ()):
            self._forget(self.relations[i].cells)

    def pinned(self, c: Coord) -> bool:
        """Some relation of ``c`` has no tolerance and every other cell of it published: the
        attacker knows ``c`` exactly (the data add up there, or the tolerance would not be
        zero). Today's relations only: an earlier snapshot may take a cell for what it was
        first sent as (:mod:`.history`), an inference, not a published value, and a value
        released on it let an attacker who did not infer so pin a small cell."""
        return any(self.tolerance(i) == 0.0 and
                   not self.relations[i].kind.endswith(EARLIER_KIND) and all(
                       x in self.shown for x in self.relations[i].cells if x != c)
                   for i in self.rows_of.get(c, ()))

    def _forget(self, cells: Iterable[Coord]) -> None:
        """Drop the models holding any of ``cells``, for all of their cells (one model per
        component; hiding a value may join components)."""
        for x in cells:
            model = self._models.get(x)
            if model is not None:
                for y in model.cols:
                    self._models.pop(y, None)
                    if model.has_points:
                        self._before[y] = model

    def variable(self, c: Coord) -> bool:
        return c not in self.shown and c not in self.free

    def tolerance(self, i: int) -> float:
        """The relation's tolerance: the declared noise, widened just enough that the data as
        they are satisfy it (a reported total may disagree with its parts). Widening from the
        true values can only make the attacker's constraints tighter, never looser."""
        if i not in self._tol:
            rel = self.relations[i]
            self._tol[i] = self.noise * len(rel.cells) + gap(
                rel, lambda c: self.shown.get(c, self.truth.get(c)), self.upper)
        return self._tol[i]

    def component(self, start: Iterable[Coord]) -> tuple[list[Coord], list[int]]:
        """The variables connected to ``start`` and the relations that join them."""
        cells = [c for c in start if self.variable(c)]
        seen, rows = set(cells), set()
        stack = list(cells)
        while stack:
            for i in self.rows_of.get(stack.pop(), ()):
                if i in rows:
                    continue
                rows.add(i)
                for x in self.relations[i].cells:
                    if x not in seen and self.variable(x):
                        seen.add(x)
                        cells.append(x)
                        stack.append(x)
        return cells, sorted(rows)

    def around(self, start: Iterable[Coord]) -> set[int]:
        """The relations of :meth:`component`, read off the models where built (each holds
        its whole component): a national table's component is thousands of relations."""
        out: set[int] = set()
        for c in start:
            if self.variable(c):
                model = self._models.get(c)
                if model is None:
                    return set(self.component(start)[1])
                out |= model.around
        return out

    def floor(self, c: Coord) -> float:
        """A lower bound on ``c`` that one relation gives on its own (the LP's minimum is at
        least this): a total is at least its published parts, a part at most its published
        total minus everything else at its largest. Cheap; it proves most cells not sent
        yet safe (a quarter is at least its published month) without solving anything."""
        best = 0.0
        for i in self.rows_of.get(c, ()):
            rel = self.relations[i]
            if rel.total == c:
                bound = sum(self.shown.get(p, 0.0) for p in rel.parts)
            elif rel.total in self.shown:
                bound = self.shown[rel.total] - sum(
                    self.shown.get(p, self.upper) for p in rel.parts if p != c)
            else:
                continue
            best = max(best, bound - self.tolerance(i))
        return best

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

    def _by_model(self, cols: list[Coord]) -> list[tuple[Model, list[Coord]]]:
        """``cols`` grouped by their component's model, built where missing."""
        groups: dict[int, tuple[Model, list[Coord]]] = {}
        for c in cols:
            model = self._models.get(c) or self._build(c)
            groups.setdefault(id(model), (model, []))[1].append(c)
        return list(groups.values())

    def _build(self, c: Coord, seed: bool = True) -> Model:
        cells, rows = self.component([c])
        model = Model.build(self, cells, rows, seed=False)
        for x in cells:
            self._models[x] = model
        if seed and model.hard and not self._inherit(model):
            model.seed()
        return model

    def _inherit(self, model: Model) -> bool:
        """Seed ``model`` with the points of the models its cells were in before a value was
        hidden or shown, where they still hold; whether any did.

        The greedy hides one value at a time, and each rebuilds the component around it: in a
        national table, one of thousands of variables, seeded again by two HiGHS runs from
        scratch (half of a quarter's batch). A point of the old component with the hidden
        value at what it was published at satisfies every old relation as it did, so it is
        mostly a point of the new one too; each is checked against every bound and row
        (:meth:`Model.adopt`), so only true points are kept and every verdict is what a seed
        would have given (points only spare solves). Points of several old components are
        put side by side (they share no variable); a variable in none of them, or hidden
        without a published value, leaves the model to be seeded."""
        olds: dict[int, tuple[Model, list[int], list[int]]] = {}  # old, its cols, ours
        fixed: list[tuple[int, float]] = []  # hidden since: at the value it was published at
        for x, j in model.cols.items():
            old = self._before.get(x)
            if old is not None:
                _, theirs, mine = olds.setdefault(id(old), (old, [], []))
                theirs.append(old.cols[x])
                mine.append(j)
            elif x in self._was:
                fixed.append((j, self._was[x]))
            else:
                return False
        if not olds:
            return False
        picks = [sorted({*range(min(2, n)), *range(max(0, n - INHERIT), n)})
                 for n in (old.points_count for old, _, _ in olds.values())]
        k = max(map(len, picks))
        points = np.empty((k, len(model.cols)))
        for j, value in fixed:
            points[:, j] = value
        for (old, theirs, mine), idx in zip(olds.values(), picks, strict=True):
            points[:, mine] = old.points(idx, theirs)[np.arange(k) % len(idx)]
        return model.adopt(points)

    def prepare(self, targets: Iterable[Target]) -> None:
        """Build the models of the targets' components now, seeded together
        (:func:`~.block.seed_together`) rather than one by one as they are attacked."""
        fresh = [self._build(c, seed=False) for t in targets for c in t.coords
                 if self.variable(c) and c not in self._models]
        seed_together([m for m in fresh if m.hard])

    def intervals(self, targets: Iterable[Target]) -> dict[str, tuple[float, float]]:
        return {t.name: self.interval(t) for t in targets}
