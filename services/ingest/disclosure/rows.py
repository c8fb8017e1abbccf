"""A relation of the linked table as a row over a component's variables: its signed cells,
how far its data miss adding up, and its bounds once published values are constants. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from services.ingest.disclosure.bounds import EPS
from services.ingest.disclosure.links import Coord, Relation

if TYPE_CHECKING:
    from services.ingest.disclosure.linked import Linked


def signed(rel: Relation) -> Iterable[tuple[float, Coord]]:
    yield 1.0, rel.total
    for p in rel.parts:
        yield -1.0, p


def gap(rel: Relation, value: Callable[[Coord], float | None], upper: float) -> float:
    """How far the relation misses at best with the values ``value`` knows, every other
    cell anywhere in [0, upper]: 0 where the data can add up (a reported total that
    disagrees with its parts needs that much slack)."""
    lo = hi = 0.0
    for sign, c in signed(rel):
        v = value(c)
        if v is None:  # missing, or hidden with an unknown value: anything in range
            lo, hi = (lo + sign * upper, hi) if sign < 0 else (lo, hi + upper)
        else:
            lo, hi = lo + sign * v, hi + sign * v
    return lo if lo > 0 else (-hi if hi < 0 else 0.0)



def narrowed(lo: float, hi: float, sign: float, lower: float, upper: float
             ) -> tuple[float, float]:
    """``[lo, hi]`` cut by ``lower <= sign * x <= upper`` (``sign`` is ±1)."""
    a, b = (lower, upper) if sign > 0 else (-upper, -lower)
    return max(lo, a), min(hi, b)


def relation_row(table: Linked, i: int, cols: dict[Coord, int]
                 ) -> tuple[list[tuple[int, float]], float, float, bool]:
    """Relation ``i`` over the variables (numbered by ``cols``) as ``lower <= sum(a_j x_j)
    <= upper``, and whether its data do not add up (see :meth:`Model.reconcile`)."""
    const, lo_s, hi_s = 0.0, 0.0, 0.0
    entries = []
    for sign, c in signed(table.relations[i]):
        if c in table.free:  # sign * m with m in [0, upper] moves the bounds instead
            lo_s, hi_s = (lo_s, hi_s + table.upper) if sign > 0 else \
                (lo_s - table.upper, hi_s)
        elif c in table.shown:
            const += sign * table.shown[c]
        else:
            entries.append((cols[c], sign))
    tol = table.tolerance(i)
    gapped = tol > table.noise * len(table.relations[i].cells) + EPS
    return entries, -tol - const - hi_s, tol - const - lo_s, gapped
