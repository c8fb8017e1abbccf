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

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from collections.abc import Set as AbstractSet

from services.ingest.disclosure.attack import EARLIER_KIND, Target
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
              states: dict[Coord, CellState]) -> list[Relation]:
    """The relations as they stood just before each revision of a cell in ``relations``,
    where they differ from today's: at each such moment, the walk from ``start`` over the
    cells as they were (through cells hidden or not sent then), its dark totals left out,
    each cell named as :func:`_at` names it. The earlier revisions' cells, and every cell
    met, are added to ``states``.

    Only the moments before a revision matter: between two revisions the table only grew
    (new cells), and a cell not sent yet is a value of its own, so what the public read
    then follows from what it reads later (set each such value to what the cell holds now).
    Before a revision that no longer holds: a revised cell's old value is in no answer of
    today, so the snapshot is the attacker's own equation."""
    # The moments: from the cells of today's walk, and of each moment's walk too (a cell
    # shown today stops today's walk, but not the walk of a moment it was not sent yet).
    todo = _moments(relations, states)
    done: set[int] = set()
    now = {r.cells for r in relations}
    out: list[Relation] = []
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
        walked = walk(then, start, seen)
        unseen = dark(walked, seen)
        todo |= _moments(walked, states)
        kept = [r for r in walked if r.total not in unseen]
        same = _identified(kept, states, u)
        for r in kept:
            cells = tuple(_at(x, states, u, same) for x in r.cells)
            if cells not in now:
                now.add(cells)
                out.append(Relation(cells[0], cells[1:], r.kind + KIND))
    return out


def _moments(relations: Iterable[Relation], states: Mapping[Coord, CellState]) -> set[int]:
    return {p[3] for r in relations for x in r.cells
            if (s := states.get(x)) is not None for p in s.past}


def _state(s: CellState | None, u: int) -> CellState | None:
    """A cell's state just before the batch at time ``u`` (None: not sent then)."""
    if s is None or s.since >= u:
        return None
    for truth, shown, primary, until in s.past:
        if until >= u:
            return CellState(truth, shown, primary)
    return s


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


def _then(s: CellState, u: int) -> float | None:
    was = _state(s, u)
    return None if was is None else was.truth


def _first(s: CellState) -> float | None:
    return s.past[0][0] if s.past else s.truth


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
