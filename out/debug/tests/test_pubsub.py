"""Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the publishers hand
to the Dapr client.
"""

import asyncio
import json

import grpc
import httpx
import pytest
from dapr.aio.clients import DaprClient
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from debug import subscribers
from debug.dapr_client import DaprConnection
from debug.events import CodeErrorHint, CodeErrorRequest, EventContext
from debug.main import app
from debug.publishers import publish_code_error_hint
from tests.conftest import FakeDaprClient

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def cloud_event(topic: str, data: object, event_id: str = "event-1") -> dict[str, object]:
    """A CloudEvent as daprd delivers it (contract P-4, U-7): its envelope around `data`."""
    return {
        "data": data,
        "datacontenttype": "application/json",
        "id": event_id,
        "pubsubname": "pubsub",
        "source": "tests",
        "specversion": "1.0",
        "time": "2026-01-02T03:04:05Z",
        "topic": topic,
        "traceid": TRACEPARENT,
        "traceparent": TRACEPARENT,
        "tracestate": "",
        "type": "com.dapr.event.sent",
    }


def post_cloud_event(client: TestClient, route: str, event: dict[str, object]) -> httpx.Response:
    """POST `event` the way daprd does: as `application/cloudevents+json` (contract U-6)."""
    return client.post(
        route,
        content=json.dumps(event),
        headers={"content-type": "application/cloudevents+json"},
    )


def test_dapr_subscribe_lists_every_topic_exactly(app_client: TestClient) -> None:
    assert app_client.get("/dapr/subscribe").json() == [
        {
            "pubsubname": "pubsub",
            "topic": "code.error-request",
            "route": "/events/pubsub/code.error-request",
            "metadata": {},
            "deadLetterTopic": "code.error-request.dlq",
        }
    ]


CODE_ERROR_REQUEST_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "code": "code-1",
    "error": "error-1",
}

CODE_ERROR_HINT_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "hint": "hint-1",
    "attempt": 3,
}


class NeverConnects(DaprConnection):
    """A connection that never reaches a sidecar: the Dapr client stays unavailable."""

    async def connect(self) -> None:
        return None


def test_a_delivery_while_dapr_is_unavailable_is_retried() -> None:
    app.state.dapr = NeverConnects()
    try:
        with TestClient(app) as client:
            response = post_cloud_event(
                client,
                "/events/pubsub/code.error-request",
                cloud_event("code.error-request", CODE_ERROR_REQUEST_PAYLOAD),
            )
    finally:
        app.state.dapr = None
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_a_body_that_is_not_json_is_dropped(app_client: TestClient) -> None:
    response = app_client.post(
        "/events/pubsub/code.error-request",
        content=b"not json",
        headers={"content-type": "application/cloudevents+json"},
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_handler_that_fails_for_good_dead_letters_the_event(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise ValueError("a bug, not a transient failure")

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    response = post_cloud_event(
        app_client,
        "/events/pubsub/code.error-request",
        cloud_event("code.error-request", CODE_ERROR_REQUEST_PAYLOAD),
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_payload_published_as_json_text_is_accepted(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    event = cloud_event("code.error-request", json.dumps(CODE_ERROR_REQUEST_PAYLOAD))
    response = post_cloud_event(app_client, "/events/pubsub/code.error-request", event)
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert seen == ["event-1"]


def test_code_error_request_valid_event_reaches_its_handler(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[CodeErrorRequest, EventContext]] = []

    async def handle(event: CodeErrorRequest, context: EventContext, client: DaprClient) -> None:
        seen.append((event, context))

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    data = {**CODE_ERROR_REQUEST_PAYLOAD, "added_by_a_newer_producer": "ignored"}
    response = post_cloud_event(
        app_client,
        "/events/pubsub/code.error-request",
        cloud_event("code.error-request", data, "event-7"),
    )
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    context = EventContext(
        id="event-7",
        source="tests",
        type="com.dapr.event.sent",
        topic="code.error-request",
        traceparent=TRACEPARENT,
    )
    assert seen == [(CodeErrorRequest.model_validate(CODE_ERROR_REQUEST_PAYLOAD), context)]


def test_code_error_request_malformed_event_is_dropped(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[CodeErrorRequest] = []

    async def handle(event: CodeErrorRequest, context: EventContext, client: DaprClient) -> None:
        seen.append(event)

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    event = cloud_event("code.error-request", ["not", "an", "object"])
    response = post_cloud_event(app_client, "/events/pubsub/code.error-request", event)
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})
    assert seen == []


def test_code_error_request_transient_failure_is_retried(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: CodeErrorRequest, context: EventContext, client: DaprClient) -> None:
        raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), details="restart")

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    response = post_cloud_event(
        app_client,
        "/events/pubsub/code.error-request",
        cloud_event("code.error-request", CODE_ERROR_REQUEST_PAYLOAD),
    )
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_code_error_request_redelivered_event_is_handled_once(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: CodeErrorRequest, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, "on_code_error_request", handle)
    event = cloud_event("code.error-request", CODE_ERROR_REQUEST_PAYLOAD, "event-twice")
    first = post_cloud_event(app_client, "/events/pubsub/code.error-request", event)
    second = post_cloud_event(app_client, "/events/pubsub/code.error-request", event)
    assert [first.json(), second.json()] == [{"status": "SUCCESS"}, {"status": "SUCCESS"}]
    assert seen == ["event-twice"]
    saved = [call for name, call in fake_dapr.calls if name == "save_state"]
    assert saved == [
        {
            "store_name": "statestore",
            "key": "processed:code.error-request:event-twice",
            "value": "1",
            "state_metadata": {"ttlInSeconds": "86400"},
        }
    ]


def test_publish_code_error_hint_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = CodeErrorHint.model_validate(CODE_ERROR_HINT_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_code_error_hint(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "code.error-hint",
                "data": event.model_dump_json(),
                "data_content_type": "application/json",
                "publish_metadata": {
                    "partitionKey": "user_id-1",
                    "cloudevent.traceparent": TRACEPARENT,
                    "cloudevent.tracestate": "vendor=1",
                },
            },
        )
    ]
