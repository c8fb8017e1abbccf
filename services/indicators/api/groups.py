"""Comparison groups: Kolada-style groups of similar municipalities, from a JSON file
(``services/indicators/comparison_groups.json`` by default, ``SAMSTAT_COMPARISON_GROUPS_FILE``
to use another), checked when loaded: known municipalities, unique ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from samstat_kit.contracts import Catalogue

DEFAULT = Path(__file__).resolve().parent.parent / "comparison_groups.json"


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    members: tuple[str, ...]
    for_areas: frozenset[str]

    @property
    def code(self) -> str:
        return f"group:{self.id}"


def load_groups(catalogue: Catalogue, path: Path | None = None) -> tuple[Group, ...]:
    """The groups of the file; ValueError naming the group and the problem."""
    raw = json.loads((path or DEFAULT).read_text("utf-8"))
    out: list[Group] = []
    for n, g in enumerate(raw.get("groups", [])):
        gid = str(g.get("id", ""))
        if not gid or any(x.id == gid for x in out):
            raise ValueError(f"comparison group {n}: missing or repeated id {gid!r}")
        members = tuple(str(m) for m in g.get("members", []))
        unknown = [m for m in (*members, *g.get("for", []))
                   if m not in catalogue.areas or catalogue.areas[m].level != "municipality"]
        if not members or unknown:
            raise ValueError(f"comparison group {gid}: unknown municipalities {unknown}"
                             if unknown else f"comparison group {gid}: no members")
        out.append(Group(gid, str(g.get("name", gid)), members,
                         frozenset(str(a) for a in g.get("for", members))))
    return tuple(out)


def groups_for(groups: tuple[Group, ...], area: str) -> list[Group]:
    return [g for g in groups if area in g.for_areas]
