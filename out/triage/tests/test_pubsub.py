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

from tests.conftest import FakeDaprClient
from triage import subscribers
from triage.dapr_client import DaprConnection
from triage.events import (
    CodeErrorRequest,
    CodeReviewRequest,
    EventContext,
    ExerciseRequest,
    LearningConceptRequest,
    LearningQuery,
    LearningRouted,
)
from triage.main import app
from triage.publishers import (
    publish_code_error_request,
    publish_code_review_request,
    publish_exercise_request,
    publish_learning_concept_request,
    publish_learning_routed,
)

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
            "topic": "learning.query",
            "route": "/events/pubsub/learning.query",
            "metadata": {},
            "deadLetterTopic": "learning.query.dlq",
        }
    ]


LEARNING_QUERY_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "text": "text-1",
}

LEARNING_ROUTED_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "target": "target-1",
    "reason": "reason-1",
}

LEARNING_CONCEPT_REQUEST_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "concept": "concept-1",
    "question": "question-1",
}

CODE_REVIEW_REQUEST_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "code": "code-1",
    "question": "question-1",
}

CODE_ERROR_REQUEST_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "code": "code-1",
    "error": "error-1",
}

EXERCISE_REQUEST_PAYLOAD: dict[str, object] = {
    "request_id": "request_id-1",
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "concept": "concept-1",
    "exercise_id": "exercise_id-1",
    "submission": "submission-1",
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
                "/events/pubsub/learning.query",
                cloud_event("learning.query", LEARNING_QUERY_PAYLOAD),
            )
    finally:
        app.state.dapr = None
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_a_body_that_is_not_json_is_dropped(app_client: TestClient) -> None:
    response = app_client.post(
        "/events/pubsub/learning.query",
        content=b"not json",
        headers={"content-type": "application/cloudevents+json"},
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_handler_that_fails_for_good_dead_letters_the_event(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise ValueError("a bug, not a transient failure")

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    response = post_cloud_event(
        app_client,
        "/events/pubsub/learning.query",
        cloud_event("learning.query", LEARNING_QUERY_PAYLOAD),
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_payload_published_as_json_text_is_accepted(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    event = cloud_event("learning.query", json.dumps(LEARNING_QUERY_PAYLOAD))
    response = post_cloud_event(app_client, "/events/pubsub/learning.query", event)
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert seen == ["event-1"]


def test_learning_query_valid_event_reaches_its_handler(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[LearningQuery, EventContext]] = []

    async def handle(event: LearningQuery, context: EventContext, client: DaprClient) -> None:
        seen.append((event, context))

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    data = {**LEARNING_QUERY_PAYLOAD, "added_by_a_newer_producer": "ignored"}
    response = post_cloud_event(
        app_client, "/events/pubsub/learning.query", cloud_event("learning.query", data, "event-7")
    )
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    context = EventContext(
        id="event-7",
        source="tests",
        type="com.dapr.event.sent",
        topic="learning.query",
        traceparent=TRACEPARENT,
    )
    assert seen == [(LearningQuery.model_validate(LEARNING_QUERY_PAYLOAD), context)]


def test_learning_query_malformed_event_is_dropped(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[LearningQuery] = []

    async def handle(event: LearningQuery, context: EventContext, client: DaprClient) -> None:
        seen.append(event)

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    event = cloud_event("learning.query", ["not", "an", "object"])
    response = post_cloud_event(app_client, "/events/pubsub/learning.query", event)
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})
    assert seen == []


def test_learning_query_transient_failure_is_retried(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: LearningQuery, context: EventContext, client: DaprClient) -> None:
        raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), details="restart")

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    response = post_cloud_event(
        app_client,
        "/events/pubsub/learning.query",
        cloud_event("learning.query", LEARNING_QUERY_PAYLOAD),
    )
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_learning_query_redelivered_event_is_handled_once(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: LearningQuery, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, "on_learning_query", handle)
    event = cloud_event("learning.query", LEARNING_QUERY_PAYLOAD, "event-twice")
    first = post_cloud_event(app_client, "/events/pubsub/learning.query", event)
    second = post_cloud_event(app_client, "/events/pubsub/learning.query", event)
    assert [first.json(), second.json()] == [{"status": "SUCCESS"}, {"status": "SUCCESS"}]
    assert seen == ["event-twice"]
    saved = [call for name, call in fake_dapr.calls if name == "save_state"]
    assert saved == [
        {
            "store_name": "statestore",
            "key": "processed:learning.query:event-twice",
            "value": "1",
            "state_metadata": {"ttlInSeconds": "86400"},
        }
    ]


def test_publish_learning_routed_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = LearningRouted.model_validate(LEARNING_ROUTED_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_learning_routed(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "learning.routed",
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


def test_publish_learning_concept_request_sends_json_keyed_and_traced(
    fake_dapr: FakeDaprClient,
) -> None:
    event = LearningConceptRequest.model_validate(LEARNING_CONCEPT_REQUEST_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_learning_concept_request(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "learning.concept-request",
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


def test_publish_code_review_request_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = CodeReviewRequest.model_validate(CODE_REVIEW_REQUEST_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_code_review_request(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "code.review-request",
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


def test_publish_code_error_request_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = CodeErrorRequest.model_validate(CODE_ERROR_REQUEST_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_code_error_request(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "code.error-request",
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


def test_publish_exercise_request_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = ExerciseRequest.model_validate(EXERCISE_REQUEST_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_exercise_request(fake_dapr, event, trace=trace))
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "exercise.request",
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
