"""The feasible points a component's solves returned (:class:`.component.Model`), kept as
witnesses: each solve's optimum is a point of the whole component, so the range of every
other target over the points kept is a range its true interval contains. Pure."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

POINTS = 1 << 20  # numbers of points a model keeps (see Points.witness): 8 MB


class Points:
    """Feasible points of a component of ``n`` columns (spare columns beyond, for a
    component that grows in place)."""

    def __init__(self, n: int) -> None:
        # Each solve's optimum is a witness for every other target of the component (a
        # cell at 0 there can reach 0), so most need no solve. Rows 0.._seen-1 are points,
        # columns numbered as the model's (spare ones beyond): both double as they fill.
        self._points = np.empty((4, max(1, n)))
        self._seen = 0
        self._turn = 2  # the row the next point takes once they are all kept (witness())
        self._least = np.empty(0)  # each column's range over the points (see _track)
        self._most = np.empty(0)

    def seen_cols(self, cols: list[int]) -> tuple[float, float] | None:
        """:meth:`seen` by column numbers, for a model with HiGHS."""
        if not self._seen:
            return None
        if len(cols) == 1:  # most targets: one cell, its range kept as points come
            return float(self._least[cols[0]]), float(self._most[cols[0]])
        sums = self._points[:self._seen, cols].sum(axis=1)
        return float(sums.min()), float(sums.max())

    @property
    def has_points(self) -> bool:
        return self._seen > 0

    @property
    def points_count(self) -> int:
        return self._seen

    def points(self, idx: list[int], cols: list[int]) -> np.ndarray:
        """Columns ``cols`` of the points numbered ``idx``."""
        return self._points[np.ix_(idx, cols)]

    def witness(self, point: Sequence[float] | np.ndarray) -> None:
        """Keep a feasible point of the component. Each column's range counts every point;
        the points themselves are kept up to :data:`POINTS` numbers in all (at least 64
        points): a national half-year's component has ~18,000 columns, and the greedy's
        1,163 solves of one batch kept 2,048 rows of them, 300 MB, in a process limited to
        512 MiB. Past that, a new point takes the place of an old one in turn (the two seeds
        stay): fewer points only leave more to solve."""
        rows = len(self._points)
        if self._seen == rows:
            room = min(rows, max(64, POINTS // self._points.shape[1]) - rows)
            if room <= 0:
                self._points[self._turn, :len(point)] = point
                self._turn = 2 + (self._turn - 1) % (rows - 2)
                self._track(point)
                return
            self._points = np.concatenate([self._points, np.empty_like(self._points[:room])])
        self._points[self._seen, :len(point)] = point
        self._seen += 1
        self._track(point)

    def _track(self, point: Sequence[float] | np.ndarray) -> None:
        first = not self._least.size  # each column's range, kept up to date point by point
        self._least = np.array(point) if first else np.minimum(self._least, point)
        self._most = np.array(point) if first else np.maximum(self._most, point)
