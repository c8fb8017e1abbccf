"""Secondary suppression over a stream of batches and corrections. Pure.

On every batch: the small new values are hidden (primary); a cell once hidden stays hidden in
every later revision (what the public never saw cannot become a difference of two answers);
then, while the interval attack (:mod:`.attack`) narrows some protected target below its
protection range, the cheapest new value in a relation with that target is held back too.
Values published earlier are never candidates: what was shown cannot be unshown.

The heuristic is greedy by cost (the value, as tau-Argus's default cost), validated by the LP
after every choice, so the result is always protected but not always minimal (optimal
secondary suppression is NP-hard); bench/privacy.py measures the distance to a lower bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import combinations

from services.ingest.disclosure.attack import Protection, Table, Target
from services.ingest.disclosure.links import Coord, Links, Presence, Relation, RelationKey


@dataclass(frozen=True)
class CellState:
    """One present cell: its true value (None if the agency hid it), what the public sees
    (None: hidden), and whether it is protected (it was small when hidden as primary)."""

    truth: float | None
    shown: float | None
    primary: bool


Fetch = Callable[[Iterable[Coord]], Mapping[Coord, CellState]]

PRIMARY, SECONDARY, HELD, AGENCY, SHOWN = "primary", "secondary", "held", "agency", "shown"


@dataclass
class Outcome:
    decisions: dict[Coord, str] = field(default_factory=dict)  # new cells: how they stand
    reasons: dict[Coord, str] = field(default_factory=dict)  # hidden new cells: why
    states: dict[Coord, CellState] = field(default_factory=dict)  # new cells' states to store
    exposed: list[str] = field(default_factory=list)  # targets no new value could protect
    checked: int = 0  # targets attacked


def initial(new: Mapping[Coord, float | None], before: Mapping[Coord, CellState],
            threshold: float) -> tuple[dict[Coord, str], dict[Coord, CellState]]:
    """Primary suppression and the stickiness of hidden cells."""
    decisions: dict[Coord, str] = {}
    states: dict[Coord, CellState] = {}
    for c, v in new.items():
        prev = before.get(c)
        if v is None:
            decisions[c], states[c] = AGENCY, CellState(None, None, True)
        elif 0 < v < threshold:
            decisions[c], states[c] = PRIMARY, CellState(v, None, True)
        elif prev is not None and prev.shown is None:
            decisions[c], states[c] = HELD, CellState(v, None, prev.primary)
        else:
            decisions[c], states[c] = SHOWN, CellState(v, v, False)
    return decisions, states


def closure(links: Links, fetch: Fetch, start: Iterable[Coord],
            states: dict[Coord, CellState], hops: int = 1,
            limit: int = 200_000, present: Presence | None = None) -> list[Relation]:
    """Every relation reachable from ``start`` through hidden or missing cells.

    ``states`` is filled with the present cells met. Shown cells are constants and stop the
    walk. A relation of missing cells only links cells not sent yet (a region's quarter
    through its members' quarters to their months): the walk follows such relations at most
    ``hops`` times in a row, which bounds it on tables with many unreported breakdowns.
    A cell reached with its hops spent has only its relations that can hold a present cell
    built (``present``): the others would be all-missing, and left out anyway.
    """
    seen: set[RelationKey] = set()
    tried: dict[RelationKey, int] = {}  # left out: the fewest hops it was reached with
    out: list[Relation] = []
    budget: dict[Coord, int] = {c: 0 for c in start}  # all-missing hops used to reach it
    looked: set[Coord] = set(states)
    frontier = dict(budget)
    while frontier and len(out) < limit:
        rels: list[tuple[Relation, int]] = []
        for c, used in frontier.items():
            def known(k: RelationKey, used: int = used) -> bool:
                return k in seen or tried.get(k, hops + 1) <= used
            rels += [(r, used) for r in links.relations(c, present, known, used >= hops)]
        need = {x for r, _ in rels for x in r.cells if x not in looked}
        looked |= need
        states.update(fetch(need))
        nxt: dict[Coord, int] = {}
        for r, used in rels:
            k = r.key
            if k in seen:
                continue
            hop = used + 1 if not any(x in states for x in r.cells) else 0
            if hop > hops:
                tried[k] = min(used, tried.get(k, used))
                continue
            seen.add(k)
            out.append(r)
            for x in r.cells:
                s = states.get(x)
                if (s is None or s.shown is None) and hop < budget.get(x, hops + 1):
                    budget[x] = nxt[x] = min(hop, nxt.get(x, hop))
        frontier = nxt
    return out


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
    candidates = {c for r in relations for c in r.cells if c not in states}
    totals_of: dict[Coord, list[Coord]] = {}
    parts_of: dict[Coord, list[Coord]] = {}
    for r in relations:
        parts_of.setdefault(r.total, []).extend(r.parts)
        for p in r.parts:
            totals_of.setdefault(p, []).append(r.total)
    # The greatest set closed upwards: a cell under a total that is not dark is not dark, and
    # neither, in turn, are the parts under it.
    stack = [c for c in candidates if any(t not in candidates for t in totals_of.get(c, ()))]
    while stack:
        c = stack.pop()
        if c in candidates:
            candidates.discard(c)
            stack += [p for p in parts_of.get(c, ()) if p in candidates]
    if candidates and _heaviest(relations, states, candidates) > ceiling:
        return set()
    return candidates


def floored(relations: list[Relation], dark_cells: AbstractSet[Coord],
            states: Mapping[Coord, CellState], threshold: float,
            noise: float) -> list[Target]:
    """Dark totals that the cells under them may pin from below (a region's month not sent
    yet is at least its member's hidden month, which the published values may bound). Each
    breakdown of a dark total is a target: the sum of its parts, a dark part replaced in turn
    by its own breakdown with the most cells that are not dark (:func:`_below`; the dark
    cells left are free, at least 0). Different breakdowns need not add up to the same in the
    kept relations (they meet only through dark cells), so each one is attacked."""
    by_total: dict[Coord, list[Relation]] = {}
    for r in relations:
        if r.total in dark_cells:
            by_total.setdefault(r.total, []).append(r)
    out, seen = [], set()
    for total, rels in sorted(by_total.items()):
        if at_least(rels, states, noise) >= threshold:
            continue
        for r in rels:
            cells = _below(r, by_total, dark_cells)
            if cells not in seen and any(c not in dark_cells for c in cells):
                seen.add(cells)
                out.append(Target(f"missing {total}", cells, None, missing=True))
    return out


def _below(r: Relation, by_total: Mapping[Coord, list[Relation]],
           dark_cells: AbstractSet[Coord], depth: int = 4) -> tuple[Coord, ...]:
    """The parts of ``r`` with its dark parts broken down (``depth`` levels at most)."""
    cells: list[Coord] = []
    for p in r.parts:
        below = by_total.get(p, ()) if p in dark_cells and depth else ()
        best = max(below, key=lambda q: sum(x not in dark_cells for x in q.parts), default=None)
        if best is None:
            cells.append(p)
        else:
            cells += _below(best, by_total, dark_cells, depth - 1)
    return tuple(sorted(set(cells)))


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
    by_total: dict[Coord, list[Relation]] = {}
    for r in relations:
        if r.total in dark:
            by_total.setdefault(r.total, []).append(r)
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
    implied = {r.total for r in relations if any(p in states for p in r.parts)}
    out = []
    for r in relations:
        total = states.get(r.total)
        missing = tuple(p for p in r.parts if p not in states)
        if total is None or total.truth is None or not missing:
            continue
        if total.shown is None and len(missing) == len(r.parts):
            continue  # the hidden total is a target itself
        if any(p in implied for p in missing):
            continue
        out += partial(r, missing)
        present = [states[p].truth for p in r.parts if p in states]
        if any(v is None for v in present):
            continue
        rest = total.truth - sum(v for v in present if v is not None)
        if 0 < rest < threshold:
            out.append(Target(f"residual {r.kind} of {r.total}", missing, rest))
    return out


MAX_PARTIAL = 4  # missing parts of one relation whose partial sums are attacked (2^n sums)


def partial(r: Relation, missing: tuple[Coord, ...]) -> list[Target]:
    """A missing part that arrives later turns the sum of the others into a residual, which
    what is published now may already pin: a month's total of 24 whose three groups are not
    sent, where the published quarters and region bound "other" to 22 − January's hidden
    "other"; when "other" arrives as 20, the other two are 4, and the attacker had them in
    [2, 12] already. So every sum of two or more missing parts, short of all of them (the
    residual itself), is attacked as an unknown value, where a relation has at most
    :data:`MAX_PARTIAL` missing parts (single parts are attacked as cells not sent)."""
    if not 3 <= len(missing) <= MAX_PARTIAL:
        return []
    return [Target(f"partial sum {r.kind} of {r.total}: {', '.join(map(str, sub))}", sub,
                   None, missing=True)
            for k in range(2, len(missing)) for sub in combinations(missing, k)]


def protect(links: Links, fetch: Fetch, new: Mapping[Coord, float | None], *,
            threshold: float, protection: Protection, upper: float,
            present: Presence | None = None) -> Outcome:
    """Decide which of a batch's new values of one linked table may be published.
    ``present``: where anything of the table was ever published (:meth:`Links.relations`)."""
    before = fetch(list(new))
    decisions, fresh = initial(new, before, threshold)
    states: dict[Coord, CellState] = dict(before) | fresh
    reasons = {c: _REASON[d] for c, d in decisions.items() if d != SHOWN}
    outcome = Outcome(decisions, reasons, fresh)
    targets, table = attack_from(links, fetch, list(new), states, threshold=threshold,
                                 upper=upper, present=present)
    outcome.checked = len(targets)
    # Hiding a value turns a constant into a variable: intervals only widen, so a known value
    # found safe stays safe. An unknown one (not sent yet, or hidden by the agency) is also
    # safe when pinned at or above the threshold, or at zero, and widening can unpin it into
    # the small range: those are attacked again after every round that hid something.
    unknown = [t for t in targets if t.truth is None]
    todo = exposed(table, targets, protection)
    while todo:
        hid = sum(_shield(t, table, protection, outcome, states) for t in todo)
        todo = [t for t in exposed(table, unknown, protection)
                if t.name not in outcome.exposed] if hid else []
    return outcome


def _shield(t: Target, table: Table, protection: Protection, outcome: Outcome,
            states: dict[Coord, CellState]) -> int:
    """Hold back the cheapest new values around ``t`` until the attack no longer narrows it;
    how many were held back. ``t`` goes to ``outcome.exposed`` if no new value can help."""
    hid = 0
    while exposed(table, [t], protection):
        pick = _cheapest(t, table, outcome.decisions)
        if pick is None:
            outcome.exposed.append(t.name)
            break
        outcome.decisions[pick] = SECONDARY
        kinds = sorted({table.relations[i].kind for i in table.rows_of[pick]})
        outcome.reasons[pick] = (f"secondary: would narrow a protected {_what(t)} through "
                                 f"{', '.join(kinds)}")
        states[pick] = outcome.states[pick] = CellState(states[pick].truth, None, False)
        table.hide(pick)
        hid += 1
    return hid


_REASON = {
    PRIMARY: "primary: fewer persons than the threshold",
    HELD: "held: the cell is hidden, so its corrections stay hidden too",
    AGENCY: "hidden by the agency",
}


def attack_from(links: Links, fetch: Fetch, start: list[Coord],
                states: dict[Coord, CellState], *, threshold: float, upper: float,
                present: Presence | None = None) -> tuple[list[Target], Table]:
    """What to protect around ``start``, and the attacker's view of it: the relations walked
    from there (dark totals left out), their targets, and the table to attack them on."""
    walked = closure(links, fetch, start, states, present=present)
    unseen = dark(walked, states, upper - 2 * threshold)
    relations = [r for r in walked if r.total not in unseen]
    targets = targets_of(relations, states, threshold, links.noise)
    targets += floored(walked, unseen, states, threshold, links.noise)
    return targets, table_of(relations, states, upper, links.noise, targets)


def exposed(table: Table, targets: list[Target], protection: Protection) -> list[Target]:
    """The targets the interval attack narrows below their protection range. A cell not sent
    yet that one relation already bounds below by the threshold is safe without an LP, and
    so is a target whose range points solved for other targets already span."""
    return [t for t in targets
            if not (t.missing and table.floor(t.coords[0]) >= protection.minimum)
            and not table.witnessed(t, protection.sufficient(t.truth))
            and not protection.holds(t.truth, *table.interval(t))]


def _what(t: Target) -> str:
    return "sum of missing parts" if t.name.startswith("residual") else "cell"


def table_of(relations: list[Relation], states: Mapping[Coord, CellState], upper: float,
             noise: float, targets: Iterable[Target]) -> Table:
    """The attacker's view: published values fixed, the rest (and the truth) as they are."""
    shown = {c: s.shown for c, s in states.items() if s.shown is not None}
    return Table(relations, shown, {c: s.truth for c, s in states.items()}, upper, noise,
                 keep={c for t in targets for c in t.coords})


def targets_of(relations: list[Relation], states: Mapping[Coord, CellState],
               threshold: float, noise: float = 0.0) -> list[Target]:
    cells = {c for r in relations for c in r.cells}
    out = [Target(f"cell {c}", (c,), states[c].truth) for c in sorted(cells)
           if c in states and states[c].primary and states[c].shown is None]
    # A cell not sent yet may be pinned by what is published around it, directly or through
    # other unsent cells (a month: its quarter minus the other months, one of which the
    # region's month bounds): every one in a relation with something present is attacked.
    # Not one that holds the threshold already (:func:`at_least`). Dark cells (:func:`dark`)
    # are no longer in ``relations``.
    near = {c for r in relations if any(x in states for x in r.cells)
            for c in r.cells if c not in states}
    under: dict[Coord, list[Relation]] = {}
    for r in relations:
        if r.total in near:
            under.setdefault(r.total, []).append(r)
    out += [Target(f"missing {c}", (c,), None, missing=True) for c in sorted(near)
            if at_least(under.get(c, ()), states, noise) < threshold]
    return out + residuals(relations, states, threshold)


def _cheapest(t: Target, table: Table, decisions: Mapping[Coord, str]) -> Coord | None:
    """The smallest new published value in a relation with the target, else in a relation
    of the target's component."""
    def candidates(rows: Iterable[int]) -> list[Coord]:
        return [c for i in rows for c in table.relations[i].cells
                if decisions.get(c) == SHOWN and c in table.shown]

    direct = candidates(i for c in t.coords for i in table.rows_of.get(c, ()))
    if not direct:
        direct = candidates(table.component(t.coords)[1])
    if not direct:
        return None
    return min(direct, key=lambda c: (table.shown[c], c))
