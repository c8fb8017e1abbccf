"""What earlier revisions tell the attacker. Pure.

History and ``as_of`` answers serve every revision, so the attacker holds every *snapshot*
of a relation the public could ever read, not only today's: a region published as 278 beside
a municipality's 35, then corrected to 247 with the municipality's correction hidden as a
small count (4), gives the hidden value away as 247 − (278 − 35) when the other members did
not change (an independent review read it exactly). Each relation with a cell revised since
it was first published is therefore attacked again as it stood just before each revision:
the cell's earlier revision is a cell of its own (a constant if it was shown, a variable
with its true value if hidden: protected like any other), a cell not revised since is the
same variable as today, and a cell not stored yet then is a cell not sent at that moment
(one per cell and moment: what it is today, sent or not, may differ).

Times are the checking process's clock at each batch (``since``: a cell's first revision,
``until``: when a revision was superseded). Batches of one linked table are serialised
(:func:`~.service.lock_tables`), so their order is the clocks' order on one host; across
hosts only a skew larger than the time between two batches of one table could misplace a
snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from services.ingest.disclosure.attack import Target
from services.ingest.disclosure.consistent import consistent
from services.ingest.disclosure.evidence import first_truth as _first
from services.ingest.disclosure.evidence import standing as _state
from services.ingest.disclosure.evidence import truth_then as _then
from services.ingest.disclosure.evidence import unchanged as _unchanged
from services.ingest.disclosure.linked import EARLIER_KIND
from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.targets import CellState

EARLIER = "~revision"  # the dimension that tells an earlier revision's cell from today's
KIND = EARLIER_KIND  # appended to the kind of a relation's earlier snapshot


def revised(prev: CellState, new: CellState, clock: int) -> CellState:
    """``new`` superseding ``prev``: with ``prev`` kept as an earlier revision when the
    public's snapshot changes (a duplicate of what stands, or a withdrawal that leaves the
    last value shown, keeps none)."""
    if (prev.truth, prev.shown, prev.primary) == (new.truth, new.shown, new.primary):
        return CellState(new.truth, new.shown, new.primary, prev.past, prev.since)
    past = (*prev.past, (prev.truth, prev.shown, prev.primary, clock))
    return CellState(new.truth, new.shown, new.primary, past, prev.since)


Walk = Callable[[Callable[[Iterable[Coord]], Mapping[Coord, CellState]], list[Coord],
                 dict[Coord, CellState]], list[Relation]]
Dark = Callable[[list[Relation], Mapping[Coord, CellState]], set[Coord]]


def snapshots(walk: Walk, dark: Dark, fetch: Callable[[Iterable[Coord]], Mapping[Coord,
              CellState]], start: list[Coord], relations: list[Relation],
              states: dict[Coord, CellState], beside: Sequence[Relation] = (),
              free: Sequence[Relation] = ()) -> tuple[list[Relation], list[Relation]]:
    """The relations as they stood just before each revision of a cell in ``relations``,
    where they differ from today's: at each such moment, the walk from ``start`` over the
    cells as they were (through cells hidden or not sent then), its dark totals left out,
    each cell named as :func:`_at` names it. The earlier revisions' cells, and every cell
    met, are added to ``states``.

    Only the moments before a revision matter: between two revisions the table only grew
    (new cells), and a cell not sent yet is a value of its own, so what the public read
    then follows from what it reads later (set each such value to what the cell holds now).
    Before a revision that no longer holds: a revised cell's old value is in no answer of
    today, so the snapshot is the attacker's own equation.

    Second: the relations of an attacker who also takes cells never sent for unchanged
    where the data bear it out (:func:`assumed`; ``beside``: today's relations of dark
    totals, left out of ``relations``), or none where that adds nothing. ``free``: the
    relations met only by a walk that takes the area totals nothing was ever sent of as
    present (theirs, and the breakdowns of their parts), as today's walk met them: dark at
    every moment, and walked at none. Moments come from the dark relations too."""
    # The moments: from the cells of today's walk, and of each moment's walk too (a cell
    # shown today stops today's walk, but not the walk of a moment it was not sent yet).
    todo = _moments(relations, states) | _moments(beside, states)
    done: set[int] = set()
    moments: list[Moment] = []
    asked: set[Coord] = set()  # fetched once for all moments (most are never stored)
    while todo - done:
        u = max(todo - done)
        done.add(u)
        def then(coords: Iterable[Coord], u: int = u) -> dict[Coord, CellState]:
            coords = list(coords)
            new = [c for c in coords if c not in states and c not in asked]
            asked.update(new)
            states.update(fetch(new))
            return {c: was for c in coords if (was := _state(states.get(c), u)) is not None}
        seen: dict[Coord, CellState] = {}
        own = walk(then, start, seen)
        unseen = dark(own, seen)
        keys = {r.key for r in own}
        extra = [r for r in free if r.key not in keys]  # dark as relations, not by total
        walked = own + extra
        todo |= _moments(walked, states)
        kept = [r for r in own if r.total not in unseen]
        same = _identified(kept, states, u)
        still, chains, joint = _unchanged(walked, states, u, same)
        moments.append(Moment(u, kept, [r for r in own if r.total in unseen] + extra, same,
                              still, chains, joint))
    return (_new(relations, _named(moments, {}, states)),
            assumed(moments, relations, beside, states))


@dataclass
class Moment:
    """The table as it stood just before the batch at ``u``: its relations (``dark``: those
    of totals nothing bounds, left out), the cells not sent then taken for what they were
    first sent as (``same``), and those never sent that may be taken for today's
    (``still``, :func:`_unchanged`, with the breakdowns a total was read through:
    ``chains``; ``joint``: cells sent late taken for their first values only beside cells
    never sent taken for unchanged, so only in the second view)."""

    u: int
    kept: list[Relation]
    dark: list[Relation]
    same: set[Coord]
    still: set[Coord]
    chains: dict[Coord, list[Relation]]  # a cell of ``still``: the breakdowns it was read by
    joint: set[Coord]


def assumed(moments: Sequence[Moment], relations: list[Relation],
            beside: Sequence[Relation], states: MutableMapping[Coord, CellState]
            ) -> list[Relation]:
    """The snapshots of an attacker who takes cells never sent for unchanged, where the data
    bear it out, beside today's ``relations``: moment by moment, the newest first, kept only
    where the values samstat holds still satisfy every relation so named
    (:func:`.consistent.consistent`: nothing false is pinned). Dark totals' relations join
    where they hold such a cell (a total never sent over parts reclassified: young 30,
    sick 20, other 50 published, then young 3 hidden and other 77, give young as
    30 + 50 - 77 to whoever takes the total for unchanged). Empty where nothing is taken."""
    still: dict[int, set[Coord]] = {}
    named: list[Relation] = []  # the moments kept so far, so named
    for m in moments:
        if m.still:
            mine = _named([m], {m.u: m.still}, states)
            taken = set().union(m.still, *still.values())
            today = _holding(beside, taken) + _chains(moments, taken)
            if consistent(relations + named + mine + today, states, taken):
                still[m.u] = m.still
                named += mine
    if not still:
        return []
    taken = set().union(*still.values())
    return _new(relations, _named(moments, still, states) + _holding(beside, taken)
                + _chains(moments, taken))


def _chains(moments: Iterable[Moment], taken: AbstractSet[Coord]) -> list[Relation]:
    """Today's relations under the cells taken for unchanged through a chain
    (:func:`.breakdowns.flat`): a total over parts never sent is read through their breakdowns."""
    return list({r: None for m in moments for c in taken for r in m.chains.get(c, ())})


def _holding(relations: Iterable[Relation], cells: set[Coord]) -> list[Relation]:
    return [r for r in relations if cells.intersection(r.cells)]


def _named(moments: Iterable[Moment], still: Mapping[int, set[Coord]],
           states: MutableMapping[Coord, CellState]) -> list[Relation]:
    """Each moment's relations, each cell named as the public read it then (:func:`_at`;
    ``still``: the cells never sent taken for today's at each moment, with the dark
    relations holding one)."""
    out: list[Relation] = []
    for m in moments:
        taken = still.get(m.u, set())
        chained = list(dict.fromkeys(r for c in sorted(taken) for r in m.chains.get(c, ())))
        # Cells sent late count as their first values with the cells never sent taken for
        # unchanged (:func:`_unchanged`): one assumption, checked by :func:`assumed` as one.
        same = m.same | m.joint if taken else m.same
        for r in m.kept + _holding(m.dark, taken) + chained:
            cells = tuple(x if x in taken else _at(x, states, m.u, same) for x in r.cells)
            out.append(Relation(cells[0], cells[1:], r.kind + KIND))
    return out


def _new(relations: Iterable[Relation], named: Iterable[Relation]) -> list[Relation]:
    """``named`` without the relations of ``relations`` and repeats."""
    now = {r.cells for r in relations}
    out = []
    for r in named:
        if r.cells not in now:
            now.add(r.cells)
            out.append(r)
    return out


def has_past(relations: Iterable[Relation], states: Mapping[Coord, CellState]) -> bool:
    """Whether a cell of ``relations`` has an earlier revision (a moment to attack)."""
    return any((s := states.get(x)) is not None and s.past for r in relations for x in r.cells)


def _moments(relations: Iterable[Relation], states: Mapping[Coord, CellState]) -> set[int]:
    return {p[3] for r in relations for x in r.cells
            if (s := states.get(x)) is not None for p in s.past}


def _identified(relations: Iterable[Relation], states: Mapping[Coord, CellState],
                u: int) -> set[Coord]:
    """The cells not sent at ``u`` but sent since that the attacker may take for what they
    were first sent as, in that moment's relations: a total published then counted them
    already (the residual of a total published before its parts is attacked as such too).
    Only where the data bear it out: in every relation of the moment whose cells not sent
    then have all been sent since, the values standing then and those first values add up.
    (A red team: a member sent after its region, beside a cell withdrawn meanwhile, gave a
    hidden member's 3 away through the snapshot before the withdrawal.) Where they do not
    (a total corrected since, so its parts were not what it counted), each stays a value
    of its own at that moment: an attacker taking them for the same would reason from a
    falsehood, and the model would pin corrected totals at their old values. A cell still
    not sent stays one too (see the limits in docs/privacy.md)."""
    ok: set[Coord] = set()
    bad: set[Coord] = set()
    for r in relations:
        late = [x for x in r.cells if _state(states.get(x), u) is None]
        if not late or any(x not in states for x in late):
            continue  # a cell not sent yet, then or now: nothing to check against
        values = [_first(states[x]) if x in late else _then(states[x], u) for x in r.cells]
        known = [v for v in values if v is not None]
        if len(known) < len(values):
            continue  # a value unknown to samstat: nothing to check against
        total, *parts = known
        (ok if abs(total - sum(parts)) <= 1e-6 * (1 + abs(total)) else bad).update(late)
    return ok - bad


def _at(x: Coord, states: MutableMapping[Coord, CellState], u: int,
        same: AbstractSet[Coord] = frozenset()) -> Coord:
    """``x`` as the public read it just before the batch at time ``u`` (``same``: see
    :func:`_identified`)."""
    s = states.get(x)
    if s is not None and s.since >= u and x in same:
        if not s.past:
            return x
        truth, shown, primary, _ = s.past[0]
        first = Coord(x.area, x.period, (*x.dims, (EARLIER, "1")))
        states.setdefault(first, CellState(truth, shown, primary))
        return first
    if s is None or s.since >= u:
        return _unsent(x, u)
    for j, (truth, shown, primary, until) in enumerate(s.past):
        if until >= u:
            if truth is None and shown is None:
                return _unsent(x, u)
            old = Coord(x.area, x.period, (*x.dims, (EARLIER, str(j + 1))))
            states.setdefault(old, CellState(truth, shown, primary))
            return old
    return _unsent(x, u) if s.truth is None and s.shown is None else x


def _unsent(x: Coord, u: int) -> Coord:
    """``x`` with no value published then, and none known here (not sent, withdrawn, or
    withheld without one): a value of its own at that moment. Not today's, and not another
    moment's: a cell sent later, or not at all, may have changed meanwhile (a revised
    total's unreported breakdown did; a withdrawn cell came back as 4 after 40), and as one
    variable two snapshots pinned a corrected total at its old value."""
    return Coord(x.area, x.period, (*x.dims, (EARLIER, f"not sent at {u}")))


def earlier_targets(relations: Iterable[Relation], states: Mapping[Coord, CellState]
                    ) -> list[Target]:
    """The earlier revisions hidden as small counts: protected as today's are."""
    cells = {c for r in relations for c in r.cells if c.dims and c.dims[-1][0] == EARLIER}
    return [Target(f"cell {c}", (c,), s.truth) for c in sorted(cells)
            if (s := states.get(c)) is not None and s.primary and s.shown is None]
