"""The tests of `tests/test_pubsub.py` whose shape depends on the spec's topics.

The fixed helpers they use (`NeverConnects`, `published_ids`, `TRACEPARENT`) are
`synth/runtime/pubsub/test_pubsub.py`, placed among these units by `tests.py`. `post_cloud_event`
stays here: its `httpx.Response` is not what starlette's TestClient declares where `httpx2` is
installed (as in synth's environment), so mypy --strict would refuse it as a runtime module.

Each template's holes are a topic's names (its route, model, sample payload, handler) or the
pub/sub component: the tests run on the service's own routes and models.
"""

from __future__ import annotations

__all__ = [
    "TESTS",
    "TESTS_EVENT_IDS",
    "TESTS_PUBLISHER",
    "TESTS_REPUBLISH",
]

TESTS = '''
import json

import httpx
from fastapi.testclient import TestClient


def cloud_event(topic: str, data: object, event_id: str = "event-1") -> dict[str, object]:
    """A CloudEvent as daprd delivers it (contract P-4, U-7): its envelope around `data`."""
    return {
        "data": data,
        "datacontenttype": "application/json",
        "id": event_id,
        "pubsubname": {pubsub},
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
    assert app_client.get("/dapr/subscribe").json() == {expected}
'''
TESTS_PUBLISHER = """
import asyncio
import uuid

from tests.conftest import FakeDaprClient

from {package}.events import EventContext


def {test}(fake_dapr: FakeDaprClient) -> None:
    event = {model}.model_validate({payload})
    trace = EventContext(
        id="event-1",
        source="tests",
        type="com.dapr.event.sent",
        topic="any.topic",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )
    asyncio.run({publisher}(fake_dapr, event, trace=trace))
    sent = fake_dapr.calls[0][1]["publish_metadata"]
    assert uuid.UUID(sent.pop("cloudevent.id")).version == 4
    assert fake_dapr.calls == [
        (
            "publish_event",
            {
                "pubsub_name": {pubsub},
                "topic_name": {topic},
                "data": event.model_dump_json(),
                "data_content_type": "application/json",
                "publish_metadata": {metadata},
            },
        )
    ]
"""
TESTS_EVENT_IDS = """
import asyncio

from tests.conftest import FakeDaprClient

from {package}.events import CURRENT_DELIVERY, Delivery, EventContext


def test_a_rerun_of_a_delivery_publishes_under_the_same_ids(fake_dapr: FakeDaprClient) -> None:
    event = {model}.model_validate({payload})

    async def handle(event_id: str) -> None:
        context = EventContext(
            id=event_id, source="tests", type="com.dapr.event.sent", topic="incoming.topic"
        )
        token = CURRENT_DELIVERY.set(Delivery(context))
        try:
            await {publisher}(fake_dapr, event)
            await {publisher}(fake_dapr, event)
        finally:
            CURRENT_DELIVERY.reset(token)

    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-1"))
    asyncio.run(handle("event-2"))
    first, second, again_first, again_second, other, _ = published_ids(fake_dapr)
    assert (again_first, again_second) == (first, second)
    assert len({first, second, other}) == 3


def test_outside_a_delivery_every_event_gets_a_fresh_id(fake_dapr: FakeDaprClient) -> None:
    event = {model}.model_validate({payload})
    asyncio.run({publisher}(fake_dapr, event))
    asyncio.run({publisher}(fake_dapr, event))
    first, second = published_ids(fake_dapr)
    assert first != second
"""
TESTS_REPUBLISH = """
import grpc
import pytest
from dapr.aio.clients import DaprClient
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from {package} import subscribers
from {package}.events import EventContext
from tests.conftest import FakeDaprClient


def test_a_handler_that_published_then_failed_republishes_the_same_event_id(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        attempts.append(context.id)
        await {publisher}(client, {published}.model_validate({published_payload}))
        if len(attempts) == 1:
            raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "restart")

    monkeypatch.setattr(subscribers, {handler}, handle)
    event = cloud_event({topic}, {payload}, "event-published-then-failed")
    first = post_cloud_event(app_client, {route}, event)
    second = post_cloud_event(app_client, {route}, event)
    assert [first.json(), second.json()] == [{"status": "RETRY"}, {"status": "SUCCESS"}]
    ids = published_ids(fake_dapr)
    assert len(ids) == 2 and ids[0] == ids[1]
"""
