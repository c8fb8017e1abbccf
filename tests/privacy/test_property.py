"""Property: whatever the table, the split into batches, their order and the corrections,
after every step the LP attack on everything published never narrows a small cell, or the
sum of a published total's missing parts, below its protection range."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.disclosure.links import Coord
from tests.privacy.attacker import lp_bounds, protected
from tests.privacy.stream import (
    ALL_MEMBERS,
    MONTHS,
    PARTS,
    THRESHOLD,
    Stream,
    at,
    equations,
    random_leaves,
    truth_table,
)

EQS = equations()


Version = tuple[Coord, str]  # a cell's revision ("r1", "r2", ...), or the cell not sent yet


def snapshot_equations(stream: Stream, eqs: list[tuple[Coord, list[Coord]]]
                       ) -> list[tuple[Version, list[Version]]]:
    """Every relation as every history and as_of answer gave it: after each batch, over
    the revisions standing then. A cell not sent then is a value of its own at that
    moment (it may change before it is sent); today's are ``(cell, "missing")``."""
    out = set()
    last = len(stream.snapshots) - 1
    for n, snap in enumerate(stream.snapshots):
        def v(c: Coord, n: int = n, snap: dict[Coord, int] = snap) -> Version:
            return (c, f"r{snap[c]}") if c in snap else \
                (c, "missing" if n == last else f"at {n}")
        out |= {(v(t), tuple(v(p) for p in ps)) for t, ps in eqs}
    return [(t, list(ps)) for t, ps in sorted(out, key=str)]


def check(stream: Stream, truth: dict[Coord, float], sent: set[Coord],
          eqs: list[tuple[Coord, list[Coord]]] = EQS) -> None:
    known = {(c, f"r{n}"): v for (c, n), v in stream.shown.items()}
    every = snapshot_equations(stream, eqs)
    # A cell not sent yet may arrive small: what is published must not already pin it
    # inside the small range (bounds wide enough for any small count, or none possible);
    # unless its sent parts hold the threshold already, so it cannot arrive small.
    near = {c for t, ps in eqs if any(x in sent for x in (t, *ps))
            for c in (t, *ps) if c not in sent}
    held = {t for t, ps in eqs if sum(truth[p] for p in ps if p in sent) >= THRESHOLD}
    # One exception, said by protect itself (the receipt and the audit log's "exposed"): a
    # cell that could not arrive small until a correction changed its parts, which values
    # published before the correction pin (every new value already hidden): what was shown
    # cannot be unshown. A hidden value or a residual has no such exception.
    for c in near - held:
        lo, hi = lp_bounds(known, every, [(c, "missing")])
        assert (lo <= 1e-6 and hi >= 2 * THRESHOLD - 1 - 1e-6) or lo >= THRESHOLD - 1e-6 \
            or hi <= 1e-6 or f"missing {c}" in stream.exposed, \
            f"cell {c} not sent yet pinned to [{lo}, {hi}]"
    # Every revision hidden as a small count, today's and earlier ones.
    for (c, n), value in stream.truths.items():
        version = (c, f"r{n}")
        if version not in known and 0 < value < THRESHOLD:
            assert protected(lp_bounds(known, every, [version]), value), \
                f"cell {version} exposed"
    implied = {t for t, ps in eqs if any(p in sent for p in ps)}
    for total, parts in eqs:
        missing = [p for p in parts if p not in sent]
        if total not in sent or not missing or any(p in implied for p in missing):
            continue
        rest = sum(truth.get(p, 0.0) for p in missing)
        if 0 < rest < THRESHOLD:
            assert protected(lp_bounds(known, every, [(p, "missing") for p in missing]),
                             rest), f"residual of {total}"
    assert set(stream.versions) == sent


# Twelve streams a run (about 100 s here; each run draws new ones): a longer sweep with
# SAMSTAT_PRIVACY_EXAMPLES=200, as before a change to the disclosure control lands.
@settings(max_examples=int(os.environ.get("SAMSTAT_PRIVACY_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), batches=st.integers(1, 5),
       corrections=st.integers(0, 3), keep=st.floats(0.5, 1.0))
def test_no_step_exposes_a_protected_value(seed: int, batches: int, corrections: int,
                                           keep: float) -> None:
    run(seed, batches, corrections, keep)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), batches=st.integers(1, 5),
       corrections=st.integers(0, 2), keep=st.floats(0.5, 1.0))
def test_two_reporting_members_expose_nothing_either(seed: int, batches: int,
                                                     corrections: int, keep: float) -> None:
    """The same with two of the region's members reporting (more relations meet)."""
    run(seed, batches, corrections, keep, reporting=2)


# Streams that exposed a cell before the rule for cells not sent yet was strict (found with
# 80 examples): a region's total of 5 sent before its parts, so a later 3 is bounded by 5; a
# member's total of 53 beside the region's parts 40 and 12, so an unsent part is at least 1;
# a quarter of 21 minus a month of 0 and a month its region's 20 bounds, the same. And a cell
# not sent yet, first pinned at 8 (safe: no small count fits), then unpinned to [1, 10] by
# what was held back for another target (1013; found by checking unsent cells too); a
# region's month not sent yet, whose relations were all left out as dark, at least its
# member's hidden month (1033); two groups of a month not sent yet, their sum pinned to
# [2, 12] before the third arrived and made it a residual of 4 (1084); a region's month
# not sent yet, at least its member's hidden "young" (at least 4) through a breakdown the
# attack did not look at (1085); six members not sent under a region's month of 8 not sent,
# each pinned to [0, 8] while their sum, at least the threshold, was safe as a sum (212).
# A value released as "pinned" by an earlier snapshot that took a cell for what it was first
# sent as (an inference, not a published value), after which today's relations pinned a
# small cell; under some string-hash seeds only (0, 4, 2, 0.9375).
@pytest.mark.parametrize(("seed", "batches", "corrections", "keep"), [
    (5, 2, 0, 0.7), (6, 5, 0, 0.7), (37, 2, 0, 1.0), (0, 5, 2, 0.7), (18, 5, 2, 0.7),
    (30, 5, 2, 1.0), (1013, 3, 1, 0.5), (1011, 2, 0, 0.7), (1018, 5, 0, 0.7),
    (1033, 5, 0, 0.7), (1084, 5, 2, 0.7), (1084, 3, 1, 0.5),
    (1085, 2, 0, 0.7), (212, 2, 0, 0.75), (0, 4, 2, 0.9375)])
def test_streams_that_once_exposed_a_cell(seed: int, batches: int, corrections: int,
                                          keep: float) -> None:
    run(seed, batches, corrections, keep)


# Found by an independent review: with two members reporting, a region's month missing five
# parts (March's young of 2480 and the four silent members) whose sum, 4, was pinned to
# [1, 24]. Sums of a published total's missing parts were attacked only where at most four
# were missing, until the parts-but-one targets (targets.partial, Target.subsets).
@pytest.mark.parametrize(("seed", "batches", "corrections", "keep"), [(82, 5, 3, 0.7)])
def test_two_member_streams_that_once_exposed_a_cell(seed: int, batches: int,
                                                     corrections: int, keep: float) -> None:
    run(seed, batches, corrections, keep, reporting=2)


def sent_in_order(reporting: int, leaves: dict[tuple[str, str, str], float],
                  *batches: list[Coord]) -> None:
    """Send ``batches`` of a table made from ``leaves`` (zero elsewhere); check each step."""
    full = {(a, m, g): 0.0 for a in ALL_MEMBERS[:reporting] for m in MONTHS for g in PARTS}
    truth = truth_table(full | leaves, reporting)
    stream, sent, eqs = Stream(), set(), equations(reporting)
    for batch in batches:
        stream.send({c: truth[c] for c in batch})
        sent |= set(batch)
        check(stream, truth, sent, eqs)


def test_two_unsent_parts_are_not_pinned_before_their_total_arrives() -> None:
    """January's young and sick, neither sent, pinned together to [2, 20] by the quarters
    and March's total while January's total was not sent; it then arrived as 24 beside
    "other" 20, a residual of 4 (found by an independent review)."""
    a, y, s, o = ALL_MEMBERS[0], "young_activity_compensation", "sick_listed_unemployed", \
        "other"
    leaves = {(a, m, g): v for m, vs in (("2023-01", (2, 2, 20)), ("2023-02", (0, 0, 6)),
                                         ("2023-03", (8, 8, 2)))
              for g, v in zip((y, s, o), vs, strict=True)}
    sent_in_order(1, leaves, [at(a, "2023-Q1", y), at(a, "2023-02", y), at(a, "2023-Q1", s),
                              at(a, "2023-02", s), at(a, "2023-03", "_T"),
                              at(a, "2023-01", o)], [at(a, "2023-01", "_T")])


def test_members_unsent_together_are_not_pinned_by_their_region() -> None:
    """Two members' January, each alone in [0, 10], together at least 2 by the region's
    January and March and their quarters; a third member's January then left them as the
    region's residual (found by an independent review). As in the stream above, the
    region's published January has six missing parts: more than the sums listed one by
    one."""
    a, b, c = ALL_MEMBERS[:3]
    y, r = "young_activity_compensation", "umearegionen"
    leaves = {(a, "2023-01", y): 2.0, (b, "2023-01", y): 2.0, (c, "2023-01", y): 10.0,
              (a, "2023-03", y): 8.0, (b, "2023-03", y): 8.0, (c, "2023-03", y): 2.0}
    sent_in_order(3, leaves, [at(a, "2023-Q1", y), at(a, "2023-02", y), at(b, "2023-Q1", y),
                              at(b, "2023-02", y), at(r, "2023-03", y), at(r, "2023-01", y)],
                  [at(c, "2023-01", y)])


def run(seed: int, batches: int, corrections: int, keep: float, reporting: int = 1) -> None:
    rng = random.Random(seed)
    leaves = random_leaves(rng, reporting)
    truth = truth_table(leaves, reporting)
    eqs = equations(reporting)
    cells = [c for c in truth if rng.random() < keep]
    rng.shuffle(cells)
    cuts = sorted(rng.sample(range(1, len(cells)), min(batches - 1, len(cells) - 1)))
    chunks = [cells[i:j] for i, j in zip([0, *cuts], [*cuts, len(cells)], strict=True)]
    stream, sent = Stream(), set()
    for n, chunk in enumerate(chunks):
        stream.send({c: truth[c] for c in chunk})
        sent |= set(chunk)
        check(stream, truth, sent, eqs)
        if n < corrections:  # a correction of one leaf, and of every sent total over it
            leaf = (rng.choice(ALL_MEMBERS[:reporting]), rng.choice(MONTHS),
                    rng.choice(PARTS))
            leaves[leaf] = float(rng.choice((0, 1, 2, 3, 7, 15)))
            new = truth_table(leaves, reporting)
            changed = {c: new[c] for c in sent if new[c] != truth[c]}
            truth = new
            stream.send(changed)
            check(stream, truth, sent, eqs)


def test_the_small_cell_of_a_single_batch_is_protected() -> None:
    stream = Stream()
    batch = {at("2480", "2023-01", g): v for g, v in
             zip(("_T", *PARTS), (20.0, 3.0, 10.0, 7.0), strict=True)}
    out = stream.send(batch)
    hidden = {c for c, d in out.decisions.items() if d != "shown"}
    assert hidden == {at("2480", "2023-01", PARTS[0]), at("2480", "2023-01", "other")}


def test_a_value_near_the_maximum_keeps_the_dark_totals_bound() -> None:
    """Leaving out the relations of totals nobody sent drops one constraint, that such a
    total stays under the measure's maximum; beside a value near it that bound alone would
    pin a small neighbour (3 + 99,995 ≤ 100,000), so nothing is left out then."""
    stream = Stream()
    young = at("2480", "2023-01", "young_activity_compensation")
    sick = at("2480", "2023-01", "sick_listed_unemployed")
    stream.send({young: 3.0, sick: 99_995.0})
    assert young not in stream.published() and sick not in stream.published()
    assert protected(lp_bounds(stream.published(), EQS, [young]), 3.0)
