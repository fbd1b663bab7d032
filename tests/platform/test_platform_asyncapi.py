"""The AsyncAPI 3.0 document: valid against the official schema shipped in synth/data/asyncapi."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from synth.errors import SpecError
from synth.platform.asyncapi import (
    build_asyncapi,
    build_payload_schema,
    render_asyncapi_json,
    render_asyncapi_yaml,
)
from synth.platform.sources import load_spec_sources
from synth.spec import ServiceSpec, TopicSpec

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "synth" / "data" / "asyncapi"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMA_DIR / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _learnflow(real_specs: Path) -> dict[str, Any]:
    return build_asyncapi(s.spec for s in load_spec_sources(real_specs))


def _errors(validator: jsonschema.Draft7Validator, document: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(document)]


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_learnflow_document_is_valid_asyncapi_3(
    validator: jsonschema.Draft7Validator, real_specs: Path
) -> None:
    document = _learnflow(real_specs)
    assert document["asyncapi"] == "3.0.0"
    assert _errors(validator, document) == []


def test_the_schema_does_reject_a_broken_document(
    validator: jsonschema.Draft7Validator, real_specs: Path
) -> None:
    document = _learnflow(real_specs)
    del document["info"]["version"]
    document["operations"]["triageSendLearningRouted"]["action"] = "publish"  # AsyncAPI 2 verb
    assert len(_errors(validator, document)) >= 2


def test_every_reference_resolves(real_specs: Path) -> None:
    document = _learnflow(real_specs)
    for ref in _refs(document):
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref


def test_channels_operations_and_payload(real_specs: Path) -> None:
    document = _learnflow(real_specs)
    assert document["channels"]["codeReviewRequest"]["address"] == "code.review-request"
    assert len(document["channels"]) == 11
    operation = document["operations"]["codeReviewReceiveCodeReviewRequest"]
    assert operation["action"] == "receive"
    assert operation["channel"] == {"$ref": "#/channels/codeReviewRequest"}
    payload = document["components"]["messages"]["CodeReviewRequest"]["payload"]
    assert payload["required"] == ["request_id", "user_id", "session_id", "code"]
    assert payload["properties"]["question"] == {"type": ["string", "null"]}


def test_payload_schema_for_every_field_type() -> None:
    topic = TopicSpec.model_validate(
        {
            "topic": "learning.all",
            "fields": [
                {"name": "n", "type": "int"},
                {"name": "at", "type": "datetime", "optional": True},
                {"name": "tags", "type": "list[str]"},
                {"name": "scores", "type": "dict[str, float]", "description": "by concept"},
            ],
        }
    )
    assert build_payload_schema(topic.fields) == {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "at": {"type": ["string", "null"], "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "scores": {
                "type": "object",
                "additionalProperties": {"type": "number"},
                "description": "by concept",
            },
        },
        "required": ["n", "tags", "scores"],
    }


def test_yaml_and_json_renderings_hold_the_same_document(real_specs: Path) -> None:
    document = _learnflow(real_specs)
    assert json.loads(render_asyncapi_json(document)) == document
    yaml_text = render_asyncapi_yaml(document)
    assert yaml_text.startswith("asyncapi: 3.0.0\ninfo:\n")
    assert YAML(typ="safe", pure=True).load(yaml_text) == document


def test_topics_that_share_an_id_are_refused() -> None:
    fields = [{"name": "x"}]
    spec = ServiceSpec.model_validate(
        {
            "name": "clash",
            "publishes": [
                {"topic": "learning.a-b", "fields": fields},
                {"topic": "learning-a.b", "fields": fields},
            ],
        }
    )
    with pytest.raises(SpecError, match="learningAB"):
        build_asyncapi([spec])
