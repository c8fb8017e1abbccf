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
    truth: float | None  # None: hidden by the agency itself, value unknown to samstat


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

    def holds(self, truth: float | None, lo: float, hi: float) -> bool:
        need = self.needed(truth)
        if need is None:  # unknown value: assume the worst small one, threshold - 1
            return hi - lo >= 2 * self.minimum - 1 - _EPS
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


def components(problem: Problem) -> dict[Coord, int]:
    """Component number of every unknown cell that appears in a relation."""
    parent: dict[Coord, Coord] = {}

    def find(c: Coord) -> Coord:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for rel in problem.relations:
        unknown = [c for c in rel.cells if problem.unknown(c)]
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
    comp = components(problem)
    rows_of: dict[int, list[int]] = {}
    for i, rel in enumerate(problem.relations):
        k = next((comp[c] for c in rel.cells if c in comp), None)
        if k is not None:
            rows_of.setdefault(k, []).append(i)
    out: dict[str, tuple[float, float]] = {}
    for t in targets:
        k = comp.get(t.coords[0])
        if k is None:  # in no relation: nothing bounds it but the range
            out[t.name] = (0.0, problem.upper)
            continue
        out[t.name] = _solve(problem, rows_of[k], t)
    return out


def _solve(problem: Problem, rows: list[int], t: Target) -> tuple[float, float]:
    cols: dict[Coord, int] = {}
    data: list[float] = []
    ri: list[int] = []
    ci: list[int] = []
    lo_b: list[float] = []
    hi_b: list[float] = []
    for r, i in enumerate(rows):
        const = 0.0
        for sign, c in _signed(problem.relations[i]):
            if problem.unknown(c):
                ri.append(r)
                ci.append(cols.setdefault(c, len(cols)))
                data.append(sign)
            else:
                const += sign * problem.shown[c]
        tol = problem.tolerance(i)
        lo_b.append(-tol - const)
        hi_b.append(tol - const)
    a = csr_array((data, (ri, ci)), shape=(len(rows), len(cols)))
    obj = np.zeros(len(cols))
    for c in t.coords:
        obj[cols[c]] += 1.0
    lo_v, hi_v = np.array(lo_b), np.array(hi_b)
    eq = np.isclose(lo_v, hi_v)
    kwargs: dict[str, object] = {"bounds": (0.0, problem.upper), "method": "highs"}
    if eq.any():
        kwargs |= {"A_eq": a[eq], "b_eq": hi_v[eq]}
    if (~eq).any():
        a_ub = a[~eq]
        kwargs |= {"A_ub": _vstack(a_ub, -a_ub),
                   "b_ub": np.concatenate([hi_v[~eq], -lo_v[~eq]])}
    low = linprog(obj, **kwargs)  # type: ignore[call-overload]
    high = linprog(-obj, **kwargs)  # type: ignore[call-overload]
    if low.status != 0 or high.status != 0:
        return float("inf"), float("-inf")
    return float(low.fun), float(-high.fun)


def _vstack(a: csr_array, b: csr_array) -> csr_array:
    from scipy.sparse import vstack

    return csr_array(vstack([a, b]))
