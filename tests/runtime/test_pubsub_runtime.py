"""The pubsub runtime (`synth/runtime/pubsub/`) as synth's own code: its pure parts, directly."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from dapr.clients.exceptions import DaprInternalError
from grpc.aio import AioRpcError, Metadata
from pydantic import BaseModel

from synth.runtime.pubsub import events, publishers, subscribers
from synth.runtime.pubsub.events import CURRENT_DELIVERY, Delivery, EventContext


def _rpc(code: grpc.StatusCode, details: str = "") -> AioRpcError:
    return AioRpcError(code, Metadata(), Metadata(), details)


def _context(event_id: str = "event-1") -> EventContext:
    return EventContext(id=event_id, source="tests", type="t", topic="in.topic")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TimeoutError(), True),
        (ConnectionError(), True),
        (DaprInternalError("store down"), True),
        (_rpc(grpc.StatusCode.UNAVAILABLE), True),
        (_rpc(grpc.StatusCode.DEADLINE_EXCEEDED), True),
        (_rpc(grpc.StatusCode.INVALID_ARGUMENT), False),
        (_rpc(grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than max"), False),
        (ValueError("a bug"), False),
    ],
)
def test_failures_are_classified_transient_or_not(error: Exception, transient: bool) -> None:
    assert subscribers.is_transient(error) is transient
    expected = subscribers.Status.RETRY if transient else subscribers.Status.DROP
    assert subscribers.failure_status(error, _context()) is expected


def test_a_dapr_error_caused_by_a_too_large_request_is_permanent() -> None:
    details = "grpc: received message larger than max (5242880 vs. 4194304)"
    error = DaprInternalError(details)
    error.__cause__ = _rpc(grpc.StatusCode.RESOURCE_EXHAUSTED, details)
    assert (subscribers.is_too_large(error), subscribers.is_transient(error)) == (True, False)


def test_an_envelope_reads_into_its_context_missing_fields_empty() -> None:
    envelope: dict[str, object] = {"id": "e", "topic": "t", "traceparent": 7, "extra": "x"}
    context = EventContext.from_envelope(envelope)
    assert (context.id, context.topic, context.source, context.traceparent) == ("e", "t", "", "")


def test_outgoing_ids_are_derived_per_topic_and_ordinal_and_repeat_on_a_rerun() -> None:
    first, rerun, other = Delivery(_context()), Delivery(_context()), Delivery(_context("e2"))
    ids = [first.outgoing_id("app", "out"), first.outgoing_id("app", "out")]
    assert ids == [rerun.outgoing_id("app", "out"), rerun.outgoing_id("app", "out")]
    assert len({*ids, first.outgoing_id("app", "other"), other.outgoing_id("app", "out")}) == 4
    assert uuid.UUID(ids[0]).version == 5


def test_outside_a_delivery_an_event_id_is_a_fresh_uuid4() -> None:
    assert events.CURRENT_DELIVERY.get() is None
    one, two = publishers.outgoing_event_id("out"), publishers.outgoing_event_id("out")
    assert one != two and uuid.UUID(one).version == 4


def test_run_handler_answers_by_the_handlers_outcome_and_resets_the_delivery() -> None:
    class Event(BaseModel):
        n: int

    seen: list[str] = []

    async def works(event: Event, context: EventContext, client: object) -> None:
        delivery = CURRENT_DELIVERY.get()
        seen.append(delivery.context.id if delivery else "")

    async def fails(event: Event, context: EventContext, client: object) -> None:
        raise _rpc(grpc.StatusCode.UNAVAILABLE)

    client: object = object()
    run = subscribers.run_handler
    ok = asyncio.run(run(works, Event(n=1), _context(), client))  # type: ignore[arg-type]
    retry = asyncio.run(run(fails, Event(n=1), _context(), client))  # type: ignore[arg-type]
    assert (ok, retry, seen) == ("SUCCESS", "RETRY", ["event-1"])
    assert CURRENT_DELIVERY.get() is None


def test_the_documented_delivery_body_is_a_cloud_event_of_the_model() -> None:
    class Event(BaseModel):
        n: int

    body = subscribers.cloud_event_body(Event)["requestBody"]
    assert isinstance(body, dict)
    schema = body["content"]["application/cloudevents+json"]["schema"]
    assert schema["title"] == "CloudEvent[Event]"
    assert schema["properties"]["data"] == Event.model_json_schema()
