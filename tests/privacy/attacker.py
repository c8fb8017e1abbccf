"""An attacker independent of the code under test: reads every answer any token can get
(current cells and every revision's history) and bounds a hidden quantity by linear
programming over equations the test writes out by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient
from scipy.optimize import linprog

Key = tuple[str, str, tuple[tuple[str, str], ...]]  # area, period, dims


def key(area: str, period: str, **dims: str) -> Key:
    return area, period, tuple(sorted(dims.items()))


class Attacker:
    def __init__(self, client: TestClient, tok: str) -> None:
        self.client, self.auth = client, {"Authorization": f"Bearer {tok}"}
        self.known: dict[Key, float] = {}  # newest published value of each cell
        self.answers: list[dict[str, Any]] = []
        # Every revision of each cell: revision -> (value or None, when it was received).
        self.revisions: dict[Key, dict[int, tuple[float | None, str]]] = {}
        self.withdrawals: set[tuple[Key, int]] = set()  # revisions that withdrew the cell

    def read(self, measure: str, areas: Sequence[str]) -> None:
        """Everything readable now: current cells, and every revision of each."""
        for area in areas:
            r = self.client.get("/v1/cells", params={"measure": measure, "area": area},
                                headers=self.auth)
            assert r.status_code == 200, r.text
            for c in r.json():
                self.answers.append(c)
                h = self.client.get("/v1/cells/history", params={"cell_key": c["cell_key"]},
                                    headers=self.auth)
                assert h.status_code == 200
                self.answers += h.json()
                k = (c["area"], c["period"], tuple(sorted(c["dimensions"].items())))
                for x in h.json():
                    self.revisions.setdefault(k, {})[x["revision"]] = (x["value"],
                                                                       x["received_at"])
                    if x.get("withdrawn"):
                        self.withdrawals.add((k, x["revision"]))
                if c["value"] is not None:
                    self.known[k] = c["value"]
                else:
                    self.known.pop(k, None)

    def bounds(self, equations: Sequence[tuple[Key, Sequence[Key]]], target: Sequence[Key],
               upper: float = 1e5) -> tuple[float, float]:
        return lp_bounds(self.known, equations, target, upper)

    def history_bounds(self, equations: Sequence[tuple[Key, Sequence[Key]]],
                       target: Sequence[tuple[Key, int]], upper: float = 1e5,
                       sent_as_counted: bool = False, unsent_unchanged: bool = False
                       ) -> tuple[float, float]:
        """Bounds of a sum of cells' revisions, each ``(key, revision)``, from every snapshot
        any ``as_of`` answer gave: at each moment a revision arrived, every equation over the
        revisions standing then (a cell not there yet, or withdrawn: a value of its own at
        that moment, unknown: nothing holds it still; ``sent_as_counted``: a cell not there
        yet is what it was first sent as, where it was sent since; ``unsent_unchanged``: a
        cell never sent is one value at every moment, as if it had not changed)."""
        moments = sorted({at for revs in self.revisions.values() for _, at in revs.values()})
        known = {(k, str(r)): v for k, revs in self.revisions.items()
                 for r, (v, _) in revs.items() if v is not None}

        def standing(k: Key, moment: str) -> tuple[Key, Any]:
            revs = [r for r, (_, at) in self.revisions.get(k, {}).items() if at <= moment]
            rev = max(revs, default=0)
            if rev == 0 and sent_as_counted and k in self.revisions:
                # Not sent then, sent since: taken for what it was first sent as (what a
                # total published then counted), as an attacker would.
                return k, str(min(self.revisions[k]))
            if rev == 0 and unsent_unchanged and k not in self.revisions:
                return k, "never sent"
            return (k, f"{rev} at {moment}") if rev == 0 or (k, rev) in self.withdrawals \
                else (k, str(rev))

        snaps = {(standing(t, m), tuple(standing(p, m) for p in ps))
                 for m in moments for t, ps in equations}
        return lp_bounds(known, sorted(snaps), [(k, str(r)) for k, r in target], upper)

    def now(self, k: Key) -> tuple[Key, str]:
        """The variable :meth:`history_bounds` gives a withdrawn cell's value now."""
        latest = max(at for revs in self.revisions.values() for _, at in revs.values())
        return k, f"{max(self.revisions[k])} at {latest}"

    def values_seen(self) -> set[float]:
        return {a["value"] for a in self.answers if a["value"] is not None}


def protected(bounds: tuple[float, float], truth: float, threshold: float = 5) -> bool:
    """At least the threshold above the value, and down to zero for a small one."""
    lo, hi = bounds
    r = max(threshold, 0.1 * truth)
    return lo <= max(0.0, truth - r) + 1e-6 and hi >= truth + r - 1e-6


def lp_bounds(known: Mapping[Any, float], equations: Sequence[tuple[Any, Sequence[Any]]],
              target: Sequence[Any], upper: float = 1e5) -> tuple[float, float]:
    """min and max of sum(target) given total = sum(parts) for every equation, every known
    value fixed and every other cell in [0, upper]."""
    unknown = sorted({k for t, ps in equations for k in (t, *ps) if k not in known}
                     | set(target))
    col = {k: i for i, k in enumerate(unknown)}
    a_eq, b_eq = [], []
    for t, ps in equations:
        row = [0.0] * len(unknown)
        b = 0.0
        for sign, k in [(1.0, t)] + [(-1.0, p) for p in ps]:
            if k in col:
                row[col[k]] += sign
            else:
                b -= sign * known[k]
        if any(row):
            a_eq.append(row)
            b_eq.append(b)
    obj = [1.0 if k in target else 0.0 for k in unknown]
    kw: dict[str, Any] = {"bounds": (0, upper), "method": "highs"}
    if a_eq:
        kw |= {"A_eq": a_eq, "b_eq": b_eq}
    lo = linprog(obj, **kw)
    hi = linprog([-x for x in obj], **kw)
    assert lo.status == 0 and hi.status == 0, "the published data contradict each other"
    return float(lo.fun), float(-hi.fun)
