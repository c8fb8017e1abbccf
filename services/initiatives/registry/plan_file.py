"""Plan files: an association's yearly plan as data (YAML or JSON, ``schemas/plan.v1``).

The file is checked in two steps: its shape against the public JSON Schema (so an association
can check its file with any validator), then every initiative, indicator and contact against
the registry's own bodies when it is seeded (codes in the code lists, measures and dimensions
in the catalogue). Errors name the place in the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from samstat_kit.contracts import validator

PLANS_DIR = Path(__file__).resolve().parents[1] / "plans"
DEFAULT_PLAN = PLANS_DIR / "umearegionen-2024.yaml"


class PlanFileError(ValueError):
    """The file is not a valid plan; the message lists each problem with its place."""


@dataclass(frozen=True)
class PlanFile:
    association: dict[str, Any]
    year: int
    status: str
    decided_at: date | None
    initiatives: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


def _plain(node: Any) -> Any:
    # YAML reads an unquoted 2023-06-01 as a date; the schema (like JSON) wants the string.
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, date):
        return node.isoformat()
    return node


def _where(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "(top)"


def parse_plan(doc: Any, *, source: str = "plan") -> PlanFile:
    doc = _plain(doc)
    errors = sorted(validator("plan", 1).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        lines = [f"{source}{_where(e.absolute_path)}: {e.message}" for e in errors[:20]]
        raise PlanFileError("not a valid plan (schemas/plan.v1.schema.json):\n" +
                            "\n".join(lines))
    decided = doc.get("decided_at")
    return PlanFile(
        association=doc["association"], year=doc["year"], status=doc.get("status", "draft"),
        decided_at=date.fromisoformat(decided) if decided else None,
        initiatives=doc["initiatives"], indicators=doc["indicators"],
        contacts=doc.get("contacts", []),
    )


def load_plan(path: Path | str = DEFAULT_PLAN) -> PlanFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise PlanFileError(f"{path}: not {'JSON' if path.suffix == '.json' else 'YAML'}: "
                            f"{exc}") from exc
    return parse_plan(doc, source=path.name)
