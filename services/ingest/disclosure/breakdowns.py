"""A cell never sent read through its breakdowns into cells sent. Pure.

The second view (:mod:`.history`) takes a total never sent for unchanged where the cells
sent under it leave the same remainder at every moment. Where its parts were never sent
either, each moved while their sum did not (persons moved between groups of different
sexes under a grand total never sent, or between members of a region never sent): the
evidence is read off the sum of the parts' breakdowns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.ingest.disclosure.links import Coord, Relation
from services.ingest.disclosure.targets import CellState

Flat = tuple[tuple[Coord, ...], list[Relation]]  # cells sent, the relations used


def flat(parts: Iterable[Coord], states: Mapping[Coord, CellState],
         under: Mapping[Coord, list[Relation]], depth: int,
         memo: dict[tuple[Coord, int], Flat | None]) -> Flat | None:
    """``parts`` with each one never sent replaced by a breakdown of it into cells sent
    (``depth`` levels down), and the relations so used (none if every part was sent); None
    if a part never sent has no such breakdown. The same equation, summed: true wherever
    the relations are. (``memo``: a cell's breakdown, met from many relations.)"""
    out: list[Coord] = []
    used: list[Relation] = []
    for p in parts:
        if p in states:
            out.append(p)
            continue
        got = _down(p, states, under, depth, memo)
        if got is None:
            return None
        out += got[0]
        used += got[1]
    return tuple(out), used


def _down(p: Coord, states: Mapping[Coord, CellState], under: Mapping[Coord, list[Relation]],
          depth: int, memo: dict[tuple[Coord, int], Flat | None]) -> Flat | None:
    """A breakdown of ``p`` (never sent) into cells sent, and the relations it uses."""
    if (p, depth) not in memo:
        memo[(p, depth)] = None  # met again below itself: no breakdown that way
        for sub in under.get(p, ()) if depth else ():
            got = flat(sub.parts, states, under, depth - 1, memo)
            if got is not None:
                memo[(p, depth)] = (got[0], [sub, *got[1]])
                break
    return memo[(p, depth)]
