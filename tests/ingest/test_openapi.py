"""Ingest's OpenAPI document, as a client generator reads it: every ``$ref`` resolves, every
error status is documented with the one error schema, examples are the contract's own and
valid against the documented schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def _refs(node: Any, path: str = "#") -> list[tuple[str, str]]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append((path, v))
            else:
                out += _refs(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _refs(v, f"{path}/{i}")
    return out


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external or relative $ref {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def test_every_ref_resolves(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    refs = _refs(doc)
    assert any(r.endswith("/BatchCreate") for _, r in refs)
    for where, ref in refs:
        assert _resolve(doc, ref) is not None, where
    assert "ObservationCreate" in doc["components"]["schemas"]


def test_the_batch_endpoint_documents_every_status_with_one_error_schema(
        client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/v1/observations"]["post"]
    responses = post["responses"]
    assert {"202", "401", "403", "413", "415", "422", "429", "503"} <= set(responses)
    for status in ("401", "403", "413", "415", "422", "429", "503"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorRead"}, status
    assert "Retry-After" in responses["429"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]
    params = {p["name"] for p in post["parameters"]}
    assert {"strict", "dry_run"} <= params
    # Every operation documents the statuses any request may get (the query-string gate).
    for item in doc["paths"].values():
        for operation in item.values():
            assert "422" in operation["responses"] and "503" in operation["responses"]
    assert "HTTPValidationError" not in json.dumps(doc)


def test_examples_are_the_contracts_and_match_the_documented_schemas(
        client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/v1/observations"]["post"]
    request_examples = post["requestBody"]["content"]["application/json"]["examples"]
    on_disk = sorted(p.stem for p in (ROOT / "schemas/examples/observation-batch.v1")
                     .glob("*.json"))
    assert sorted(request_examples) == on_disk
    receipt_examples = post["responses"]["202"]["content"]["application/json"]["examples"]
    assert receipt_examples
    schemas = doc["components"]["schemas"]

    def check(instance: Any, name: str) -> None:
        # The components as one resolvable document for jsonschema.
        root = {"components": {"schemas": schemas}, **schemas[name]}
        jsonschema.validate(instance, root, cls=jsonschema.Draft202012Validator)

    for example in request_examples.values():
        check(example["value"], "BatchCreate")
    for example in receipt_examples.values():
        check(example["value"], "ReceiptRead")
    for status, response in post["responses"].items():
        if status != "202":
            check(response["content"]["application/json"]["example"], "ErrorRead")


def test_error_bodies_follow_the_error_schema(client: TestClient, token: Any) -> None:
    """What the server really answers, for each documented error status it can give here."""
    fk = token("forsakringskassan")
    auth = {"Authorization": f"Bearer {fk}"}
    answers = [
        client.post("/v1/observations", json={"observations": []}),  # 401
        client.post("/v1/observations", json={"observations": []}, headers=auth),  # 422
        client.post("/v1/observations", content=b"a,b", headers=auth | {
            "Content-Type": "text/csv"}),  # 415
        client.post("/v1/observations", params={"strict": "maybe"}, headers=auth,
                    json={"observations": []}),  # 422 from FastAPI's own validation
        client.get("/v1/cells", headers=auth),  # 422: required query parameters missing
    ]
    assert [a.status_code for a in answers] == [401, 422, 415, 422, 422]
    for a in answers:
        body = a.json()
        assert isinstance(body["detail"], str), body
        assert set(body) <= {"detail", "rejected"}
