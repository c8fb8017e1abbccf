"""Sums of a published total's missing parts when there are too many to list each sum: the
searched target (``targets.partial``, ``Target.subsets``) exposes a small sum pinned inside a
larger one, and hides nothing more where every sum is either able to be 0 or too big to be
small."""

from __future__ import annotations

import dataclasses

from samstat_kit.contracts import load_catalogue
from services.ingest.disclosure.attack import Protection, Table
from services.ingest.disclosure.links import Coord, Links, Relation, coord
from services.ingest.disclosure.protect import exposed, protect
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
    [target] = partial(rels[0], parts)  # one search, not 2^6 targets
    assert len(parts) > MAX_PARTIAL
    assert target.subsets and target.proper and target.coords == parts


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


def test_a_nation_of_counties_each_missing_a_few_municipalities_hides_nothing() -> None:
    """Found by an independent review: the nation and every county published, and in four
    counties two municipalities (20 persons in each pair) not sent. Every sum of missing
    municipalities either can be 0 or holds a whole county's pair and cannot be small, so
    nothing needs hiding; a search that gave up by counting the rest as exposed held back
    values of six municipalities for nothing."""
    cat = load_catalogue()
    m = cat.measures["kolada_n01951"]
    m = dataclasses.replace(m, disclosure=dataclasses.replace(m.disclosure, totals={}))
    areas = cat.areas.values()
    munis = sorted(a.code for a in areas if a.level == "municipality")
    parent = {a.code: a.parent for a in areas if a.level == "municipality"}
    counties = sorted(a.code for a in areas if a.level == "county")
    nation = next(a.code for a in areas if a.level == "nation")

    def at(area: str) -> Coord:
        return coord(area, "2023", {"sex": "_T"})

    missing = {at(x) for c in counties[:4] for x in sorted(k for k in munis
                                                           if parent[k] == c)[:2]}
    truth = {at(x): 10.0 if at(x) in missing else 100.0 + (i % 7) * 13
             for i, x in enumerate(munis)}
    for c in counties:
        truth[at(c)] = sum(truth[at(x)] for x in munis if parent[x] == c)
    truth[at(nation)] = sum(truth[at(x)] for x in munis)
    batch = {c: v for c, v in truth.items() if c not in missing}
    out = protect(Links(m, cat), lambda cs: {}, batch, threshold=5,
                  protection=Protection(5), upper=m.maximum)
    assert [c for c, d in out.decisions.items() if d != "shown"] == []
    assert out.exposed == []
