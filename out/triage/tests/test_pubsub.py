"""Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the publishers hand
to the Dapr client.
"""

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple, Protocol

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata
from pydantic import BaseModel

from tests.conftest import FakeDaprClient, as_client
from triage import subscribers
from triage.dapr_client import DaprConnection
from triage.events import (
    CURRENT_DELIVERY,
    CodeErrorRequest,
    CodeReviewRequest,
    Delivery,
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

PUBSUB = "pubsub"


class Topic(NamedTuple):
    """A subscribed topic as its tests see it: its route, handler and model, a sample event."""

    name: str
    route: str
    handler: str
    model: type[BaseModel]
    payload: dict[str, object]


class Published(NamedTuple):
    """A published topic as its tests see it: its publisher and model, a sample event."""

    name: str
    publish: Callable[..., Coroutine[Any, Any, None]]
    model: type[BaseModel]
    payload: dict[str, object]
    partition_key: str | None


def cloud_event(topic: str, data: object, event_id: str = "event-1") -> dict[str, object]:
    """A CloudEvent as daprd delivers it (contract P-4, U-7): its envelope around `data`."""
    return {
        "data": data,
        "datacontenttype": "application/json",
        "id": event_id,
        "pubsubname": PUBSUB,
        "source": "tests",
        "specversion": "1.0",
        "time": "2026-01-02T03:04:05Z",
        "topic": topic,
        "traceid": TRACEPARENT,
        "traceparent": TRACEPARENT,
        "tracestate": "",
        "type": "com.dapr.event.sent",
    }


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

SUBSCRIBED = (
    Topic(
        name="learning.query",
        route="/events/pubsub/learning.query",
        handler="on_learning_query",
        model=LearningQuery,
        payload=LEARNING_QUERY_PAYLOAD,
    ),
)

# A test of each subscribed topic: it runs once per topic (its `topic`), named by the topic.
EACH_TOPIC = pytest.mark.parametrize("topic", SUBSCRIBED, ids=[t.name for t in SUBSCRIBED])

FIRST = SUBSCRIBED[0]

PUBLISHED = (
    Published(
        name="learning.routed",
        publish=publish_learning_routed,
        model=LearningRouted,
        payload=LEARNING_ROUTED_PAYLOAD,
        partition_key="user_id",
    ),
    Published(
        name="learning.concept-request",
        publish=publish_learning_concept_request,
        model=LearningConceptRequest,
        payload=LEARNING_CONCEPT_REQUEST_PAYLOAD,
        partition_key="user_id",
    ),
    Published(
        name="code.review-request",
        publish=publish_code_review_request,
        model=CodeReviewRequest,
        payload=CODE_REVIEW_REQUEST_PAYLOAD,
        partition_key="user_id",
    ),
    Published(
        name="code.error-request",
        publish=publish_code_error_request,
        model=CodeErrorRequest,
        payload=CODE_ERROR_REQUEST_PAYLOAD,
        partition_key="user_id",
    ),
    Published(
        name="exercise.request",
        publish=publish_exercise_request,
        model=ExerciseRequest,
        payload=EXERCISE_REQUEST_PAYLOAD,
        partition_key="user_id",
    ),
)

# A test of each published topic: it runs once per topic (its `topic`), named by the topic.
EACH_PUBLISHED = pytest.mark.parametrize("topic", PUBLISHED, ids=[t.name for t in PUBLISHED])

FIRST_PUBLISHED = PUBLISHED[0]


class _Response(Protocol):
    """What these tests read of a response: httpx's or httpx2's, whichever the TestClient makes
    (starlette's newer releases are built on httpx2)."""

    @property
    def status_code(self) -> int: ...

    def json(self) -> Any: ...


def post_cloud_event(client: TestClient, route: str, event: dict[str, object]) -> _Response:
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


class NeverConnects(DaprConnection):
    """A connection that never reaches a sidecar: the Dapr client stays unavailable."""

    async def connect(self) -> None:
        return None


def test_a_delivery_while_dapr_is_unavailable_is_retried() -> None:
    app.state.dapr = NeverConnects()
    try:
        with TestClient(app) as client:
            response = post_cloud_event(client, FIRST.route, cloud_event(FIRST.name, FIRST.payload))
    finally:
        app.state.dapr = None
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_a_body_that_is_not_json_is_dropped(app_client: TestClient) -> None:
    response = app_client.post(
        FIRST.route, content=b"not json", headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


@pytest.mark.parametrize("as_text", [False, True])
@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_a_body_nested_too_deep_is_dropped(
    app_client: TestClient, depth: int, as_text: bool
) -> None:
    nested = "[" * depth + "]" * depth
    data = json.dumps(nested) if as_text else nested
    body = '{"id": "event-deep", "topic": ' + json.dumps(FIRST.name) + ', "data": ' + data + "}"
    response = app_client.post(
        FIRST.route, content=body, headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_the_delivery_route_documents_its_cloud_event_body(app_client: TestClient) -> None:
    operation = app_client.get("/openapi.json").json()["paths"][FIRST.route]["post"]
    schema = operation["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    assert {"id", "source", "type", "specversion", "data"} <= set(schema["required"])
    data, expected = schema["properties"]["data"], FIRST.model.model_json_schema()
    assert (data["title"], set(data["properties"]), data.get("required")) == (
        expected["title"],
        set(expected["properties"]),
        expected.get("required"),
    )


def test_a_request_too_large_for_dapr_is_dropped_not_retried(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        details = "grpc: received message larger than max (5242880 vs. 4194304)"
        cause = AioRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, Metadata(), Metadata(), details)
        raise DaprInternalError(details) from cause

    monkeypatch.setattr(subscribers, FIRST.handler, handle)
    response = post_cloud_event(app_client, FIRST.route, cloud_event(FIRST.name, FIRST.payload))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_handler_that_fails_for_good_dead_letters_the_event(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise ValueError("a bug, not a transient failure")

    monkeypatch.setattr(subscribers, FIRST.handler, handle)
    response = post_cloud_event(app_client, FIRST.route, cloud_event(FIRST.name, FIRST.payload))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_payload_published_as_json_text_is_accepted(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, FIRST.handler, handle)
    event = cloud_event(FIRST.name, json.dumps(FIRST.payload))
    response = post_cloud_event(app_client, FIRST.route, event)
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert seen == ["event-1"]


def delivery_context(event_id: str) -> EventContext:
    """The context of a delivery of the first subscribed topic."""
    return EventContext(id=event_id, source="tests", type="com.dapr.event.sent", topic=FIRST.name)


def test_two_deliveries_of_one_id_at_the_same_moment_run_the_handler_once(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        await asyncio.sleep(0.05)

    event = FIRST.model.model_validate(FIRST.payload)
    context = delivery_context("event-at-once")

    async def both() -> list[str]:
        first = subscribers.run_handler(handle, event, context, as_client(fake_dapr))
        second = subscribers.run_handler(handle, event, context, as_client(fake_dapr))
        return sorted(await asyncio.gather(first, second))

    assert asyncio.run(both()) == ["RETRY", "SUCCESS"]
    assert runs == ["event-at-once"]
    later = asyncio.run(subscribers.run_handler(handle, event, context, as_client(fake_dapr)))
    assert (later, runs) == ("SUCCESS", ["event-at-once"])


def test_a_long_handler_renews_its_claim_until_it_is_done(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscribers, "CLAIM_RENEWAL_SECONDS", 0.01)

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        await asyncio.sleep(0.1)

    event = FIRST.model.model_validate(FIRST.payload)
    context = delivery_context("event-long")
    status = asyncio.run(subscribers.run_handler(handle, event, context, as_client(fake_dapr)))
    assert status == "SUCCESS"
    saves = [c for n, c in fake_dapr.calls if n == "save_state"]
    leases = [c["state_metadata"]["ttlInSeconds"] for c in saves]
    assert leases[0] == leases[1] == str(subscribers.CLAIM_LEASE_SECONDS)
    assert leases[-1] == str(subscribers.PROCESSED_TTL_SECONDS)
    assert [c["etag"] is not None for c in saves][1:] == [True] * (len(saves) - 1)


def test_a_failed_handler_releases_its_claim_for_the_redelivery(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        if len(runs) == 1:
            raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "restart")

    event = FIRST.model.model_validate(FIRST.payload)
    context = delivery_context("event-retried")
    first = asyncio.run(subscribers.run_handler(handle, event, context, as_client(fake_dapr)))
    second = asyncio.run(subscribers.run_handler(handle, event, context, as_client(fake_dapr)))
    assert (first, second, runs) == ("RETRY", "SUCCESS", ["event-retried", "event-retried"])


def test_a_delivery_while_the_store_is_down_is_retried_without_running(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)

    async def store_down(*args: object, **kwargs: object) -> None:
        cause = AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "redis down")
        raise DaprInternalError("redis down") from cause

    monkeypatch.setattr(fake_dapr, "save_state", store_down)
    monkeypatch.setattr(fake_dapr, "get_state", store_down)
    event = FIRST.model.model_validate(FIRST.payload)
    status = asyncio.run(
        subscribers.run_handler(handle, event, delivery_context("event-down"), as_client(fake_dapr))
    )
    assert (status, runs) == ("RETRY", [])


@EACH_TOPIC
def test_a_valid_event_reaches_its_handler(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch, topic: Topic
) -> None:
    seen: list[tuple[object, EventContext]] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append((event, context))

    monkeypatch.setattr(subscribers, topic.handler, handle)
    data = {**topic.payload, "added_by_a_newer_producer": "ignored"}
    response = post_cloud_event(app_client, topic.route, cloud_event(topic.name, data, "event-7"))
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    context = EventContext(
        id="event-7",
        source="tests",
        type="com.dapr.event.sent",
        topic=topic.name,
        traceparent=TRACEPARENT,
    )
    assert seen == [(topic.model.model_validate(topic.payload), context)]


@EACH_TOPIC
def test_a_malformed_event_is_dropped(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch, topic: Topic
) -> None:
    seen: list[object] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(event)

    monkeypatch.setattr(subscribers, topic.handler, handle)
    event = cloud_event(topic.name, ["not", "an", "object"])
    response = post_cloud_event(app_client, topic.route, event)
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})
    assert seen == []


@EACH_TOPIC
def test_a_transient_failure_is_retried(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch, topic: Topic
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), details="restart")

    monkeypatch.setattr(subscribers, topic.handler, handle)
    response = post_cloud_event(app_client, topic.route, cloud_event(topic.name, topic.payload))
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


STORE = "statestore"


@EACH_TOPIC
def test_a_redelivered_event_is_handled_once(
    app_client: TestClient,
    fake_dapr: FakeDaprClient,
    monkeypatch: pytest.MonkeyPatch,
    topic: Topic,
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, topic.handler, handle)
    event = cloud_event(topic.name, topic.payload, "event-twice")
    first = post_cloud_event(app_client, topic.route, event)
    second = post_cloud_event(app_client, topic.route, event)
    assert [first.json(), second.json()] == [{"status": "SUCCESS"}, {"status": "SUCCESS"}]
    assert seen == ["event-twice"]
    key = f"processed:{topic.name}:event-twice"
    saved = [call for name, call in fake_dapr.calls if name == "save_state"]
    assert {(call["store_name"], call["key"]) for call in saved} == {(STORE, key)}
    lease = str(subscribers.CLAIM_LEASE_SECONDS)
    claim = {"contentType": "application/json", "ttlInSeconds": lease}
    done = {
        "contentType": "application/json",
        "ttlInSeconds": str(subscribers.PROCESSED_TTL_SECONDS),
    }
    assert [(json.loads(call["value"])["done"], call["state_metadata"]) for call in saved] == [
        (False, claim),  # the first delivery claims the id for the lease
        (True, done),  # and marks it done when its handler returned
        (False, claim),  # the redelivery's claim is refused: the record exists
    ]
    assert json.loads(fake_dapr.state[(STORE, key)][0])["done"] is True


@EACH_PUBLISHED
def test_a_publisher_sends_json_keyed_and_traced(
    fake_dapr: FakeDaprClient, topic: Published
) -> None:
    event = topic.model.model_validate(topic.payload)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(topic.publish(fake_dapr, event, trace=trace))
    sent = fake_dapr.calls[0][1]["publish_metadata"]
    assert uuid.UUID(sent.pop("cloudevent.id")).version == 4
    key = topic.partition_key
    keyed = {} if key is None else {"partitionKey": str(getattr(event, key))}
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": PUBSUB,
                "topic_name": topic.name,
                "data": event.model_dump_json(),
                "data_content_type": "application/json",
                "publish_metadata": {
                    **keyed,
                    "cloudevent.traceparent": TRACEPARENT,
                    "cloudevent.tracestate": "vendor=1",
                },
            },
        )
    ]


def published_ids(dapr: FakeDaprClient) -> list[str]:
    """The CloudEvent ids of the events published through `dapr`, in order."""
    return [c["publish_metadata"]["cloudevent.id"] for n, c in dapr.calls if n == "publish_event"]


def test_a_rerun_of_a_delivery_publishes_under_the_same_ids(fake_dapr: FakeDaprClient) -> None:
    event = FIRST_PUBLISHED.model.model_validate(FIRST_PUBLISHED.payload)

    async def handle(event_id: str) -> None:
        context = EventContext(
            id=event_id, source="tests", type="com.dapr.event.sent", topic="incoming.topic"
        )
        token = CURRENT_DELIVERY.set(Delivery(context))
        try:
            await FIRST_PUBLISHED.publish(fake_dapr, event)
            await FIRST_PUBLISHED.publish(fake_dapr, event)
        finally:
            CURRENT_DELIVERY.reset(token)

    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-2"))
    first, second, again_first, again_second, other, _ = published_ids(fake_dapr)
    assert (again_first, again_second) == (first, second)
    assert len({first, second, other}) == 3


def test_outside_a_delivery_every_event_gets_a_fresh_id(fake_dapr: FakeDaprClient) -> None:
    event = FIRST_PUBLISHED.model.model_validate(FIRST_PUBLISHED.payload)
    asyncio.run(FIRST_PUBLISHED.publish(fake_dapr, event))
    asyncio.run(FIRST_PUBLISHED.publish(fake_dapr, event))
    first, second = published_ids(fake_dapr)
    assert first != second


def test_a_handler_that_published_then_failed_republishes_the_same_event_id(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []
    published = FIRST_PUBLISHED

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        attempts.append(context.id)
        await published.publish(client, published.model.model_validate(published.payload))
        if len(attempts) == 1:
            raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "restart")

    monkeypatch.setattr(subscribers, FIRST.handler, handle)
    event = cloud_event(FIRST.name, FIRST.payload, "event-published-then-failed")
    first = post_cloud_event(app_client, FIRST.route, event)
    second = post_cloud_event(app_client, FIRST.route, event)
    assert [first.json(), second.json()] == [{"status": "RETRY"}, {"status": "SUCCESS"}]
    ids = published_ids(fake_dapr)
    assert len(ids) == 2 and ids[0] == ids[1]
