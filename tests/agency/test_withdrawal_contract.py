"""observation.v1 gains ``withdrawn`` compatibly: every document that was valid before is
valid and means the same (``value: null`` alone is still *withheld*), a withdrawal needs no
conf_status and carries no value, and ingest's pydantic mirror agrees with the JSON Schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from samstat_kit.checks import ObservationCreate
from samstat_kit.contracts import SCHEMAS_DIR, validator

EXAMPLES = SCHEMAS_DIR / "examples"
VALID = sorted((EXAMPLES / "observation.v1").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid" / "observation.v1").glob("*.json"))
WITHDRAWAL = EXAMPLES / "observation.v1" / "withdrawn-sdmx-delete-vannas-2024-10.json"

# The rule v1 had before ``withdrawn`` (its if/then), stated on its own: a document valid
# before must stay valid, one invalid before must stay invalid unless it uses ``withdrawn``.
V1_NULL_RULE = {"if": {"properties": {"value": {"type": "null"}}, "required": ["value"]},
                "then": {"properties": {"conf_status": {"enum": ["C", "N"]}},
                         "required": ["conf_status"]}}


def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _pydantic_ok(doc: dict[str, Any]) -> bool:
    try:
        ObservationCreate.model_validate(doc)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in VALID if p != WITHDRAWAL], ids=lambda p: p.name)
def test_documents_without_withdrawn_keep_their_meaning(path: Path) -> None:
    doc = _read(path)
    v = validator("observation", 1)
    assert v.is_valid(doc) and v.is_valid(doc | {"withdrawn": False})
    parsed = ObservationCreate.model_validate(doc)
    assert parsed.withdrawn is False  # the default: never withdrawn by omission
    if doc["value"] is None:  # withheld stays withheld
        assert doc.get("conf_status") in ("C", "N") and not parsed.withdrawn


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_documents_stay_invalid(path: Path) -> None:
    doc = _read(path)
    assert not validator("observation", 1).is_valid(doc)
    if "withdrawn" not in doc:
        assert not validator("observation", 1).is_valid(doc | {"withdrawn": False})


def test_a_withdrawal() -> None:
    doc = _read(WITHDRAWAL)
    v = validator("observation", 1)
    assert v.is_valid(doc) and _pydantic_ok(doc)
    assert "conf_status" not in doc  # a withdrawal is not a withheld value
    # null without withdrawn and without C/N is still refused (the v1 rule)
    plain = {k: val for k, val in doc.items() if k != "withdrawn"}
    assert not v.is_valid(plain) and not _pydantic_ok(plain)
    import jsonschema

    assert not jsonschema.Draft202012Validator(V1_NULL_RULE).is_valid(plain)


@pytest.mark.parametrize("changes", [
    {"value": 12}, {"value": 0}, {"withdrawn": "yes"}, {"withdrawn": 1},
    {"value": 12, "conf_status": "C"},
])
def test_withdrawals_that_are_not(changes: dict[str, Any]) -> None:
    doc = copy.deepcopy(_read(WITHDRAWAL)) | changes
    assert not validator("observation", 1).is_valid(doc)
    assert not _pydantic_ok(doc)


@pytest.mark.parametrize("changes", [
    {"withdrawn": False, "value": None, "conf_status": "C"},
    {"withdrawn": False, "value": 3},
    {"withdrawn": True, "value": None, "conf_status": "N"},
    {"withdrawn": True, "value": None, "conf_status": "F"},
])
def test_pydantic_and_json_schema_agree(changes: dict[str, Any]) -> None:
    doc = _read(WITHDRAWAL) | changes
    assert validator("observation", 1).is_valid(doc) == _pydantic_ok(doc) is True
