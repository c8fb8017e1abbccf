"""The attacker's view of one linked table: which cells are variables, the relations that
join them into components, and one model per component (:class:`.component.Model`), kept and
reused as values are hidden and shown (the greedy changes one value at a time). The interval
attack itself (:class:`.attack.Table`) is built on this. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

import numpy as np

from services.ingest.disclosure.component import Model
from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.rows import gap

INHERIT = 30  # the last points of an old component put to a new one (and its two seeds)
EARLIER_KIND = " (as published earlier)"  # ends the kind of an earlier snapshot's relation


class Linked:

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
        self._parts: dict[int, tuple[float, int]] = {}  # see _parts_shown()
        self._models: dict[Coord, Model] = {}  # each variable's component's model
        # Since a value was hidden or shown: the model each variable was last in, and the
        # value each hidden one was published at (see _inherit()).
        self._before: dict[Coord, Model] = {}
        self._was: dict[Coord, float] = {}

    def hide(self, c: Coord) -> None:
        """A published value held back after all: it becomes a variable, of the one model
        around it where that can be done in place (:meth:`Model.extend`)."""
        for i in self.rows_of.get(c, ()):
            self._parts.pop(i, None)
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
            self._parts.pop(i, None)
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
        shown, free, relations, rows_of = self.shown, self.free, self.relations, self.rows_of
        cells = [c for c in start if c not in shown and c not in free]  # variable(), inlined
        seen, rows = set(cells), set()
        stack = list(cells)
        while stack:
            for i in rows_of.get(stack.pop(), ()):
                if i in rows:
                    continue
                rows.add(i)
                rel = relations[i]
                for x in (rel.total, *rel.parts):
                    if x not in seen and x not in shown and x not in free:
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
            total, unknown = self._parts_shown(i)
            if rel.total == c:
                bound = total
            elif rel.total in self.shown:
                own = self.shown.get(c)  # the others: the parts less c
                others, unsent = total - (own or 0.0), unknown - (own is None)
                bound = self.shown[rel.total] - others - unsent * self.upper
            else:
                continue
            best = max(best, bound - self.tolerance(i))
        return best

    def _parts_shown(self, i: int) -> tuple[float, int]:
        """The sum of relation ``i``'s published parts and how many are not published, kept
        until one of its cells is hidden or shown: a nation's relation has 290 parts, and
        :meth:`floor` asks for each of them."""
        if i not in self._parts:
            parts = self.relations[i].parts
            self._parts[i] = (sum(self.shown.get(p, 0.0) for p in parts),
                              sum(1 for p in parts if p not in self.shown))
        return self._parts[i]

    def _by_model(self, cols: list[Coord]) -> list[tuple[Model, list[Coord]]]:
        """``cols`` grouped by their component's model, built where missing."""
        if len(cols) == 1:  # most targets: one cell
            return [(self._models.get(cols[0]) or self._build(cols[0]), [cols[0]])]
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
