"""Fixed helpers and tests of the pubsub tests: what every delivery route shares.

The route tests run on the service's first subscribed topic: `FIRST_ROUTE`, `FIRST_TOPIC`,
`FIRST_MODEL`, `FIRST_PAYLOAD` and `FIRST_HANDLER` are constants pubsub generates from the
spec at the top of `tests/test_pubsub.py`, as it does `cloud_event` and `post_cloud_event`.
"""

import json

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from synth.runtime.app.conftest import FakeDaprClient
from synth.runtime.app.dapr_client import DaprConnection
from synth.runtime.pubsub import subscribers
from synth.runtime.pubsub.events import EventContext
from synth.runtime.standin.main import app
from synth.runtime.standin.test_pubsub import (
    FIRST_HANDLER,
    FIRST_MODEL,
    FIRST_PAYLOAD,
    FIRST_ROUTE,
    FIRST_TOPIC,
    cloud_event,
    post_cloud_event,
)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class NeverConnects(DaprConnection):
    """A connection that never reaches a sidecar: the Dapr client stays unavailable."""

    async def connect(self) -> None:
        return None


def test_a_delivery_while_dapr_is_unavailable_is_retried() -> None:
    app.state.dapr = NeverConnects()
    try:
        with TestClient(app) as client:
            response = post_cloud_event(
                client, FIRST_ROUTE, cloud_event(FIRST_TOPIC, FIRST_PAYLOAD)
            )
    finally:
        app.state.dapr = None
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_a_body_that_is_not_json_is_dropped(app_client: TestClient) -> None:
    response = app_client.post(
        FIRST_ROUTE, content=b"not json", headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


@pytest.mark.parametrize("as_text", [False, True])
@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_a_body_nested_too_deep_is_dropped(
    app_client: TestClient, depth: int, as_text: bool
) -> None:
    nested = "[" * depth + "]" * depth
    data = json.dumps(nested) if as_text else nested
    body = '{"id": "event-deep", "topic": ' + json.dumps(FIRST_TOPIC) + ', "data": ' + data + "}"
    response = app_client.post(
        FIRST_ROUTE, content=body, headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_the_delivery_route_documents_its_cloud_event_body(app_client: TestClient) -> None:
    operation = app_client.get("/openapi.json").json()["paths"][FIRST_ROUTE]["post"]
    schema = operation["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    assert {"id", "source", "type", "specversion", "data"} <= set(schema["required"])
    data, expected = schema["properties"]["data"], FIRST_MODEL.model_json_schema()
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

    monkeypatch.setattr(subscribers, FIRST_HANDLER, handle)
    response = post_cloud_event(app_client, FIRST_ROUTE, cloud_event(FIRST_TOPIC, FIRST_PAYLOAD))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_handler_that_fails_for_good_dead_letters_the_event(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise ValueError("a bug, not a transient failure")

    monkeypatch.setattr(subscribers, FIRST_HANDLER, handle)
    response = post_cloud_event(app_client, FIRST_ROUTE, cloud_event(FIRST_TOPIC, FIRST_PAYLOAD))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_payload_published_as_json_text_is_accepted(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, FIRST_HANDLER, handle)
    event = cloud_event(FIRST_TOPIC, json.dumps(FIRST_PAYLOAD))
    response = post_cloud_event(app_client, FIRST_ROUTE, event)
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert seen == ["event-1"]


def published_ids(dapr: FakeDaprClient) -> list[str]:
    """The CloudEvent ids of the events published through `dapr`, in order."""
    return [c["publish_metadata"]["cloudevent.id"] for n, c in dapr.calls if n == "publish_event"]
