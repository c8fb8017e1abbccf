"""Sums of a published total's missing parts when there are too many to list each sum: the
parts-but-one targets (``targets.partial``, ``Target.subsets``) expose a small sum pinned
inside a larger one, and do not hide more where every sum is either able to be 0 or too big
to be small."""

from __future__ import annotations

from services.ingest.disclosure.attack import Protection, Table
from services.ingest.disclosure.links import Coord, Relation, coord
from services.ingest.disclosure.protect import exposed
from services.ingest.disclosure.targets import MAX_PARTIAL, partial

UPPER = 1e5
PROTECTION = Protection(5)


def cell(name: str) -> Coord:
    return coord("2480", "2023-10", {"group": name})


def region(caps: dict[int, float], extra: list[Relation], shown: dict[Coord, float]
           ) -> tuple[Table, list[Relation], tuple[Coord, ...]]:
    """A published total of 300 over six parts not sent; part i is capped by a published
    total ``caps[i]`` of its own over it and one more unsent cell."""
    total, parts = cell("_T"), tuple(cell(f"p{i}") for i in range(1, 7))
    rels = [Relation(total, parts, "area"), *extra]
    for i, cap in caps.items():
        rels.append(Relation(cell(f"q{i}"), (parts[i - 1], cell(f"s{i}")), "group"))
        shown[cell(f"q{i}")] = cap
    shown[total] = 300.0
    return Table(rels, shown, dict(shown), UPPER), rels, parts


def test_more_missing_parts_than_sums_listed_are_covered() -> None:
    _table, rels, parts = region({i: 100.0 for i in range(1, 7)}, [], {})
    targets = partial(rels[0], parts)
    assert len(parts) > MAX_PARTIAL and len(targets) == len(parts)  # not 2^6 sums
    assert all(t.subsets and len(t.coords) == len(parts) - 1 for t in targets)


def test_sums_too_big_to_be_small_hide_nothing() -> None:
    """Each part at most 100 of 300: any five are at least 200 and any four at least 100,
    but any three can be 0. No sum can be small, so nothing is exposed (a rule that asked
    the parts but one to be able to be 0 would hide values here for nothing)."""
    table, rels, parts = region({i: 100.0 for i in range(1, 7)}, [], {})
    assert exposed(table, partial(rels[0], parts), PROTECTION) == []


def test_a_small_sum_inside_a_big_one_is_exposed() -> None:
    """p1 + p2 + p3 published as 10 with p3 at most 8: p1 + p2 is pinned to [2, 10] while
    each alone reaches 0 and 10 (their own targets hold). When p3 to p6 arrive, the rest of
    the total is that small sum: it must count as exposed now."""
    p = [cell(f"p{i}") for i in range(1, 4)]
    three = Relation(cell("v"), tuple(p), "sex")
    table, rels, parts = region({3: 8.0, 4: 100.0, 5: 100.0, 6: 100.0}, [three],
                                {cell("v"): 10.0})
    found = exposed(table, partial(rels[0], parts), PROTECTION)
    assert found and all(parts[0] in t.coords and parts[1] in t.coords for t in found)
    for c in parts[:2]:  # each part alone is not what is exposed
        lo, hi = table.interval(type(found[0])(f"missing {c}", (c,), None, missing=True))
        assert PROTECTION.holds(None, lo, hi)
