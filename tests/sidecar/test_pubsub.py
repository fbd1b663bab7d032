"""Publish (P-*) and subscription delivery (U-*) through a real app served by uvicorn."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.responses import JSONResponse, Response

from synth.sidecar import Sidecar
from tests.sidecar.sidecar_kit import (
    MEMORY_COMPONENTS,
    RecordingApp,
    component,
    http_client,
    running_sidecar,
    serve_app,
    sidecar_config,
)

pytestmark = pytest.mark.anyio

P = "/v1.0/publish/pubsub"
TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def sub(topic: str, route: str = "/events", **extra: object) -> dict:
    return {"pubsubname": "pubsub", "topic": topic, "route": route, **extra}


@dataclass
class Env:
    app: RecordingApp
    sidecar: Sidecar
    http: httpx.AsyncClient


@pytest.fixture
async def env(resources) -> AsyncIterator[Env]:
    app = RecordingApp(
        subscriptions=[
            sub("orders"),
            sub("dlq", "/dead"),
            sub("withdlq", "/flaky", deadLetterTopic="dlq"),
            sub("nodlq", "/flaky"),
            sub("raw", "/raw", metadata={"rawPayload": "true"}),
            {
                "pubsubname": "pubsub",
                "topic": "routed",
                "routes": {
                    "rules": [
                        {"match": 'event.type == "created"', "path": "/created"},
                        {"match": 'event.data.kind == "x" && event.source != "y"', "path": "/x"},
                    ],
                    "default": "/other",
                },
            },
            {
                "pubsubname": "pubsub",
                "topic": "rulesonly",
                "routes": {"rules": [{"match": 'event.type == "never"', "path": "/never"}]},
                "deadLetterTopic": "dlq",
            },
        ]
    )
    async with serve_app(app):
        config = sidecar_config(
            "orders-svc", app_port=app.port, resources_paths=(resources(MEMORY_COMPONENTS),)
        )
        async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
            yield Env(app, sidecar, http)


async def publish(env: Env, topic: str, body: bytes, ctype: str | None = None, query: str = ""):
    headers = {"content-type": ctype} if ctype else {}
    response = await env.http.post(f"{P}/{topic}{query}", content=body, headers=headers)
    assert response.status_code == 204, response.text
    return response


async def test_subscribe_request_headers_u1_h6(env: Env) -> None:
    config_calls = env.app.on("/dapr/config")
    calls = env.app.on("/dapr/subscribe")
    assert len(calls) == 1 and len(config_calls) == 1
    assert env.app.received.index(config_calls[0]) < env.app.received.index(calls[0])
    assert calls[0].method == "GET"
    assert calls[0].headers["content-type"] == "application/json"
    assert calls[0].headers["dapr-app-id"] == "orders-svc"


async def test_default_content_type_is_text_plain_p2_p3_p4(env: Env) -> None:
    await publish(env, "orders", b'{"a": 1}')
    (got,) = await env.app.wait_for("/events")
    event = json.loads(got.body)
    assert event["datacontenttype"] == "text/plain"
    assert event["data"] == '{"a": 1}'
    assert event["source"] == "orders-svc"
    assert event["type"] == "com.dapr.event.sent"
    assert event["specversion"] == "1.0"
    assert event["topic"] == "orders" and event["pubsubname"] == "pubsub"
    assert TRACEPARENT.match(event["traceparent"]) and event["traceid"] == event["traceparent"]
    assert event["tracestate"] == ""
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", event["time"])
    assert len(event["id"]) == 36
    assert "subject" not in event


async def test_envelope_keys_sorted_and_compact_like_go_p4(env: Env) -> None:
    await publish(env, "orders", b'{"z": 1.10, "a": [1, 2]}', "application/json")
    (got,) = await env.app.wait_for("/events")
    keys = list(json.loads(got.body))
    assert keys == sorted(keys)
    assert b'"data":{"a":[1,2],"z":1.10}' in got.body  # numbers kept precisely
    assert b", " not in got.body and b": " not in got.body


async def test_json_content_type_embeds_object_p3(env: Env) -> None:
    await publish(env, "orders", b'{"id": 7}', "Application/JSON; charset=utf-8")
    (got,) = await env.app.wait_for("/events")
    event = json.loads(got.body)
    assert event["data"] == {"id": 7}
    assert event["datacontenttype"] == "Application/JSON; charset=utf-8"


async def test_invalid_json_with_json_content_type_becomes_string_p3(env: Env) -> None:
    await publish(env, "orders", b"not json", "application/json")
    (got,) = await env.app.wait_for("/events")
    assert json.loads(got.body)["data"] == "not json"


async def test_octet_stream_uses_data_base64_p3(env: Env) -> None:
    await publish(env, "orders", b"\x00\x01bin", "application/octet-stream")
    (got,) = await env.app.wait_for("/events")
    event = json.loads(got.body)
    assert "data" not in event
    assert base64.b64decode(event["data_base64"]) == b"\x00\x01bin"


async def test_cloudevent_metadata_overrides_p5(env: Env) -> None:
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    query = (
        "?metadata.cloudevent.id=my-id&metadata.cloudevent.Type=my.type"
        f"&metadata.cloudevent.traceparent={tp}&metadata.cloudevent.subject=s1"
    )
    await publish(env, "orders", b"x", query=query)
    (got,) = await env.app.wait_for("/events")
    event = json.loads(got.body)
    assert event["id"] == "my-id" and event["type"] == "my.type" and event["subject"] == "s1"
    assert event["traceparent"] == tp and event["traceid"] == tp


async def test_own_cloudevent_is_passed_through_p6(env: Env) -> None:
    own = {"id": "1", "source": "me", "type": "t", "specversion": "1.0", "topic": "x", "ext": 5}
    await publish(env, "orders", json.dumps(own).encode(), "application/cloudevents+json")
    (got,) = await env.app.wait_for("/events")
    event = json.loads(got.body)
    assert event["id"] == "1" and event["source"] == "me" and event["ext"] == 5
    assert event["topic"] == "orders" and event["pubsubname"] == "pubsub"
    assert "time" in event and "traceid" in event and "tracestate" in event
    assert "datacontenttype" not in event


async def test_ttl_adds_expiration_p7(env: Env) -> None:
    await publish(env, "orders", b"x", query="?metadata.ttlInSeconds=60")
    (got,) = await env.app.wait_for("/events")
    assert json.loads(got.body)["expiration"].endswith("Z")


async def test_raw_payload_publish_is_delivered_as_is_p8_u7(env: Env) -> None:
    body = b'{"plain":true,  "kept":"exactly"}'
    await publish(env, "orders", body, query="?metadata.rawPayload=true")
    (got,) = await env.app.wait_for("/events")
    assert got.body == body


async def test_raw_payload_subscription_gets_base64_envelope_u7(env: Env) -> None:
    await publish(env, "raw", b"payload", query="?metadata.rawPayload=True")
    (got,) = await env.app.wait_for("/raw")
    event = json.loads(got.body)
    assert event["datacontenttype"] == "application/octet-stream"
    assert event["source"] == "Dapr" and event["pubsubname"] == "pubsub"
    assert base64.b64decode(event["data_base64"]) == b"payload"


async def test_delivery_headers_u6_u8_p9(env: Env) -> None:
    await publish(env, "orders", b"x", query="?metadata.custom-Key=v1")
    (got,) = await env.app.wait_for("/events")
    assert got.method == "POST"
    assert got.headers["content-type"] == "application/cloudevents+json"
    assert got.headers["pubsubname"] == "pubsub"
    assert got.headers["custom-key"] == "v1"
    assert TRACEPARENT.match(got.headers["traceparent"])
    trace_id = json.loads(got.body)["traceparent"].split("-")[1]
    assert got.headers["traceparent"].split("-")[1] == trace_id


@pytest.mark.parametrize(
    ("query", "ctype", "body", "status", "code"),
    [
        ("", None, b"x", 404, "ERR_PUBSUB_NOT_FOUND"),
        ("?metadata.rawPayload=maybe", None, b"x", 400, "ERR_PUBSUB_REQUEST_METADATA"),
        ("", "application/cloudevents+json", b"{bad", 500, "ERR_PUBSUB_CLOUD_EVENTS_SER"),
    ],
)
async def test_publish_errors_p1(env: Env, query, ctype, body, status, code) -> None:
    pubsub = "nope" if code == "ERR_PUBSUB_NOT_FOUND" else "pubsub"
    headers = {"content-type": ctype} if ctype else {}
    url = f"/v1.0/publish/{pubsub}/orders{query}"
    response = await env.http.post(url, content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["errorCode"] == code


async def test_unknown_pubsub_message_p1(env: Env) -> None:
    response = await env.http.post("/v1.0/publish/nope/t", content=b"x")
    assert response.json()["message"] == "pubsub nope is not found"
    assert response.json()["details"][0]["reason"] == "DAPR_PUBSUB_NOT_FOUND"


async def test_empty_topic_is_404_p1(env: Env) -> None:
    response = await env.http.post("/v1.0/publish/pubsub/", content=b"x")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "ERR_TOPIC_NAME_EMPTY"


async def test_topic_may_contain_slashes_g11(env: Env) -> None:
    response = await env.http.put(f"{P}/a/b", content=b"x")
    assert response.status_code == 204


async def test_forbidden_topic_is_403_c5_p1(resources) -> None:
    docs = [component("pubsub", "pubsub.in-memory", {"allowedTopics": "orders"})]
    config = sidecar_config("svc", resources_paths=(resources(docs),))
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        denied = await http.post("/v1.0/publish/pubsub/other", content=b"x")
        allowed = await http.post("/v1.0/publish/pubsub/orders", content=b"x")
    assert denied.status_code == 403
    assert denied.json()["errorCode"] == "ERR_PUBSUB_FORBIDDEN"
    assert denied.json()["message"] == "topic other is not allowed for app id svc"
    assert allowed.status_code == 204


async def test_publishing_scopes_c5(resources) -> None:
    docs = [component("pubsub", "pubsub.in-memory", {"publishingScopes": "svc=a,b;other=c"})]
    config = sidecar_config("svc", resources_paths=(resources(docs),))
    async with running_sidecar(config) as sidecar, http_client(sidecar.http_url) as http:
        assert (await http.post("/v1.0/publish/pubsub/a", content=b"x")).status_code == 204
        assert (await http.post("/v1.0/publish/pubsub/c", content=b"x")).status_code == 403


async def test_routing_rules_pick_first_match_then_default_u3(env: Env) -> None:
    created = {"specversion": "1.0", "id": "1", "source": "s", "type": "created"}
    other = {**created, "type": "updated", "data": {"kind": "x"}}
    third = {**created, "type": "updated", "data": {"kind": "z"}}
    for event in (created, other, third):
        await publish(env, "routed", json.dumps(event).encode(), "application/cloudevents+json")
    await env.app.wait_for("/created")
    await env.app.wait_for("/x")
    await env.app.wait_for("/other")


async def test_no_matching_rule_goes_to_dead_letter_u11(env: Env) -> None:
    await publish(env, "rulesonly", b"x")
    (dead,) = await env.app.wait_for("/dead")
    assert json.loads(dead.body)["topic"] == "rulesonly"
    assert env.app.on("/never") == []


def flaky(replies: list[Response]):
    def reply(_received: object) -> Response:
        return replies.pop(0) if len(replies) > 1 else replies[0]

    return reply


async def test_retry_then_success_redelivers_same_body_u9(env: Env) -> None:
    env.app.replies["/flaky"] = flaky(
        [Response(status_code=500), JSONResponse({"status": "SUCCESS"})]
    )
    await publish(env, "nodlq", b"x")
    first, second = await env.app.wait_for("/flaky", 2)
    assert first.body == second.body


async def test_retries_exhausted_go_to_dead_letter_with_original_body_u10(env: Env) -> None:
    env.app.replies["/flaky"] = flaky([JSONResponse({"status": "RETRY"})])
    await publish(env, "withdlq", b"payload")
    (dead,) = await env.app.wait_for("/dead")
    attempts = env.app.on("/flaky")
    assert len(attempts) == 3  # FAST_POLICY.max_attempts
    assert dead.body == attempts[0].body  # the original message, unchanged
    assert json.loads(dead.body)["topic"] == "withdlq"


async def test_drop_goes_to_dead_letter_without_retry_u9_u10(env: Env) -> None:
    env.app.replies["/flaky"] = flaky([JSONResponse({"status": "DROP"})])
    await publish(env, "withdlq", b"payload")
    await env.app.wait_for("/dead")
    assert len(env.app.on("/flaky")) == 1


async def test_404_drops_to_dead_letter_u9(env: Env) -> None:
    env.app.replies["/flaky"] = flaky([Response(status_code=404)])
    await publish(env, "withdlq", b"payload")
    await env.app.wait_for("/dead")
    assert len(env.app.on("/flaky")) == 1


async def test_lowercase_status_is_retried_u9(env: Env) -> None:
    env.app.replies["/flaky"] = flaky([JSONResponse({"status": "success"}), JSONResponse("ok")])
    await publish(env, "nodlq", b"x")
    await env.app.wait_for("/flaky", 2)


async def test_subscriptions_listed_in_metadata_h3_u16(env: Env) -> None:
    meta = (await env.http.get("/v1.0/metadata")).json()
    topics = {s["topic"]: s for s in meta["subscriptions"]}
    assert topics["orders"]["type"] == "PROGRAMMATIC"
    assert topics["orders"]["rules"] == [{"match": "", "path": "/events"}]
    assert topics["withdlq"]["deadLetterTopic"] == "dlq"
    assert topics["orders"]["deadLetterTopic"] == ""
    assert topics["raw"]["metadata"] == {"rawPayload": "true"}
