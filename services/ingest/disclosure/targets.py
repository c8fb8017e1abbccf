"""What the attack must protect around a batch: the targets (hidden small cells, sums of a
published total's missing parts, cells and sums not sent yet that the published values could
pin) and the *dark* cells left out of the attack. Pure; used by :mod:`.protect`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain, combinations, filterfalse

from services.ingest.disclosure.attack import Target
from services.ingest.disclosure.links import Coord, Relation


@dataclass(frozen=True)
class CellState:
    """One present cell: its true value (None if the agency hid it), what the public sees
    (None: hidden), and whether it is protected (it was small when hidden as primary).
    ``past``: its earlier revisions as the public read them, each (truth, shown, primary,
    when it was superseded), and ``since``: when its first revision was stored (see
    :mod:`.history`; 0 where not known)."""

    truth: float | None
    shown: float | None
    primary: bool
    past: tuple[tuple[float | None, float | None, bool, int], ...] = ()
    since: int = 0


def dark(relations: list[Relation], states: Mapping[Coord, CellState],
         ceiling: float = float("inf")) -> set[Coord]:
    """The *dark* cells of ``relations``: not sent yet, and parts only of totals that are dark
    too, so nothing published or hidden contains them. Their relations (those whose total is
    dark) are left out of the attack.

    Why this is exact: a dark cell can always rise by any amount together with every dark
    total above it (each relation holds one part containing it), so the published values
    never pin it from above; and given any values of the other cells, the dark ones can be set
    as the sums they are, every other way of adding them up being implied by relations that
    are kept. Leaving them out only stops them from joining unrelated hidden cells: a
    municipality's hidden January and its quarter, half and year not sent yet, the months to
    come, and through them every other municipality once the nation is published. From below
    a dark total is its parts, which may be pinned: :func:`floored` attacks that sum. The one
    constraint left out is that a dark total stays under the measure's maximum: so nothing is
    dark when a dark total, as the values under it add up, comes within ``ceiling`` (the
    maximum less 2·threshold) of it."""
    candidates = set(chain.from_iterable(r.parts for r in relations))
    candidates.update(r.total for r in relations)
    candidates.difference_update(states)
    # The greatest set closed upwards: a cell under a total that is not dark is not dark, and
    # neither, in turn, are the parts under it. (Only the totals that may be dark need their
    # parts listed; the parts of the others are where the walk down starts.)
    parts_of: dict[Coord, list[tuple[Coord, ...]]] = {}
    stack: list[Coord] = []
    for r in relations:
        if r.total in candidates:
            parts_of.setdefault(r.total, []).append(r.parts)
        else:
            stack += r.parts
    while stack:
        c = stack.pop()
        if c in candidates:
            candidates.discard(c)
            for parts in parts_of.get(c, ()):
                stack += parts
    if candidates and _weighty(states, ceiling) and \
            _heaviest(relations, states, candidates) > ceiling:
        return set()
    return candidates


def _weighty(states: Mapping[Coord, CellState], ceiling: float) -> bool:
    """Whether a dark total could come within the ceiling at all. The parts of a relation
    are disjoint pieces of its total (codes of a dimension, members of an area, months of a
    quarter), so the present cells under one dark total, one breakdown at each level, are
    distinct: their sum is at most that of every present cell. Below it, the walk through a
    national table's dark cells (:func:`_heaviest`) is not needed."""
    return sum(abs(s.truth or 0.0) for s in states.values()) > ceiling


def breakdowns(relations: Iterable[Relation], totals: AbstractSet[Coord]
               ) -> dict[Coord, list[Relation]]:
    """The relations of each of ``totals``: the ways it breaks down."""
    out: dict[Coord, list[Relation]] = {}
    for r in relations:
        if r.total in totals:
            out.setdefault(r.total, []).append(r)
    return out


def floored(relations: list[Relation], dark_cells: AbstractSet[Coord],
            states: Mapping[Coord, CellState], threshold: float,
            noise: float) -> list[Target]:
    """Dark totals that the cells under them may pin from below (a region's month not sent
    yet is at least its member's hidden month, which the published values may bound). Each
    breakdown of a dark total is a target: the sum of its parts, a dark part replaced in turn
    by its own breakdown with the most cells that are not dark (:func:`_below`; the dark
    cells left are free, at least 0). Different breakdowns need not add up to the same in the
    kept relations (they meet only through dark cells), so each one is attacked."""
    by_total = breakdowns(relations, dark_cells)
    out, seen = [], set()
    memo: dict[tuple[Coord, int], tuple[tuple[Coord, ...], bool]] = {}
    lit = _lit(by_total, dark_cells)
    for total, rels in sorted(kv for kv in by_total.items() if kv[0] in lit):
        if at_least(rels, states, noise) >= threshold:
            continue
        for r in rels:
            cells = _below(r, by_total, dark_cells, memo=memo)
            if cells and cells not in seen:
                seen.add(cells)
                out.append(Target(f"missing {total}", cells, None, missing=True))
    return out


def _lit(by_total: Mapping[Coord, list[Relation]], dark_cells: AbstractSet[Coord]
         ) -> set[Coord]:
    """The dark totals with a cell that is not dark somewhere under them: the others have
    nothing to pin (:func:`_below` finds every cell of theirs dark), and in a national
    table's walk they are most of the dark totals."""
    above: dict[Coord, list[Coord]] = {}
    lit: set[Coord] = set()
    for total, rels in by_total.items():
        for r in rels:
            for p in r.parts:
                if p in dark_cells:
                    above.setdefault(p, []).append(total)
                else:
                    lit.add(total)
    stack = list(lit)
    while stack:
        for t in above.get(stack.pop(), ()):
            if t not in lit:
                lit.add(t)
                stack.append(t)
    return lit


def _below(r: Relation, by_total: Mapping[Coord, list[Relation]],
           dark_cells: AbstractSet[Coord], depth: int = 4,
           memo: dict[tuple[Coord, int], tuple[tuple[Coord, ...], bool]] | None = None
           ) -> tuple[Coord, ...]:
    """The parts of ``r`` with its dark parts broken down (``depth`` levels at most); empty
    if every one of them is dark (nothing there to pin). ``memo``: each dark part's
    breakdown, shared by the calls of one :func:`floored` (a municipality's dark month is
    under its county's, the nation's and its own quarter's)."""
    cells, light = _broken_down(r, by_total, dark_cells, depth, {} if memo is None else memo)
    return cells if light else ()


def _broken_down(r: Relation, by_total: Mapping[Coord, list[Relation]],
                 dark_cells: AbstractSet[Coord], depth: int,
                 memo: dict[tuple[Coord, int], tuple[tuple[Coord, ...], bool]]
                 ) -> tuple[tuple[Coord, ...], bool]:
    """:func:`_below`'s cells, and whether one of them is not dark."""
    cells: set[Coord] = set()
    light = False
    for p in r.parts:
        if p not in dark_cells or not depth:
            cells.add(p)
            light = light or p not in dark_cells
            continue
        if (p, depth) not in memo:
            best = max(by_total.get(p, ()), default=None,
                       key=lambda q: sum(x not in dark_cells for x in q.parts))
            memo[p, depth] = ((p,), False) if best is None else \
                _broken_down(best, by_total, dark_cells, depth - 1, memo)
        below, lit = memo[p, depth]
        cells.update(below)
        light = light or lit
    # Only a breakdown with a cell that is not dark becomes a target: sorting the others
    # (most of a national walk's) would be wasted.
    return (tuple(sorted(cells)) if light else tuple(cells)), light


def at_least(rels: Iterable[Relation], states: Mapping[Coord, CellState],
             noise: float) -> float:
    """What a total not sent yet holds at least, by the true values of its parts that are
    present (by its largest breakdown, less the noise the relation allows). A total that
    holds the threshold already cannot arrive small, so bounds on it reveal no small count."""
    return max((sum(states[p].truth or 0.0 for p in r.parts if p in states)
                - noise * len(r.cells) for r in rels), default=0.0)


def _heaviest(relations: list[Relation], states: Mapping[Coord, CellState],
              dark: AbstractSet[Coord]) -> float:
    """The largest dark total as the values under it add up (present cells at their value,
    other unsent cells at 0), by its largest breakdown."""
    by_total = breakdowns(relations, dark)
    memo: dict[Coord, float] = {}

    def weight(c: Coord) -> float:
        s = states.get(c)
        if s is not None:
            return s.truth or 0.0
        if c not in memo:
            memo[c] = 0.0  # a cycle cannot occur (parts are finer), but never loop
            memo[c] = max((sum(weight(p) for p in r.parts) for r in by_total.get(c, ())),
                          default=0.0)
        return memo[c]

    return max((weight(c) for c in by_total), default=0.0)


def residuals(relations: list[Relation], states: Mapping[Coord, CellState],
              threshold: float) -> list[Target]:
    """A total published while some of its parts are missing reveals their sum: a target
    when that sum is small. (That each missing part, which may turn out small when it
    arrives, is not pinned below 2·threshold − 1 is checked on the part itself: see
    :func:`targets_of`.) Parts implied by their own present parts do not count as missing."""
    sent = states.keys()
    implied = {r.total for r in relations if not sent.isdisjoint(r.parts)}
    out = []
    for r in relations:
        missing = tuple(filterfalse(sent.__contains__, r.parts))
        if not missing or not implied.isdisjoint(missing):
            continue
        total = states.get(r.total)
        # Sums of missing parts that may become a residual later (when the rest arrives, or
        # the total with everything else).
        if total is None:
            out += together(r, missing)
            continue
        out += partial(r, missing)
        if total.truth is None:
            continue
        if total.shown is None and len(missing) == len(r.parts):
            continue  # the hidden total's own value is known: a target if it is small
        present = [states[p].truth for p in r.parts if p in states]
        if any(v is None for v in present):
            continue
        rest = total.truth - sum(v for v in present if v is not None)
        if 0 < rest < threshold:
            out.append(Target(f"residual {r.kind} of {r.total}", missing, rest))
    return out


MAX_PARTIAL = 4  # missing parts of one relation whose partial sums are attacked (2^n sums)


def together(r: Relation, missing: tuple[Coord, ...]) -> list[Target]:
    """A total not sent yet and two or more of its parts not sent either: when the total
    arrives with the rest, any sum of them may become its residual. Every such sum must be
    able to be 0 or be unable to be small: one target, however many (:attr:`Target.subsets`,
    which solves them all at once where they can all be 0 at once, as they mostly can)."""
    if len(missing) < 2:
        return []
    # A sum at least the threshold is safe as a sum, but each part may still be pinned
    # small on its own (a region's month of 8, not sent, over six members not sent): each
    # is attacked as a cell not sent too.
    return [Target(f"parts not sent {r.kind} of {r.total}", missing, None, missing=True,
                   at_once=True, subsets=True),
            *(Target(f"missing {p}", (p,), None, missing=True) for p in missing)]


def partial(r: Relation, missing: tuple[Coord, ...]) -> list[Target]:
    """A missing part that arrives later turns the sum of the others into a residual, which
    what is published now may already pin: a month's total of 24 whose three groups are not
    sent, where the published quarters and region bound "other" to 22 − January's hidden
    "other"; when "other" arrives as 20, the other two are 4, and the attacker had them in
    [2, 12] already. So every sum of two or more missing parts, short of all of them (the
    residual itself), is attacked as an unknown value (single parts are attacked as cells
    not sent). Up to :data:`MAX_PARTIAL` missing parts each sum is a target; beyond, one
    target stands for the 2^n sums and is searched (:attr:`Target.subsets`)."""
    if len(missing) < 3:
        return []
    if len(missing) > MAX_PARTIAL:
        return [Target(f"partial sums {r.kind} of {r.total}", missing, None, missing=True,
                       subsets=True, proper=True)]
    return [Target(f"partial sum {r.kind} of {r.total}: {', '.join(map(str, sub))}", sub,
                   None, missing=True)
            for k in range(2, len(missing)) for sub in combinations(missing, k)]


def targets_of(relations: list[Relation], states: Mapping[Coord, CellState],
               threshold: float, noise: float = 0.0) -> list[Target]:
    present = states.keys()
    cells = present & chain(chain.from_iterable(r.parts for r in relations),
                            (r.total for r in relations))
    out = [Target(f"cell {c}", (c,), states[c].truth) for c in sorted(cells)
           if states[c].primary and states[c].shown is None]
    # A cell not sent yet may be pinned by what is published around it, directly or through
    # other unsent cells (a month: its quarter minus the other months, one of which the
    # region's month bounds): every one in a relation with something present is attacked.
    # Not one that holds the threshold already (:func:`at_least`). Dark cells (:func:`dark`)
    # are no longer in ``relations``.
    near = set(chain.from_iterable(r.cells for r in relations if r.total in present or
                                   not present.isdisjoint(r.parts)))
    near.difference_update(present)
    under = breakdowns(relations, near)
    out += [Target(f"missing {c}", (c,), None, missing=True) for c in sorted(near)
            if at_least(under.get(c, ()), states, noise) < threshold]
    return out + residuals(relations, states, threshold)
