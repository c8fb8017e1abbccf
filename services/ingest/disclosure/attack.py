"""The interval attack: how far can someone holding every published value narrow a hidden one?

For each protected target (a hidden cell, or the sum of a total's missing parts) the attack
minimises and maximises the target by linear programming (HiGHS through
:func:`scipy.optimize.linprog`) subject to every relation of the linked table, with every
published value fixed and every hidden or missing cell free in ``[0, upper]``. Pure.

Decomposition: published values are constants, so only hidden and missing cells are
variables, and two of them interact only through a relation holding both. The variables fall
into connected components; each target is solved within its own component, which is usually
a handful of cells however large the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from services.ingest.disclosure.links import Coord, Relation

_EPS = 1e-6


@dataclass(frozen=True)
class Target:
    """A quantity to protect: ``sum(coeffs[c] * x[c])`` whose true value is ``truth``."""

    name: str
    coords: tuple[Coord, ...]
    truth: float | None  # None: hidden by the agency, or not sent yet: unknown to samstat
    missing: bool = False  # not sent yet: only a concern if the published data pin it small


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

    def holds(self, truth: float | None, lo: float, hi: float, missing: bool = False) -> bool:
        need = self.needed(truth)
        if need is None:  # unknown value: assume the worst small one, threshold - 1
            wide = hi - lo >= 2 * self.minimum - 1 - _EPS
            # A cell not sent yet is revealed only if what is published pins it to a range
            # that holds small counts (a pinned zero or a pinned large sum reveals no one).
            return wide or (missing and (lo >= self.minimum - _EPS or hi <= _EPS))
        return lo <= need[0] + _EPS and hi >= need[1] - _EPS


@dataclass
class Problem:
    """What the attacker knows about one linked table (plus the truth, to judge the result)."""

    relations: list[Relation]
    shown: Mapping[Coord, float]  # published values
    truth: Mapping[Coord, float | None]  # every present cell (hidden ones included)
    upper: float
    noise: float = 0.0  # per cell, for cell-key inputs
    _tol: dict[int, float] = field(default_factory=dict)

    def unknown(self, c: Coord) -> bool:
        return c not in self.shown

    def tolerance(self, i: int) -> float:
        """The relation's tolerance: the declared noise, widened just enough that the data as
        they are satisfy it (a reported total may disagree with its parts)."""
        if i not in self._tol:
            rel = self.relations[i]
            lo = hi = 0.0
            for sign, c in _signed(rel):
                v = self.shown.get(c, self.truth.get(c))
                if v is None:  # missing, or hidden with an unknown value: anything in range
                    lo, hi = (lo + sign * self.upper, hi) if sign < 0 else (lo, hi + self.upper)
                else:
                    lo, hi = lo + sign * v, hi + sign * v
            gap = lo if lo > 0 else (-hi if hi < 0 else 0.0)
            self._tol[i] = self.noise * len(rel.cells) + gap
        return self._tol[i]


def _signed(rel: Relation) -> Iterable[tuple[float, Coord]]:
    yield 1.0, rel.total
    for p in rel.parts:
        yield -1.0, p


def slack(problem: Problem, keep: set[Coord]) -> set[Coord]:
    """Missing cells in one relation only (and not protected themselves): each is projected
    out exactly, its relation becoming an inequality (``total - other parts`` in
    ``[0, upper]``). Without this, every unreported breakdown (K and M beside a reported
    total) would join unrelated hidden cells into one large component."""
    degree: dict[Coord, int] = {}
    for rel in problem.relations:
        for c in rel.cells:
            if c not in problem.shown and c not in problem.truth:
                degree[c] = degree.get(c, 0) + 1
    return {c for c, n in degree.items() if n == 1 and c not in keep}


def components(problem: Problem, free: set[Coord] | None = None) -> dict[Coord, int]:
    """Component number of every unknown cell (other than ``free`` ones) in a relation."""
    free = free or set()
    parent: dict[Coord, Coord] = {}

    def find(c: Coord) -> Coord:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for rel in problem.relations:
        unknown = [c for c in rel.cells if c not in problem.shown and c not in free]
        for c in unknown:
            parent.setdefault(c, c)
        for c in unknown[1:]:
            a, b = find(unknown[0]), find(c)
            if a != b:
                parent[b] = a
    roots: dict[Coord, int] = {}
    return {c: roots.setdefault(find(c), len(roots)) for c in parent}


def intervals(problem: Problem, targets: list[Target]) -> dict[str, tuple[float, float]]:
    """(min, max) of every target over everything published; (inf, -inf) if the published
    data contradict each other beyond their tolerances (treated as exposed by callers)."""
    free = slack(problem, {c for t in targets for c in t.coords})
    comp = components(problem, free)
    rows_of: dict[int, list[int]] = {}
    for i, rel in enumerate(problem.relations):
        k = next((comp[c] for c in rel.cells if c in comp), None)
        if k is not None:
            rows_of.setdefault(k, []).append(i)
    out: dict[str, tuple[float, float]] = {}
    built: dict[int, _Lp] = {}
    for t in targets:
        k = comp.get(t.coords[0])
        if k is None:  # in no relation: nothing bounds it but the range
            out[t.name] = (0.0, problem.upper)
            continue
        if k not in built:
            built[k] = _build(problem, rows_of[k], free)
        out[t.name] = built[k].solve(t)
    return out


@dataclass
class _Lp:
    cols: dict[Coord, int]
    kwargs: dict[str, object]
    single: tuple[float, float] | None  # one unknown: its interval, no solver needed

    def solve(self, t: Target) -> tuple[float, float]:
        if self.single is not None:
            return self.single
        obj = np.zeros(len(self.cols))
        for c in t.coords:
            obj[self.cols[c]] += 1.0
        low = linprog(obj, **self.kwargs)
        high = linprog(-obj, **self.kwargs)
        if low.status != 0 or high.status != 0:
            return float("inf"), float("-inf")
        return float(low.fun), float(-high.fun)


def _build(problem: Problem, rows: list[int], free: set[Coord]) -> _Lp:
    cols: dict[Coord, int] = {}
    data: list[float] = []
    ri: list[int] = []
    ci: list[int] = []
    lo_b: list[float] = []
    hi_b: list[float] = []
    for i in rows:
        const, lo_s, hi_s = 0.0, 0.0, 0.0
        entries = []
        for sign, c in _signed(problem.relations[i]):
            if c in free:  # sign * m with m in [0, upper] moves the bounds instead
                lo_s, hi_s = (lo_s, hi_s + problem.upper) if sign > 0 else \
                    (lo_s - problem.upper, hi_s)
            elif c in problem.shown:
                const += sign * problem.shown[c]
            else:
                entries.append((sign, cols.setdefault(c, len(cols))))
        if not entries:
            continue
        r = len(lo_b)
        for sign, col in entries:
            ri.append(r)
            ci.append(col)
            data.append(sign)
        tol = problem.tolerance(i)
        lo_b.append(-tol - const - hi_s)
        hi_b.append(tol - const - lo_s)
    if len(cols) == 1:  # one unknown: the intersection of what each relation allows
        lo = max([0.0] + [-h if d < 0 else q for d, q, h in zip(data, lo_b, hi_b, strict=True)])
        hi = min([problem.upper]
                 + [-q if d < 0 else h for d, q, h in zip(data, lo_b, hi_b, strict=True)])
        return _Lp(cols, {}, (lo, hi) if lo <= hi + _EPS else (float("inf"), float("-inf")))
    a = csr_array((data, (ri, ci)), shape=(len(lo_b), len(cols)))
    lo_v, hi_v = np.array(lo_b), np.array(hi_b)
    eq = np.isclose(lo_v, hi_v)
    kwargs: dict[str, object] = {"bounds": (0.0, problem.upper), "method": "highs"}
    if eq.any():
        kwargs |= {"A_eq": a[eq], "b_eq": hi_v[eq]}
    if (~eq).any():
        a_ub = a[~eq]
        kwargs |= {"A_ub": _vstack(a_ub, -a_ub),
                   "b_ub": np.concatenate([hi_v[~eq], -lo_v[~eq]])}
    return _Lp(cols, kwargs, None)


def _vstack(a: csr_array, b: csr_array) -> csr_array:
    from scipy.sparse import vstack

    return csr_array(vstack([a, b]))
