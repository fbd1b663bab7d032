"""Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the publishers hand
to the Dapr client.
"""

import json
from typing import Any, NamedTuple, Protocol

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata
from pydantic import BaseModel

from listener import subscribers
from listener.dapr_client import DaprConnection
from listener.events import EventContext, ShopOrderPlaced
from listener.main import app

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

PUBSUB = "pubsub"


class Topic(NamedTuple):
    """A subscribed topic as its tests see it: its route, handler and model, a sample event."""

    name: str
    route: str
    handler: str
    model: type[BaseModel]
    payload: dict[str, object]


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


SHOP_ORDER_PLACED_PAYLOAD: dict[str, object] = {
    "order_id": "order_id-1",
    "quantity": 3,
    "placed_at": "2026-01-02T03:04:05Z",
}

SUBSCRIBED = (
    Topic(
        name="shop.order-placed",
        route="/events/pubsub/shop.order-placed",
        handler="on_shop_order_placed",
        model=ShopOrderPlaced,
        payload=SHOP_ORDER_PLACED_PAYLOAD,
    ),
)

# A test of each subscribed topic: it runs once per topic (its `topic`), named by the topic.
EACH_TOPIC = pytest.mark.parametrize("topic", SUBSCRIBED, ids=[t.name for t in SUBSCRIBED])

FIRST = SUBSCRIBED[0]


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
            "topic": "shop.order-placed",
            "route": "/events/pubsub/shop.order-placed",
            "metadata": {},
            "deadLetterTopic": "shop.order-placed.dlq",
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
