"""Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the publishers hand
to the Dapr client.
"""

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple, Protocol

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from announcer.events import CURRENT_DELIVERY, Delivery, EventContext, ShopPriceChanged
from announcer.publishers import publish_shop_price_changed
from tests.conftest import FakeDaprClient

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

PUBSUB = "pubsub"


class Published(NamedTuple):
    """A published topic as its tests see it: its publisher and model, a sample event."""

    name: str
    publish: Callable[..., Coroutine[Any, Any, None]]
    model: type[BaseModel]
    payload: dict[str, object]
    partition_key: str | None


SHOP_PRICE_CHANGED_PAYLOAD: dict[str, object] = {"item_id": 3, "price": 0.5}

PUBLISHED = (
    Published(
        name="shop.price-changed",
        publish=publish_shop_price_changed,
        model=ShopPriceChanged,
        payload=SHOP_PRICE_CHANGED_PAYLOAD,
        partition_key="item_id",
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
    assert app_client.get("/dapr/subscribe").json() == []


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
