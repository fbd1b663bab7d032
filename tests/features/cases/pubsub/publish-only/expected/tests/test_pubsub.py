"""Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the publishers hand
to the Dapr client.
"""

import asyncio
import json
import uuid

import httpx
from fastapi.testclient import TestClient

from announcer.events import CURRENT_DELIVERY, Delivery, EventContext, ShopPriceChanged
from announcer.publishers import publish_shop_price_changed
from tests.conftest import FakeDaprClient

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

SHOP_PRICE_CHANGED_PAYLOAD: dict[str, object] = {"item_id": 3, "price": 0.5}


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
    assert app_client.get("/dapr/subscribe").json() == []


def test_publish_shop_price_changed_sends_json_keyed_and_traced(fake_dapr: FakeDaprClient) -> None:
    event = ShopPriceChanged.model_validate(SHOP_PRICE_CHANGED_PAYLOAD)
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run(publish_shop_price_changed(fake_dapr, event, trace=trace))
    sent = fake_dapr.calls[0][1]["publish_metadata"]
    assert uuid.UUID(sent.pop("cloudevent.id")).version == 4
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": "pubsub",
                "topic_name": "shop.price-changed",
                "data": event.model_dump_json(),
                "data_content_type": "application/json",
                "publish_metadata": {
                    "partitionKey": str(event.item_id),
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
    event = ShopPriceChanged.model_validate(SHOP_PRICE_CHANGED_PAYLOAD)

    async def handle(event_id: str) -> None:
        context = EventContext(
            id=event_id, source="tests", type="com.dapr.event.sent", topic="incoming.topic"
        )
        token = CURRENT_DELIVERY.set(Delivery(context))
        try:
            await publish_shop_price_changed(fake_dapr, event)
            await publish_shop_price_changed(fake_dapr, event)
        finally:
            CURRENT_DELIVERY.reset(token)

    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-2"))
    first, second, again_first, again_second, other, _ = published_ids(fake_dapr)
    assert (again_first, again_second) == (first, second)
    assert len({first, second, other}) == 3


def test_outside_a_delivery_every_event_gets_a_fresh_id(fake_dapr: FakeDaprClient) -> None:
    event = ShopPriceChanged.model_validate(SHOP_PRICE_CHANGED_PAYLOAD)
    asyncio.run(publish_shop_price_changed(fake_dapr, event))
    asyncio.run(publish_shop_price_changed(fake_dapr, event))
    first, second = published_ids(fake_dapr)
    assert first != second
