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

import time
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from services.ingest.disclosure import history, subsets
from services.ingest.disclosure.attack import Protection, Table, Target
from services.ingest.disclosure.bounds import EPS
from services.ingest.disclosure.links import Coord, Links, Presence, Relation, RelationKey
from services.ingest.disclosure.targets import CellState, dark, floored, targets_of, together

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
            threshold: float, withheld: AbstractSet[Coord] = frozenset(), clock: int = 0
            ) -> tuple[dict[Coord, str], dict[Coord, CellState]]:
    """Primary suppression and the stickiness of hidden cells. ``withheld``: cells the agency
    marked confidential (conf_status C or N) while sending their value: hidden by the agency,
    protected with their true value as a hidden small cell is. ``clock``: this batch's time;
    a revised cell keeps the revision it supersedes (:func:`.history.revised`)."""
    decisions: dict[Coord, str] = {}
    states: dict[Coord, CellState] = {}
    for c, v in new.items():
        prev = before.get(c)
        # A withdrawal, or a value withheld without one, leaves the cell's value unknown
        # now, as a cell not sent is: the value shown before stays a constant in the
        # snapshots before it (history and as_of serve it there; see .history). Kept as
        # today's constant instead, totals corrected after a withdrawal pinned the value
        # the cell then had, and its earlier revision was dated to when it came back (a
        # red team). Before snapshots were attacked, as an unknown it had let values
        # published later pin what it had protected.
        if v is None or c in withheld:
            decisions[c], states[c] = AGENCY, CellState(v, None, True)
        elif 0 < v < threshold:
            decisions[c], states[c] = PRIMARY, CellState(v, None, True)
        elif prev is not None and prev.shown is None:
            decisions[c], states[c] = HELD, CellState(v, None, prev.primary)
        else:
            decisions[c], states[c] = SHOWN, CellState(v, v, False)
        states[c] = history.revised(prev, states[c], clock) if prev is not None \
            else replace(states[c], since=clock)
    return decisions, states


def closure(links: Links, fetch: Fetch, start: Iterable[Coord],
            states: dict[Coord, CellState], hops: int = 1,
            limit: int = 200_000, present: Presence | None = None,
            quiet: AbstractSet[str] = frozenset()) -> list[Relation]:
    """Every relation reachable from ``start`` through hidden or missing cells.

    ``states`` is filled with the present cells met. Shown cells are constants and stop the
    walk. A relation of missing cells only links cells not sent yet (a region's quarter
    through its members' quarters to their months): the walk follows such relations at most
    ``hops`` times in a row, which bounds it on tables with many unreported breakdowns.
    A cell reached with its hops spent has only its relations that can hold a present cell
    built (``present``): the others would be all-missing, and left out anyway.
    ``quiet``: areas nothing was ever sent of, whose totals' relations are built but whose
    cells not sent are walked on from with their hops spent (only their relations that can
    hold a present cell: a nation over 290 municipalities mostly not sent).
    """
    seen: set[RelationKey] = set()
    tried: dict[RelationKey, int] = {}  # left out: the fewest hops it was reached with
    out: list[Relation] = []
    budget: dict[Coord, int] = {c: 0 for c in start}  # all-missing hops used to reach it
    looked: set[Coord] = set(states)
    frontier = dict(budget)
    while frontier and len(out) < limit:
        rels: list[tuple[Relation, int]] = []
        # A relation met again in the same round with as many hops used or more is the same
        # relation, and of the copies only the first that fits the hops counts below: not
        # built again (the nation's month, 290 parts, was built once per municipal cell).
        fewest: dict[RelationKey, int] = {}
        checks: dict[int, Callable[[RelationKey], bool]] = {}  # one per hops used, not cell
        for c, used in frontier.items():
            if used not in checks:
                def known(k: RelationKey, used: int = used,
                          fewest: dict[RelationKey, int] = fewest) -> bool:
                    return k in seen or tried.get(k, hops + 1) <= used or \
                        fewest.get(k, hops + 2) <= used
                checks[used] = known
            for r in links.relations(c, present, checks[used], used >= hops):
                fewest[r.key] = used
                rels.append((r, used))
        need = {x for r, _ in rels for x in r.cells if x not in looked}
        looked |= need
        states.update(fetch(need))
        nxt: dict[Coord, int] = {}
        for r, used in rels:
            k = r.key
            if k in seen:
                continue
            hop = 0 if r.total in states or not states.keys().isdisjoint(r.parts) \
                else used + 1
            if hop > hops:
                tried[k] = min(used, tried.get(k, used))
                continue
            seen.add(k)
            out.append(r)
            still = bool(quiet) and r.kind == "area" and r.total.area in quiet
            for x in r.cells:
                s = states.get(x)
                h = hops if still and s is None else hop
                if (s is None or s.shown is None) and h < budget.get(x, hops + 1):
                    budget[x] = nxt[x] = min(h, nxt.get(x, h))
        frontier = nxt
    return out


def protect(links: Links, fetch: Fetch, new: Mapping[Coord, float | None], *,
            threshold: float, protection: Protection, upper: float,
            present: Presence | None = None,
            withheld: AbstractSet[Coord] = frozenset(), clock: int | None = None) -> Outcome:
    """Decide which of a batch's new values of one linked table may be published.
    ``present``: where anything of the table was ever published (:meth:`Links.relations`);
    ``withheld``, ``clock`` (default: now): see :func:`initial`."""
    before = fetch(list(new))
    decisions, fresh = initial(new, before, threshold, withheld,
                               time.time_ns() if clock is None else clock)
    states: dict[Coord, CellState] = dict(before) | fresh
    reasons = {c: _REASON[d] for c, d in decisions.items() if d != SHOWN}
    outcome = Outcome(decisions, reasons, fresh)
    targets, table, also = attack_from(links, fetch, list(new), states,
                                       threshold=threshold, upper=upper, present=present)
    outcome.checked = len(targets)
    # Hiding a value turns a constant into a variable: intervals only widen, so a known value
    # found safe stays safe. An unknown one (not sent yet, or hidden by the agency) is also
    # safe when pinned at or above the threshold, or at zero, and widening can unpin it into
    # the small range: those are attacked again after every round that hid something.
    # Only a target whose component now holds a value hidden in the round can have moved:
    # every other interval is what it was.
    unknown = [t for t in targets if t.truth is None]
    views = _views(table, also)
    for view in views:
        view.prepare(targets)
    todo = exposed(table, targets, protection, also)
    while todo:
        hid = [c for t in todo for c in _shield(t, views, protection, outcome, states)]
        moved = {c for view in views for c in view.component(hid)[0]}
        todo = [t for t in exposed(table, [u for u in unknown if moved.intersection(u.coords)],
                                   protection, also) if t.name not in outcome.exposed]
    _release_pinned(views, outcome, states)
    return outcome


def _release_pinned(views: list[Table], outcome: Outcome, states: dict[Coord, CellState]
                    ) -> None:
    """Publish again each value held back as secondary that the published values pin exactly
    (a relation without tolerance whose other cells are all shown): the attacker knows it
    already, so publishing it adds an equation they have and every interval stays as it was.
    Greedy choices made before a later one pinned them protected nothing (a usability walk:
    Kvinnor 61 hidden beside Totalt 135 and Män 74 published). A released value may pin
    another, so until none is left. (Pinned by what was published: the first view.)"""
    table = views[0]
    while True:
        released = [c for c, d in sorted(outcome.decisions.items()) if d == SECONDARY
                    and states[c].truth is not None and table.pinned(c)]
        if not released:
            return
        for c in released:
            truth = states[c].truth
            assert truth is not None  # chosen for it above
            outcome.decisions[c] = SHOWN
            outcome.reasons.pop(c, None)
            states[c] = outcome.states[c] = replace(states[c], shown=truth, primary=False)
            for view in views:
                view.show(c, truth)


def _shield(t: Target, views: list[Table], protection: Protection, outcome: Outcome,
            states: dict[Coord, CellState]) -> list[Coord]:
    """Hold back the cheapest new values around ``t`` until no view of the attack narrows
    it (chosen in the first view that does); the values held back. ``t`` goes to
    ``outcome.exposed`` if no new value can help."""
    hid: list[Coord] = []
    while narrowing := _narrowing(views, t, protection):
        table = narrowing[0]
        pick = _cheapest(t, table, outcome.decisions)
        if pick is None:
            outcome.exposed.append(t.name)
            break
        outcome.decisions[pick] = SECONDARY
        kinds = sorted({table.relations[i].kind for i in table.rows_of[pick]})
        outcome.reasons[pick] = (f"secondary: would narrow a protected {_what(t)} through "
                                 f"{', '.join(kinds)}")
        states[pick] = outcome.states[pick] = replace(states[pick], shown=None, primary=False)
        for view in views:
            view.hide(pick)
        hid.append(pick)
    return hid


_REASON = {
    PRIMARY: "primary: fewer persons than the threshold",
    HELD: "held: the cell is hidden, so its corrections stay hidden too",
    AGENCY: "hidden by the agency",
}


def attack_from(links: Links, fetch: Fetch, start: list[Coord],
                states: dict[Coord, CellState], *, threshold: float, upper: float,
                present: Presence | None = None) -> tuple[list[Target], Table, Table | None]:
    """What to protect around ``start``, and the attacker's view of it: the relations walked
    from there (dark totals left out), their targets, and the table to attack them on; and
    the view of an attacker who also takes cells never sent for unchanged where the data
    bear it out (:func:`.history.assumed`), where that adds anything. A target must hold
    in both: for a cell not sent, "safe" is a wide range *or* one at least the threshold,
    so knowing more can make it look safe where an attacker who assumes less pins it."""
    walked = closure(links, fetch, start, states, present=present)
    unseen = dark(walked, states, upper - 2 * threshold)
    relations = [r for r in walked if r.total not in unseen]
    beside = [r for r in walked if r.total in unseen]
    free: list[Relation] = []
    if present is not None and history.has_past(walked, states):
        # An area total never sent is a free variable in one snapshot, so its relation is
        # left out (Links.relations); but across a revision, one who takes it for unchanged
        # reads its members' sum as a constant (27 persons moved between two members of a
        # region never sent gave the small one away). So the second view takes the
        # relations of the totals above the table's areas too, at every moment: their
        # parts never sent are walked with their hops spent (only relations that can hold
        # a cell sent, such as a member's own groups), their hidden parts in full.
        wide = links.with_totals(present)
        quiet = wide.areas - present.areas
        known = {r.key for r in walked}
        free = [r for r in closure(links, fetch, start, states, present=wide, quiet=quiet)
                if r.key not in known]
    earlier, assumed = history.snapshots(
        lambda got, at, seen: closure(links, got, at, seen, present=present),
        lambda rels, seen: dark(rels, seen, upper - 2 * threshold),
        fetch, start, relations, states, beside + free, free)
    targets = targets_of(relations, states, threshold, links.noise)
    targets += history.earlier_targets(earlier, states)
    targets += floored(walked, unseen, states, threshold, links.noise)
    # A dark total's relation is left out, but its parts that are not dark and not sent may
    # be pinned together; their sums become a residual when the total arrives.
    targets += [t for r in walked if r.total in unseen
                for t in together(r, tuple(p for p in r.parts
                                           if p not in states and p not in unseen))]
    # One target per quantity: a cell not sent is met from each relation it is in, and a
    # dark half-year's parts can come down to its month's (a third of a month's batch came
    # twice or more); every round of the greedy judged each copy again.
    once: dict[tuple[object, ...], Target] = {}
    for t in targets:
        once.setdefault((t.coords, t.truth, t.missing, t.at_once, t.subsets, t.proper), t)
    targets = list(once.values())
    also = table_of(relations + assumed, states, upper, links.noise, targets) \
        if assumed else None
    return targets, table_of(relations + earlier, states, upper, links.noise, targets), also


def exposed(table: Table, targets: list[Target], protection: Protection,
            also: Table | None = None) -> list[Target]:
    """The targets the interval attack narrows below their protection range (in ``table``,
    or in the view ``also``: :func:`attack_from`). A cell not sent yet that one relation
    already bounds below by the threshold is safe without an LP, and so is a target whose
    range points solved for other targets already span."""
    views = _views(table, also)
    for view in views:
        view.cover(targets, protection)
    return [t for t in targets if any(not _safe(view, t, protection) for view in views)]


def _views(table: Table, also: Table | None) -> list[Table]:
    return [table] if also is None else [table, also]


def _narrowing(views: list[Table], t: Target, protection: Protection) -> list[Table]:
    """The views in which the attack narrows ``t`` below its protection range."""
    return [view for view in views if not _safe(view, t, protection)]


def _safe(table: Table, t: Target, protection: Protection) -> bool:
    # Before the shortcut: sums without the first cell are targets too. (Of two cells, the
    # only sum is both: the at-once rule below is the same, and cheaper.)
    if t.subsets and len(t.coords) > 2:
        return subsets.safe(table, t, protection.minimum)
    reach = protection.sufficient(t.truth, t.at_once)
    if len(t.coords) == 1 and table.spans(t.coords[0], reach):
        return True  # what interval() below concludes from the same points, without it
    if t.missing and table.floor(t.coords[0]) >= protection.minimum:
        return True
    if _boxed(t, protection, *table.box(t)):
        return False
    if table.stretch(t, reach):  # more points, by shift patterns: no LP
        return True
    # An unknown value (or values that must be 0 at once) pinned at or above the threshold
    # holds no small count: safe whatever its top.
    settled = protection.minimum if t.truth is None else None
    interval = table.interval(t, reach, settled)
    return protection.holds(t.truth, *interval, at_once=t.at_once)


def _boxed(t: Target, protection: Protection, lo: float, hi: float) -> bool:
    """Whether no interval within ``[lo, hi]`` (:meth:`Table.box`: its variables' own
    bounds, which hold the LP's interval) holds for ``t``: exposed without an LP. A known
    value needs an interval wide enough, so a box too narrow is an LP interval too narrow
    (a small cell its relation pins: each primary cell's first judgement). An unknown value
    or values that must be 0 at once are safe at 0 or at the threshold and above, so only a
    box strictly between them proves anything (a hidden 3 pinned, taken for a quarter not
    sent: a quarter-end month's targets)."""
    if t.truth is not None and not t.at_once:
        return not protection.holds(t.truth, lo, hi)
    return lo > hi or (lo > EPS and hi < protection.minimum - EPS)


def _what(t: Target) -> str:
    return "sum of missing parts" if t.name.startswith("residual") or len(t.coords) > 1 \
        else "cell"


def table_of(relations: list[Relation], states: Mapping[Coord, CellState], upper: float,
             noise: float, targets: Iterable[Target]) -> Table:
    """The attacker's view: published values fixed, the rest (and the truth) as they are."""
    shown = {c: s.shown for c, s in states.items() if s.shown is not None}
    return Table(relations, shown, {c: s.truth for c, s in states.items()}, upper, noise,
                 keep={c for t in targets for c in t.coords})


def _cheapest(t: Target, table: Table, decisions: Mapping[Coord, str]) -> Coord | None:
    """The smallest new published value in a relation with the target, else in a relation
    of the target's component."""
    def candidates(rows: Iterable[int]) -> list[Coord]:
        return [c for i in rows for c in table.relations[i].cells
                if decisions.get(c) == SHOWN and c in table.shown]

    direct = candidates(i for c in t.coords for i in table.rows_of.get(c, ()))
    if not direct:  # the batch's values, not the component's cells: those are thousands
        rows = table.around(t.coords)
        direct = [c for c, d in decisions.items() if d == SHOWN and c in table.shown
                  and any(i in rows for i in table.rows_of.get(c, ()))]
    if not direct:
        return None
    return min(direct, key=lambda c: (table.shown[c], c))
