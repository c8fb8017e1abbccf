"""What the second view takes for unchanged through breakdowns (history._unchanged), pure:
a total never sent over parts never sent is judged by the sum of their breakdowns into
cells sent, and a sum it cannot know (a cell first sent after the moment) never cancels
what another relation proves."""

from __future__ import annotations

from services.ingest.disclosure.history import _unchanged
from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.targets import CellState

U = 10  # the moment: just before the batch at clock 10


def c(name: str) -> Coord:
    return Coord("2480", "2023-10", (("group", name),))


def sent(before: float, now: float, since: int = 0) -> CellState:
    """Shown at ``before`` until the batch at U, ``now`` since (unrevised if equal)."""
    if before == now:
        return CellState(now, now, False, (), since)
    return CellState(now, now, False, ((before, before, False, U),), since)


def rel(total: str, *parts: str) -> Relation:
    return Relation(c(total), tuple(c(p) for p in parts), "group")


def test_a_total_over_parts_never_sent_is_read_through_their_breakdowns() -> None:
    """T never sent = p + q, both never sent; p = p1 + p2, q = q1, all sent. Persons moved
    from p1 to q1: p and q moved, their sum T did not."""
    states = {c("p1"): sent(30, 3), c("p2"): sent(20, 20), c("q1"): sent(50, 77)}
    relations = [rel("T", "p", "q"), rel("p", "p1", "p2"), rel("q", "q1")]
    still, chains, _ = _unchanged(relations, states, U, set())
    assert c("T") in still
    assert set(chains[c("T")]) == {relations[1], relations[2]}
    assert not {c("p"), c("q")} & still  # each moved: its only relation says so


def test_a_sum_through_breakdowns_that_moved_outweighs_other_evidence() -> None:
    """S - a says T stayed 60, T's breakdowns say it went 100 -> 83 (data that do not add
    up): it is not taken for unchanged."""
    states = {c("p1"): sent(30, 3), c("p2"): sent(20, 20), c("q1"): sent(50, 60),
              c("S"): sent(100, 110), c("a"): sent(40, 50)}
    relations = [rel("S", "T", "a"), rel("T", "p", "q"), rel("p", "p1", "p2"), rel("q", "q1")]
    assert c("T") in _unchanged([relations[0]], states, U, set())[0]
    assert c("T") not in _unchanged(relations, states, U, set())[0]


def test_a_breakdown_with_a_value_unknown_then_cancels_no_evidence() -> None:
    """S = T + a proves T unchanged (110 - 50 = 100 - 40); T's breakdown holds q1, first
    sent after the moment, so its sum then is unknown: it tells nothing either way (an
    independent review found it counted as moved, cancelling the proof)."""
    states = {c("S"): sent(100, 110), c("a"): sent(40, 50), c("p1"): sent(5, 6),
              c("q1"): CellState(7, 7, False, (), 20)}
    relations = [rel("S", "T", "a"), rel("T", "p", "q"), rel("p", "p1"), rel("q", "q1")]
    assert c("T") in _unchanged(relations, states, U, set())[0]
