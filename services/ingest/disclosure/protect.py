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

from services.ingest.disclosure.attack import Problem, Protection, Target, components, intervals
from services.ingest.disclosure.links import Coord, Links, Relation


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
            limit: int = 200_000, areas: AbstractSet[str] | None = None) -> list[Relation]:
    """Every relation reachable from ``start`` through hidden or missing cells.

    ``states`` is filled with the present cells met. Shown cells are constants and stop the
    walk. A relation of missing cells only links cells not sent yet (a region's quarter
    through its members' quarters to their months): the walk follows such relations at most
    ``hops`` times in a row, which bounds it on tables with many unreported breakdowns.
    """
    seen: set[Relation] = set()
    out: list[Relation] = []
    budget: dict[Coord, int] = {c: 0 for c in start}  # all-missing hops used to reach it
    looked: set[Coord] = set(states)
    frontier = dict(budget)
    while frontier and len(out) < limit:
        rels = [(r, used) for c, used in frontier.items() for r in links.relations(c, areas)
                if r not in seen]
        need = {x for r, _ in rels for x in r.cells if x not in looked}
        looked |= need
        states.update(fetch(need))
        nxt: dict[Coord, int] = {}
        for r, used in rels:
            if r in seen:
                continue
            hop = used + 1 if not any(x in states for x in r.cells) else 0
            if hop > hops:
                continue
            seen.add(r)
            out.append(r)
            for x in r.cells:
                s = states.get(x)
                if (s is None or s.shown is None) and hop < budget.get(x, hops + 1):
                    budget[x] = nxt[x] = min(hop, nxt.get(x, hop))
        frontier = nxt
    return out


def residuals(relations: list[Relation], states: Mapping[Coord, CellState],
              threshold: float) -> list[Target]:
    """A total published while some of its parts are missing reveals their sum: a target
    when that sum is small. Parts implied by their own present parts do not count as missing."""
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
        present = [states[p].truth for p in r.parts if p in states]
        if any(v is None for v in present):
            continue
        rest = total.truth - sum(v for v in present if v is not None)
        if 0 < rest < threshold:
            out.append(Target(f"residual {r.kind} of {r.total}", missing, rest))
    return out


def protect(links: Links, fetch: Fetch, new: Mapping[Coord, float | None], *,
            threshold: float, protection: Protection, upper: float,
            areas: AbstractSet[str] | None = None) -> Outcome:
    """Decide which of a batch's new values of one linked table may be published.
    ``areas``: where anything of the table was ever published (:meth:`Links.relations`)."""
    before = fetch(list(new))
    decisions, fresh = initial(new, before, threshold)
    states: dict[Coord, CellState] = dict(before) | fresh
    relations = closure(links, fetch, list(new), states, areas=areas)
    reasons = {c: _REASON[d] for c, d in decisions.items() if d != SHOWN}
    outcome = Outcome(decisions, reasons, fresh)
    problem = _problem(relations, states, upper, links.noise)
    targets = _targets(relations, states, threshold)
    outcome.checked = len(targets)
    exposed = _exposed(problem, targets, protection)
    # Hiding a value turns a constant into a variable: intervals only widen, so a target
    # found safe stays safe; each exposed one is attacked again only after each hiding.
    for t in exposed:
        while _exposed(problem, [t], protection):
            pick = _cheapest(t, problem, relations, decisions)
            if pick is None:
                outcome.exposed.append(t.name)
                break
            decisions[pick] = SECONDARY
            kinds = sorted({r.kind for r in relations if pick in r.cells})
            reasons[pick] = (f"secondary: would narrow a protected {_what(t)} through "
                             f"{', '.join(kinds)}")
            states[pick] = fresh[pick] = CellState(states[pick].truth, None, False)
            problem = _problem(relations, states, upper, links.noise)
    return outcome


_REASON = {
    PRIMARY: "primary: fewer persons than the threshold",
    HELD: "held: the cell is hidden, so its corrections stay hidden too",
    AGENCY: "hidden by the agency",
}


def _exposed(problem: Problem, targets: list[Target], protection: Protection) -> list[Target]:
    found = intervals(problem, targets)
    return [t for t in targets if not protection.holds(t.truth, *found[t.name], t.missing)]


def _what(t: Target) -> str:
    return "sum of missing parts" if t.name.startswith("residual") else "cell"


def _problem(relations: list[Relation], states: Mapping[Coord, CellState], upper: float,
             noise: float) -> Problem:
    shown = {c: s.shown for c, s in states.items() if s.shown is not None}
    return Problem(relations, shown, {c: s.truth for c, s in states.items()}, upper, noise)


def _targets(relations: list[Relation], states: Mapping[Coord, CellState],
             threshold: float) -> list[Target]:
    cells = {c for r in relations for c in r.cells}
    out = [Target(f"cell {c}", (c,), states[c].truth) for c in sorted(cells)
           if c in states and states[c].primary and states[c].shown is None]
    # A cell not sent yet that several relations hold may be pinned by their combination
    # (a region minus the other members, and its quarter minus the other months).
    degree: dict[Coord, int] = {}
    for r in relations:
        if not any(c in states for c in r.cells):
            continue  # only relations with something published can pin a cell
        for c in r.cells:
            if c not in states:
                degree[c] = degree.get(c, 0) + 1
    out += [Target(f"missing {c}", (c,), None, missing=True)
            for c in sorted(c for c, n in degree.items() if n > 1)]
    return out + residuals(relations, states, threshold)


def _cheapest(t: Target, problem: Problem, relations: list[Relation],
              decisions: Mapping[Coord, str]) -> Coord | None:
    """The smallest new published value in a relation with the target, else in a relation
    with any cell of the target's component."""
    def candidates(rels: Iterable[Relation]) -> list[Coord]:
        return [c for r in rels for c in r.cells if decisions.get(c) == SHOWN]

    direct = candidates(r for r in relations if set(t.coords) & set(r.cells))
    if not direct:
        comp = components(problem)
        mine = {comp[c] for c in t.coords if c in comp}
        direct = candidates(r for r in relations
                            if any(comp.get(c) in mine for c in r.cells))
    if not direct:
        return None
    return min(direct, key=lambda c: (problem.shown[c], c))
