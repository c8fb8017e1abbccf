"""Whether cells never sent may be taken for unchanged at an earlier moment. Pure.

The second view of :mod:`.history` (an attacker who takes cells never sent for unchanged)
rests on evidence read off the cells samstat holds: a relation whose cells sent leave the
same remainder at a moment, at every revision since and now. Also the states of a cell at
a moment, which :mod:`.history` names its snapshots by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

from services.ingest.disclosure.breakdowns import Flat, flat
from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.targets import CellState


def unchanged(relations: list[Relation], states: Mapping[Coord, CellState], u: int,
              same: AbstractSet[Coord]
              ) -> tuple[set[Coord], dict[Coord, list[Relation]], set[Coord]]:
    """The cells never sent that an attacker may take, at ``u``, for their values today
    (a month's young, 20, corrected to 3 with its total, 80 to 63, while the other groups
    were never sent: taken for unchanged, the groups give young as 20 + (63 - 80)): each
    in a relation of the moment whose cells sent leave the same remainder then, at every
    revision since and now, and none the only cell never sent of a relation whose
    remainder moved (a total corrected for a part not sent; where several were never sent,
    any of them may have moved, and the feasibility LP of :func:`.history.assumed` judges
    the choice: an independent review found a month's total, clear evidence, poisoned by
    its quarter's move that the next month explained). A relation of cells never sent only
    tells nothing either way. Taken for today's, such a cell is the moment's model and one
    equation more.

    A total never sent over parts never sent is judged through their breakdowns
    (:func:`.breakdowns.flat`): persons moved between groups of different sexes under a
    grand total never sent, or between members of a region never sent whose own totals
    were never sent, moved every relation under it but not their sum (a red team read the
    small one exactly).
    With it come the relations it was read through (``chains``).
    ``joint``: the cells sent late taken for their first values with them (:func:`_kept`).
    """
    evidence: set[Coord] = set()
    joint: set[Coord] = set()
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
            if (late := _kept(r, states, u, same)) is not None:
                evidence.update(unsent)
                joint |= late
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
    return evidence - moved, chains, joint


def _kept(r: Relation, states: Mapping[Coord, CellState], u: int,
          same: AbstractSet[Coord]) -> set[Coord] | None:
    """How ``r``'s cells sent bear out that its cells never sent did not change since
    ``u``: the cells sent late that must be taken for their first values at ``u`` with them
    (none: an empty set), or None: they do not. Beside the plain case (the same remainder),
    two that :func:`.history._identified` leaves alone, as it checks nothing against a cell
    never sent (a red team read a [3, 3] through each): a cell sent late is taken for its
    first value together with them (a total 100 beside young 30, then 73 beside young 3
    and other sent late as 50: sick = 100 - 30 - 50, young = 73 - 50 - sick); and a cell
    withdrawn since, unknown now, tells nothing against them (:func:`_withdrawn`: 80 beside
    young 20, then 63 as young is withdrawn: young's value now is 63 - 60)."""
    if _same_remainder(r, states, u, same) or _withdrawn(r, states, u, same):
        return set()
    late = {x for _, x, s in _sent(r, states) if s.since >= u} - same
    return late if late and _same_remainder(r, states, u, same | late) else None


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
            _remainder([(i, first_truth(s) if x in same and standing(s, u) is None
                         else truth_then(s, u)) for i, x, s in sent]))


def _differ(was: float, now: float) -> bool:
    return abs(was - now) > 1e-6 * (1 + abs(now))


def _same_remainder(r: Relation, states: Mapping[Coord, CellState], u: int,
                    same: AbstractSet[Coord]) -> bool:
    """Whether a cell of ``r`` that samstat holds was revised since ``u`` while all of them
    leave the same remainder at ``u``, at every revision since, and now (a cell not sent at
    ``u``: what it was first sent as, where :func:`.history._identified` takes it so). Nothing
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
        was = _remainder([(i, truth_then(s, m)) for i, _, s in sent])
        if was is not None and _differ(was, now):
            return False
    return True


def _withdrawn(r: Relation, states: Mapping[Coord, CellState], u: int,
               same: AbstractSet[Coord]) -> bool:
    """Whether ``r``'s remainder is known at ``u`` but not now, a cell known then being
    withdrawn (or withheld without a value) since, and no known remainder since differs
    from the one at ``u``. samstat cannot compare it, but neither can anything contradict
    the cells never sent being unchanged: an attacker taking them so reads the withdrawn
    cell's value now (and the value it is sent again with) off a total corrected beside the
    withdrawal, before samstat knows that value. Only where the total is sent, not
    withdrawn, and a cell whose value is known now was revised since ``u`` (the total
    corrected): otherwise the cells never sent, taken for unchanged, only give the withdrawn
    cell its old value (one a hidden variable or a value shown already protects), and
    beside its siblings' relation they would contradict it, so that
    :func:`.history.assumed` would drop the whole moment (a withdrawn young's quarter
    never sent did)."""
    sent = _sent(r, states)
    now, then = _ends(sent, u, same)
    total = states.get(r.total)
    if now is not None or then is None or total is None or total.truth is None:
        return False
    if not any(s.truth is not None and s.past and s.past[-1][3] >= u for _, _, s in sent):
        return False  # only the withdrawal since: taken so, the cell keeps its old value
    since = {p[3] for _, _, s in sent for p in s.past if p[3] > u}
    was = (_remainder([(i, truth_then(s, m)) for i, _, s in sent]) for m in since)
    return not any(w is not None and _differ(w, then) for w in was)


def _remainder(values: Iterable[tuple[int, float | None]]) -> float | None:
    """The total (index 0) less its parts; None if a value is unknown."""
    out = 0.0
    for i, v in values:
        if v is None:
            return None
        out += v if i == 0 else -v
    return out


def standing(s: CellState | None, u: int) -> CellState | None:
    """A cell's state just before the batch at time ``u`` (None: not sent then)."""
    if s is None or s.since >= u:
        return None
    for truth, shown, primary, until in s.past:
        if until >= u:
            return CellState(truth, shown, primary)
    return s


def truth_then(s: CellState, u: int) -> float | None:
    was = standing(s, u)
    return None if was is None else was.truth


def first_truth(s: CellState) -> float | None:
    return s.past[0][0] if s.past else s.truth
