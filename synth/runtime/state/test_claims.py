"""Tests of the claims: each event id's handler runs once, renewed, released, never blind.

They land in `tests/test_pubsub.py` and run on the service's subscribed topics (`SUBSCRIBED`,
which pubsub generates from the spec at its top; `FIRST` the first of them), the state store
`STORE` (which state generates).
"""

import asyncio
import json

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from synth.runtime.app.conftest import FakeDaprClient, as_client
from synth.runtime.pubsub.events import EventContext
from synth.runtime.pubsub.test_pubsub import EACH_TOPIC, FIRST, Topic, cloud_event, post_cloud_event
from synth.runtime.standin import subscribers
from synth.runtime.standin.test_pubsub import STORE


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
