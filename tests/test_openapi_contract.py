"""The OpenAPI document names every operation and gives every answer a real schema; real
answers (the edge cases included) conform to them. schemathesis fuzzes the same document
(tests/test_schemathesis.py); this pins the cases random inputs rarely reach."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest

from .conftest import TEST_DATA

jsonschema = pytest.importorskip(
    "jsonschema", reason="jsonschema comes with openapi-spec-validator"
)
referencing = pytest.importorskip("referencing")

with (TEST_DATA / "http" / "openapi_answers.csv").open(encoding="utf-8", newline="") as _f:
    ANSWERS = list(csv.DictReader(_f))


@pytest.fixture(scope="module")
def doc(app) -> dict[str, Any]:
    return app.test_client().get("/openapi.json").get_json()


def _operations(doc: dict[str, Any]):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_every_operation_has_a_unique_operation_id(doc):
    ids = {label: op.get("operationId") for label, op in _operations(doc)}
    assert len(ids) >= 20  # v1, badges, pages, operations and the open downloads
    assert all(ids.values()), [label for label, i in ids.items() if not i]
    assert len(set(ids.values())) == len(ids)


def _bare_objects(schema: Any, where: str) -> list[str]:
    """Object schemas that say nothing about their contents."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" and not ({"properties", "$ref"} & set(schema)):
            found.append(where)
        for key, value in schema.items():
            found += _bare_objects(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found += _bare_objects(value, f"{where}/{i}")
    return found


def test_no_answer_is_a_bare_object(doc):
    bare = _bare_objects(doc["components"]["schemas"], "components")
    for label, op in _operations(doc):
        for status, response in op["responses"].items():
            for media, content in (response.get("content") or {}).items():
                bare += _bare_objects(content.get("schema"), f"{label} {status} {media}")
    # the GeoJSON request body's features and the OpenAPI document's own paths are free-form
    assert [b for b in bare if "requestBody" not in b and "/paths" not in b] == []


@pytest.mark.parametrize("case", ANSWERS, ids=[c["case"] for c in ANSWERS])
def test_real_answer_conforms_to_its_schema(doc, client, case):
    method = case["method"].lower()
    if case["body"]:
        resp = client.open(case["path"], method=method, json=json.loads(case["body"]))
    else:
        resp = client.open(case["path"], method=method)
    assert resp.status_code == 200
    operation = case["operation"].replace("/", "~1")
    pointer = f"#/paths/{operation}/{method}/responses/200/content/application~1json/schema"
    resource = referencing.Resource.from_contents(
        doc, default_specification=referencing.jsonschema.DRAFT202012
    )
    registry = referencing.Registry().with_resource("urn:openapi", resource)
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi{pointer}"}, registry=registry
    )
    errors = sorted(validator.iter_errors(resp.get_json()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
