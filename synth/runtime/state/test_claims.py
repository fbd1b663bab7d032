# FakeDaprClient stands in for DaprClient by duck typing; the header stays out of services.
# mypy: disable-error-code="arg-type"
"""Tests of the claims: each event id's handler runs once, renewed, released, never blind.

They land in `tests/test_pubsub.py` and run on the service's first subscribed topic
(`FIRST_TOPIC`, `FIRST_MODEL`, `FIRST_PAYLOAD`: constants pubsub generates at its top).
"""

import asyncio

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from grpc.aio import AioRpcError, Metadata

from synth.runtime.app.conftest import FakeDaprClient
from synth.runtime.pubsub.events import EventContext
from synth.runtime.standin import subscribers
from synth.runtime.standin.test_pubsub import FIRST_MODEL, FIRST_PAYLOAD, FIRST_TOPIC


def delivery_context(event_id: str) -> EventContext:
    """The context of a delivery of the first subscribed topic."""
    return EventContext(id=event_id, source="tests", type="com.dapr.event.sent", topic=FIRST_TOPIC)


def test_two_deliveries_of_one_id_at_the_same_moment_run_the_handler_once(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        await asyncio.sleep(0.05)

    event = FIRST_MODEL.model_validate(FIRST_PAYLOAD)
    context = delivery_context("event-at-once")

    async def both() -> list[str]:
        first = subscribers.run_handler(handle, event, context, fake_dapr)
        second = subscribers.run_handler(handle, event, context, fake_dapr)
        return sorted(await asyncio.gather(first, second))

    assert asyncio.run(both()) == ["RETRY", "SUCCESS"]
    assert runs == ["event-at-once"]
    later = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    assert (later, runs) == ("SUCCESS", ["event-at-once"])


def test_a_long_handler_renews_its_claim_until_it_is_done(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscribers, "CLAIM_RENEWAL_SECONDS", 0.01)

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        await asyncio.sleep(0.1)

    event = FIRST_MODEL.model_validate(FIRST_PAYLOAD)
    context = delivery_context("event-long")
    assert asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr)) == "SUCCESS"
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

    event = FIRST_MODEL.model_validate(FIRST_PAYLOAD)
    context = delivery_context("event-retried")
    first = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    second = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
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
    event = FIRST_MODEL.model_validate(FIRST_PAYLOAD)
    status = asyncio.run(
        subscribers.run_handler(handle, event, delivery_context("event-down"), fake_dapr)
    )
    assert (status, runs) == ("RETRY", [])
