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
from services.ingest.disclosure.breakdowns import Flat, flat
from services.ingest.disclosure.consistent import consistent
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
        still, chains = _unchanged(walked, states, u, same)
        moments.append(Moment(u, kept, [r for r in own if r.total in unseen] + extra, same,
                              still, chains))
    return (_new(relations, _named(moments, {}, states)),
            assumed(moments, relations, beside, states))


@dataclass
class Moment:
    """The table as it stood just before the batch at ``u``: its relations (``dark``: those
    of totals nothing bounds, left out), the cells not sent then taken for what they were
    first sent as (``same``), and those never sent that may be taken for today's
    (``still``, :func:`_unchanged`, with the breakdowns a total was read through:
    ``chains``)."""

    u: int
    kept: list[Relation]
    dark: list[Relation]
    same: set[Coord]
    still: set[Coord]
    chains: dict[Coord, list[Relation]]  # a cell of ``still``: the breakdowns it was read by


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
        for r in m.kept + _holding(m.dark, taken) + chained:
            cells = tuple(x if x in taken else _at(x, states, m.u, m.same) for x in r.cells)
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


def _unchanged(relations: list[Relation], states: Mapping[Coord, CellState], u: int,
               same: AbstractSet[Coord]) -> tuple[set[Coord], dict[Coord, list[Relation]]]:
    """The cells never sent that an attacker may take, at ``u``, for their values today
    (a month's young, 20, corrected to 3 with its total, 80 to 63, while the other groups
    were never sent: taken for unchanged, the groups give young as 20 + (63 - 80)): each
    in a relation of the moment whose cells sent leave the same remainder then, at every
    revision since and now, and none the only cell never sent of a relation whose
    remainder moved (a total corrected for a part not sent; where several were never sent,
    any of them may have moved, and the feasibility LP of :func:`assumed` judges the
    choice: an independent review found a month's total, clear evidence, poisoned by its
    quarter's move that the next month explained). A relation of cells never sent only
    tells nothing either way. Taken for today's, such a cell is the moment's model and one
    equation more.

    A total never sent over parts never sent is judged through their breakdowns
    (:func:`.breakdowns.flat`): persons moved between groups of different sexes under a grand total
    never sent, or between members of a region never sent whose own totals were never sent,
    moved every relation under it but not their sum (a red team read the small one exactly).
    With it come the relations it was read through (``chains``)."""
    evidence: set[Coord] = set()
    moved: set[Coord] = set()
    chains: dict[Coord, list[Relation]] = {}
    under: dict[Coord, list[Relation]] = {}
    for r in relations:
        under.setdefault(r.total, []).append(r)
    memo: dict[tuple[Coord, int], Flat | None] = {}
    for r in relations:
        unsent = [x for x in r.cells if x not in states]
        if not unsent:
            continue
        if len(unsent) < len(r.cells):
            if _same_remainder(r, states, u, same):
                evidence.update(unsent)
            elif len(unsent) == 1:
                moved.update(unsent)
        got = None if r.total in states else flat(r.parts, states, under, 3, memo)
        if got is None or not got[1]:  # no breakdown, or no part never sent: done above
            continue
        # Every part never sent broken down to cells sent: one equation in the total.
        summed = Relation(r.total, got[0], r.kind)
        if _same_remainder(summed, states, u, same):
            evidence.add(r.total)
            chains[r.total] = list(dict.fromkeys([*chains.get(r.total, ()), *got[1]]))
        elif _moved(summed, states, u, same):
            moved.add(r.total)  # its sum known then and now, and different: it moved
    return evidence - moved, chains


def _moved(r: Relation, states: Mapping[Coord, CellState], u: int,
           same: AbstractSet[Coord]) -> bool:
    """Whether the remainder of ``r``'s cells sent is known at ``u`` and now, and differs
    (unknown at either, a withdrawn cell, tells nothing)."""
    now, then = _ends(_sent(r, states), u, same)
    return now is not None and then is not None and _differ(then, now)


def _sent(r: Relation, states: Mapping[Coord, CellState]
          ) -> list[tuple[int, Coord, CellState]]:
    """``r``'s cells that samstat holds: (their place in ``r.cells``, cell, state)."""
    return [(i, x, s) for i, x in enumerate(r.cells) if (s := states.get(x)) is not None]


def _ends(sent: list[tuple[int, Coord, CellState]], u: int, same: AbstractSet[Coord]
          ) -> tuple[float | None, float | None]:
    """The remainder of the cells ``sent`` now and at ``u`` (None: a value unknown)."""
    return (_remainder([(i, s.truth) for i, _, s in sent]),
            _remainder([(i, _first(s) if x in same and _state(s, u) is None else _then(s, u))
                        for i, x, s in sent]))


def _differ(was: float, now: float) -> bool:
    return abs(was - now) > 1e-6 * (1 + abs(now))


def _same_remainder(r: Relation, states: Mapping[Coord, CellState], u: int,
                    same: AbstractSet[Coord]) -> bool:
    """Whether a cell of ``r`` that samstat holds was revised since ``u`` while all of them
    leave the same remainder at ``u``, at every revision since, and now (a cell not sent at
    ``u``: what it was first sent as, where :func:`_identified` takes it so). Nothing
    revised is no evidence: a quarter never sent beside an unchanged month says nothing of
    the months never sent. A moment at which a value is unknown (a cell withdrawn then)
    tells nothing and is passed over; unknown at ``u`` or now, no. Every revision since,
    not only ``u`` and now: a remainder that moved and came back (100, 127, 100) is no
    evidence, and only the hidden truth would tell the attacker which moment to trust (an
    independent review: an alarm that could never clear)."""
    sent = _sent(r, states)
    since = {p[3] for _, _, s in sent for p in s.past if p[3] >= u}
    if not since:
        return False
    now, then = _ends(sent, u, same)
    if now is None or then is None or _differ(then, now):
        return False
    for m in since - {u}:
        was = _remainder([(i, _then(s, m)) for i, _, s in sent])
        if was is not None and _differ(was, now):
            return False
    return True


def _remainder(values: Iterable[tuple[int, float | None]]) -> float | None:
    """The total (index 0) less its parts; None if a value is unknown."""
    out = 0.0
    for i, v in values:
        if v is None:
            return None
        out += v if i == 0 else -v
    return out


def has_past(relations: Iterable[Relation], states: Mapping[Coord, CellState]) -> bool:
    """Whether a cell of ``relations`` has an earlier revision (a moment to attack)."""
    return any((s := states.get(x)) is not None and s.past for r in relations for x in r.cells)


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
