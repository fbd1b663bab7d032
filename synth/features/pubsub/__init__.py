"""The `pubsub` feature: typed events, CloudEvent subscribers and typed publishers.

For a service that subscribes to `code.error-request` and publishes `code.error-hint`:

    <pkg>/events.py       class CodeErrorRequest(BaseModel), class CodeErrorHint(BaseModel),
                          EventContext (the envelope's id, source, type, topic, trace)
    <pkg>/subscribers.py  GET /dapr/subscribe, and
                          @subscriber("code.error-request", "/events/pubsub/code.error-request")
                          async def receive_code_error_request(request) -> {"status": ...}
    <pkg>/handlers.py     async def on_code_error_request(event, context, client)  # owner's seam
    <pkg>/publishers.py   async def publish_code_error_hint(client, event, *, trace=None)

Deliveries always answer 200 with an explicit status: SUCCESS, DROP (invalid payload; Dapr
dead-letters it) or RETRY (transient failure). With the `state` feature an event id is handled
once: a delivery first claims it (a first-write `processed:<topic>:<id>` record with a lease),
then runs the handler, then marks the record done. Events published while a delivery is handled
take CloudEvent ids derived from it, so a retried handler republishes under the same ids.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_annotation,
    build_dict,
    build_docstring,
    build_int,
    build_list,
    build_name,
    build_str,
    expand_template,
)
from synth.errors import FeatureError
from synth.features.base import Contribution, Feature, ReadmeSection, settings_units
from synth.features.pubsub.deploy import deployment
from synth.spec import FeatureName, FieldSpec, FieldType, ServiceSpec, TopicSpec

__all__ = ["PubSubFeature"]

PROCESSED_TTL_SECONDS = 86400
CLAIM_LEASE_SECONDS = 15
_RESERVED_MODELS = frozenset(
    {"EventContext", "BaseModel", "ConfigDict", "Self", "Mapping", "Delivery", "ContextVar"}
)

_EVENTS = '''
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Self


@dataclass(frozen=True)
class EventContext:
    """The CloudEvent envelope of one delivery: what identifies the event and its trace."""

    id: str
    source: str
    type: str
    topic: str
    traceparent: str = ""
    tracestate: str = ""

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, object]) -> Self:
        """The context of a CloudEvent as daprd delivers it (a missing field reads as "")."""

        def text(name: str) -> str:
            value = envelope.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            id=text("id"),
            source=text("source"),
            type=text("type"),
            topic=text("topic"),
            traceparent=text("traceparent"),
            tracestate=text("tracestate"),
        )


@dataclass
class Delivery:
    """The delivery a handler runs in; events it publishes take ids derived from it."""

    context: EventContext
    published: dict[str, int] = field(default_factory=dict)

    def outgoing_id(self, app_id: str, topic: str) -> str:
        """The CloudEvent id of this delivery's next event on `topic`, the same on every re-run.

        A uuid5 of this app, the incoming event (topic and id), the outgoing topic and how many
        events this delivery published there before, so a retried handler republishes under
        the ids of its first run and downstream dedupe recognises the copies.
        """
        ordinal = self.published.get(topic, 0)
        self.published[topic] = ordinal + 1
        name = f"{app_id}/{self.context.topic}/{self.context.id}/{topic}/{ordinal}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


CURRENT_DELIVERY: ContextVar[Delivery | None] = ContextVar("current_delivery", default=None)
'''

_SUBSCRIBERS = '''
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import grpc
import httpx
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError

from {package}.dapr_client import get_dapr_connection
from {package}.events import EventContext
from {package}.settings import get_settings

logger = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=BaseModel)
Handler = Callable[[EventT, EventContext, DaprClient], Awaitable[None]]
Receiver = Callable[[Request], Awaitable[dict[str, str]]]



class Status(StrEnum):
    """What a subscriber answers Dapr (contract U-9); the names are case-sensitive."""

    SUCCESS = "SUCCESS"
    RETRY = "RETRY"
    DROP = "DROP"


# INTERNAL is what Dapr answers when the store or broker behind it fails (e.g. Redis down);
# retrying is bounded by Dapr's redelivery, and then the event goes to the dead-letter topic.
TRANSIENT_GRPC_CODES = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.ABORTED,
    }
)

# RESOURCE_EXHAUSTED is gRPC's answer to a message over its size limit (4 MiB for daprd):
# the same request is refused again on every retry, so it is permanent.
TOO_LARGE_GRPC_CODES = frozenset({grpc.StatusCode.RESOURCE_EXHAUSTED})

subscriptions_router = APIRouter(tags=["pubsub"])


@dataclass(frozen=True)
class Subscription:
    """One programmatic subscription: a topic and the route Dapr delivers its events to."""

    topic: str
    route: str


SUBSCRIPTIONS: list[Subscription] = []


def cloud_event_body(model: type[BaseModel]) -> dict[str, object]:
    """The OpenAPI request body of a delivery: a CloudEvent (contract P-4) whose `data` is
    `model`. Documentation only: the receiver reads the raw body, so a malformed one is DROP."""
    text = {"type": "string"}
    schema = {
        "title": f"CloudEvent[{model.__name__}]",
        "type": "object",
        "required": ["id", "source", "type", "specversion", "data"],
        "properties": {
            "id": text,
            "source": text,
            "type": text,
            "specversion": text,
            "datacontenttype": text,
            "topic": text,
            "pubsubname": text,
            "time": text,
            "traceparent": text,
            "tracestate": text,
            "data": model.model_json_schema(),
        },
    }
    content = {"schema": schema}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/cloudevents+json": content, "application/json": content},
        }
    }


def subscriber(
    topic: str, route: str, model: type[BaseModel]
) -> Callable[[Receiver], Receiver]:
    """Serve `POST route` for deliveries of `topic` (documented as CloudEvents of `model`) and
    list it in `/dapr/subscribe`."""

    def register(receiver: Receiver) -> Receiver:
        subscriptions_router.add_api_route(
            route, receiver, methods=["POST"], openapi_extra=cloud_event_body(model)
        )
        SUBSCRIPTIONS.append(Subscription(topic, route))
        return receiver

    return register


@subscriptions_router.get("/dapr/subscribe")
async def dapr_subscriptions() -> list[dict[str, object]]:
    """What daprd reads at start-up (contract U-3): each topic, its route and dead-letter topic."""
    pubsub = get_settings().pubsub_name
    return [
        {
            "pubsubname": pubsub,
            "topic": subscription.topic,
            "route": subscription.route,
            "metadata": {},
            "deadLetterTopic": f"{subscription.topic}.dlq",
        }
        for subscription in SUBSCRIPTIONS
    ]


def is_too_large(error: BaseException) -> bool:
    """True when Dapr refused a request for its size (gRPC RESOURCE_EXHAUSTED)."""
    cause = error.__cause__ if isinstance(error, DaprInternalError) else error
    code = getattr(cause, "code", None)
    if isinstance(cause, grpc.RpcError) and callable(code):
        return code() in TOO_LARGE_GRPC_CODES
    return "larger than max" in str(error)


def is_transient(error: BaseException) -> bool:
    """True for failures worth a redelivery: Dapr or a dependency unreachable or slow.

    A request too large for Dapr is not: it would be refused again on every redelivery.
    """
    if is_too_large(error):
        return False
    if isinstance(error, TimeoutError | ConnectionError | DaprInternalError):
        return True
    if isinstance(error, httpx.TransportError):
        return True
    code = getattr(error, "code", None)
    return isinstance(error, grpc.RpcError) and callable(code) and code() in TRANSIENT_GRPC_CODES


def failure_status(error: Exception, context: EventContext) -> Status:
    """RETRY for a transient failure; DROP (to the dead-letter topic) for any other, logged."""
    fields = {"topic": context.topic, "event_id": context.id, "error": type(error).__name__}
    if is_transient(error):
        logger.warning(
            "event %s on %s will be retried: %s",
            context.id,
            context.topic,
            error,
            extra={"fields": fields},
        )
        return Status.RETRY
    logger.exception(
        "event %s on %s failed; dropped to the dead-letter topic",
        context.id,
        context.topic,
        extra={"fields": fields},
    )
    return Status.DROP


async def read_event(request: Request, model: type[EventT]) -> tuple[EventT, EventContext] | None:
    """The typed event of a delivery and its context, or None (logged) when it is not valid."""
    try:
        envelope = await request.json()
    except (ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the interpreter's limit (daprd forwards
        # bodies up to 10,000 levels deep); such a body never decodes, so it is dropped.
        logger.warning("undecodable delivery to %s dropped", request.url.path)
        return None
    if not isinstance(envelope, dict):
        logger.warning("delivery to %s is not a CloudEvent; dropped", request.url.path)
        return None
    context = EventContext.from_envelope(envelope)
    data = envelope.get("data")
    try:
        if isinstance(data, str):
            event = model.model_validate_json(data)
        else:
            event = model.model_validate(data)
    except RecursionError:
        logger.warning("event %s on %s dropped: nested too deep", context.id, context.topic)
        return None
    except ValidationError as error:
        logger.warning(
            "event %s on %s dropped: invalid payload",
            context.id,
            context.topic,
            extra={
                "fields": {
                    "topic": context.topic,
                    "event_id": context.id,
                    "errors": error.errors(include_url=False, include_input=False),
                }
            },
        )
        return None
    return event, context


async def deliver(
    request: Request, model: type[EventT], handler: Handler[EventT]
) -> dict[str, str]:
    """Hand one CloudEvent delivery to `handler`; answer Dapr with SUCCESS, RETRY or DROP.

    The answer is always HTTP 200 with an explicit status: a 4xx would make Dapr retry an event
    that can never succeed, and a malformed one belongs on the dead-letter topic.
    """
    parsed = await read_event(request, model)
    if parsed is None:
        return {"status": Status.DROP}
    event, context = parsed
    connection = get_dapr_connection(request)
    if connection is None or connection.client is None:
        logger.warning("event %s on %s will be retried: no Dapr client", context.id, context.topic)
        return {"status": Status.RETRY}
    return {"status": await run_handler(handler, event, context, connection.client)}
'''

_RUN_HANDLER = '''
from {package}.events import CURRENT_DELIVERY, Delivery


async def run_handler(
    handler: Handler[EventT], event: EventT, context: EventContext, client: DaprClient
) -> Status:
    """Run `handler` on the event; its failure decides between RETRY and DROP.

    While it runs, the events it publishes take ids derived from this one (`Delivery`).
    """
    token = CURRENT_DELIVERY.set(Delivery(context))
    try:
        await handler(event, context, client)
    except Exception as error:
        return failure_status(error, context)
    finally:
        CURRENT_DELIVERY.reset(token)
    return Status.SUCCESS
'''

_RUN_HANDLER_ONCE = '''
import asyncio
import contextlib
import uuid

from dapr.clients.exceptions import DaprInternalError
from pydantic import BaseModel, ValidationError

from {package}.events import CURRENT_DELIVERY, Delivery
from {package}.logs import dapr_operation
from {package}.state import remove_value, write_value

PROCESSED_TTL_SECONDS = {ttl}

# A claim lives CLAIM_LEASE_SECONDS unless its holder renews it: a running handler renews it
# every CLAIM_RENEWAL_SECONDS, so a long handler keeps it while one that died (kill -9, a lost
# node) frees its event for a redelivery within one lease.
CLAIM_LEASE_SECONDS = {lease}

CLAIM_RENEWAL_SECONDS = CLAIM_LEASE_SECONDS / 3


class Claim(BaseModel):
    """The dedupe record of one event id: the delivery handling it, and whether it is done."""

    holder: str
    done: bool = False


async def read_claim(client: DaprClient, key: str) -> tuple[Claim, str] | None:
    """The claim stored under `key` and its ETag, or None when there is none.

    A record this service wrote before claims existed (`"1"`) reads as done.
    """
    store = get_settings().state_store
    async with dapr_operation("state.get", store=store, key=key):
        response = await client.get_state(store, key)
    if not response.data:
        return None
    try:
        return Claim.model_validate_json(response.data), response.etag
    except ValidationError:
        return Claim(holder="", done=True), response.etag


async def claim_event(client: DaprClient, key: str, holder: str) -> Status | None:
    """Claim `key` for `holder` before the handler runs: None when the claim is ours.

    The claim is a first-write save without an ETag, which the store refuses when the key
    exists (contract S-16, S-17), so of two deliveries of one id at the same moment exactly
    one gets it. The other answers SUCCESS when the event is done, RETRY while it is being
    handled (the claim's lease frees it if its holder died).
    """
    try:
        await write_value(
            client, key, Claim(holder=holder), ttl_seconds=CLAIM_LEASE_SECONDS, first_write=True
        )
    except DaprInternalError:
        found = await read_claim(client, key)
        if found is None:
            raise  # not a lost race: the store failed
        return Status.SUCCESS if found[0].done else Status.RETRY
    return None


async def renew_claim(client: DaprClient, key: str, holder: str) -> None:
    """Extend our claim by a lease every CLAIM_RENEWAL_SECONDS, until cancelled or lost."""
    while True:
        await asyncio.sleep(CLAIM_RENEWAL_SECONDS)
        try:
            found = await read_claim(client, key)
            if found is None or found[0].holder != holder or found[0].done:
                logger.warning("claim %s was lost while its handler ran", key)
                return
            await write_value(
                client, key, found[0], etag=found[1], ttl_seconds=CLAIM_LEASE_SECONDS
            )
        except Exception as error:
            logger.warning("could not renew claim %s: %s", key, error)


async def settle_claim(client: DaprClient, key: str, holder: str, *, done: bool) -> None:
    """Mark our claim done (kept PROCESSED_TTL_SECONDS) or release it for a redelivery.

    Both are guarded by the claim's ETag and skipped when the lease passed to another
    delivery. Failing only costs time: an unreleased claim expires with its lease.
    """
    try:
        found = await read_claim(client, key)
        if found is None or found[0].holder != holder:
            logger.warning("claim %s expired before its handler finished", key)
            return
        if done:
            await write_value(
                client,
                key,
                Claim(holder=holder, done=True),
                etag=found[1],
                ttl_seconds=PROCESSED_TTL_SECONDS,
            )
        else:
            await remove_value(client, key, etag=found[1])
    except Exception as error:
        logger.warning("could not settle claim %s: %s", key, error)


async def run_handler(
    handler: Handler[EventT], event: EventT, context: EventContext, client: DaprClient
) -> Status:
    """Run `handler` once per event id: claim the id first, then handle, then mark it done.

    A redelivery of a handled event is acknowledged without running; one that arrives while
    another delivery holds the claim is retried; a failed handler releases its claim. While
    the handler runs its claim is renewed, and the events it publishes take ids derived from
    this one (`Delivery`).
    """
    key = f"processed:{context.topic}:{context.id}"
    holder = uuid.uuid4().hex
    if context.id:
        try:
            answer = await claim_event(client, key, holder)
        except Exception as error:
            return failure_status(error, context)
        if answer is not None:
            logger.info(
                "event %s on %s is %s",
                context.id,
                context.topic,
                "handled already" if answer is Status.SUCCESS else "being handled elsewhere",
            )
            return answer
    renewal = asyncio.create_task(renew_claim(client, key, holder)) if context.id else None
    token = CURRENT_DELIVERY.set(Delivery(context))
    failed: Exception | None = None
    try:
        await handler(event, context, client)
    except Exception as error:
        failed = error
    finally:
        CURRENT_DELIVERY.reset(token)
        if renewal is not None:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
    if context.id:
        await settle_claim(client, key, holder, done=failed is None)
    return Status.SUCCESS if failed is None else failure_status(failed, context)
'''

_RECEIVER = """
@subscriber({topic}, {route}, {model})
async def {receiver}(request: Request) -> dict[str, str]:
    {doc}
    return await deliver(request, {model}, {handler})
"""

_HANDLERS = """
import logging

logger = logging.getLogger(__name__)
"""

_HANDLER = """
from dapr.aio.clients import DaprClient

from {package}.events import EventContext


async def {handler}(event: {model}, context: EventContext, client: DaprClient) -> None:
    {doc}
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )
"""

_PUBLISHERS = '''
import uuid

from dapr.aio.clients import DaprClient
from pydantic import BaseModel

from {package}.events import CURRENT_DELIVERY, EventContext
from {package}.logs import dapr_operation
from {package}.settings import get_settings


def outgoing_event_id(topic: str) -> str:
    """The CloudEvent id of the next event on `topic`.

    Inside a delivery it is derived from the incoming event, so a retried handler republishes
    under the same ids; anywhere else it is a fresh uuid4.
    """
    delivery = CURRENT_DELIVERY.get()
    if delivery is None or not delivery.context.id:
        return str(uuid.uuid4())
    return delivery.outgoing_id(get_settings().app_id, topic)


async def publish(
    client: DaprClient,
    topic: str,
    event: BaseModel,
    *,
    partition_key: object = None,
    trace: EventContext | None = None,
) -> None:
    """Publish `event` as `application/json`, so subscribers get an object (contract R-3).

    Its CloudEvent id is set (`cloudevent.id`, contract P-5) by `outgoing_event_id`.
    """
    pubsub = get_settings().pubsub_name
    event_id = outgoing_event_id(topic)
    metadata: dict[str, str] = {"cloudevent.id": event_id}
    if partition_key is not None:
        metadata["partitionKey"] = str(partition_key)
    if trace is not None and trace.traceparent:
        metadata["cloudevent.traceparent"] = trace.traceparent
        if trace.tracestate:
            metadata["cloudevent.tracestate"] = trace.tracestate
    async with dapr_operation("pubsub.publish", pubsub=pubsub, topic=topic, event_id=event_id):
        await client.publish_event(
            pubsub_name=pubsub,
            topic_name=topic,
            data=event.model_dump_json(),
            data_content_type="application/json",
            publish_metadata=metadata,
        )
'''

_PUBLISHER = """
from dapr.aio.clients import DaprClient

from {package}.events import EventContext


async def {publisher}(
    client: DaprClient, event: {model}, *, trace: EventContext | None = None
) -> None:
    {doc}
    await publish(client, {topic}, event, partition_key={partition}, trace=trace)
"""

_MAIN = """
from {package}.subscribers import subscriptions_router

app.include_router(subscriptions_router)
"""

_TESTS = '''
import json

import httpx
from fastapi.testclient import TestClient

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


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

_TESTS_FIRST_TOPIC = '''
import json

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from {package} import subscribers
from {package}.dapr_client import DaprConnection
from {package}.events import EventContext
from {package}.main import app


class NeverConnects(DaprConnection):
    """A connection that never reaches a sidecar: the Dapr client stays unavailable."""

    async def connect(self) -> None:
        return None


def test_a_delivery_while_dapr_is_unavailable_is_retried() -> None:
    app.state.dapr = NeverConnects()
    try:
        with TestClient(app) as client:
            response = post_cloud_event(client, {route}, cloud_event({topic}, {payload}))
    finally:
        app.state.dapr = None
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})


def test_a_body_that_is_not_json_is_dropped(app_client: TestClient) -> None:
    response = app_client.post(
        {route}, content=b"not json", headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


@pytest.mark.parametrize("as_text", [False, True])
@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_a_body_nested_too_deep_is_dropped(
    app_client: TestClient, depth: int, as_text: bool
) -> None:
    nested = "[" * depth + "]" * depth
    data = json.dumps(nested) if as_text else nested
    body = '{"id": "event-deep", "topic": ' + json.dumps({topic}) + ', "data": ' + data + "}"
    response = app_client.post(
        {route}, content=body, headers={"content-type": "application/cloudevents+json"}
    )
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_the_delivery_route_documents_its_cloud_event_body(app_client: TestClient) -> None:
    operation = app_client.get("/openapi.json").json()["paths"][{route}]["post"]
    schema = operation["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    assert {"id", "source", "type", "specversion", "data"} <= set(schema["required"])
    data, expected = schema["properties"]["data"], {model}.model_json_schema()
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

    monkeypatch.setattr(subscribers, {handler}, handle)
    response = post_cloud_event(app_client, {route}, cloud_event({topic}, {payload}))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_handler_that_fails_for_good_dead_letters_the_event(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        raise ValueError("a bug, not a transient failure")

    monkeypatch.setattr(subscribers, {handler}, handle)
    response = post_cloud_event(app_client, {route}, cloud_event({topic}, {payload}))
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})


def test_a_payload_published_as_json_text_is_accepted(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: object, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, {handler}, handle)
    event = cloud_event({topic}, json.dumps({payload}))
    response = post_cloud_event(app_client, {route}, event)
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert seen == ["event-1"]
'''

_TESTS_SUBSCRIBER = """
import grpc
import pytest
from dapr.aio.clients import DaprClient
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from {package} import subscribers
from {package}.events import EventContext


def {valid}(app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[{model}, EventContext]] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        seen.append((event, context))

    monkeypatch.setattr(subscribers, {handler}, handle)
    data = {**{payload}, "added_by_a_newer_producer": "ignored"}
    response = post_cloud_event(app_client, {route}, cloud_event({topic}, data, "event-7"))
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    context = EventContext(
        id="event-7",
        source="tests",
        type="com.dapr.event.sent",
        topic={topic},
        traceparent=TRACEPARENT,
    )
    assert seen == [({model}.model_validate({payload}), context)]


def {malformed}(app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[{model}] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        seen.append(event)

    monkeypatch.setattr(subscribers, {handler}, handle)
    event = cloud_event({topic}, ["not", "an", "object"])
    response = post_cloud_event(app_client, {route}, event)
    assert (response.status_code, response.json()) == (200, {"status": "DROP"})
    assert seen == []


def {transient}(app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), details="restart")

    monkeypatch.setattr(subscribers, {handler}, handle)
    response = post_cloud_event(app_client, {route}, cloud_event({topic}, {payload}))
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})
"""

_TESTS_ONCE = """
import json

import pytest
from dapr.aio.clients import DaprClient
from fastapi.testclient import TestClient

from {package} import subscribers
from {package}.events import EventContext
from tests.conftest import FakeDaprClient


def {duplicate}(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, {handler}, handle)
    event = cloud_event({topic}, {payload}, "event-twice")
    first = post_cloud_event(app_client, {route}, event)
    second = post_cloud_event(app_client, {route}, event)
    assert [first.json(), second.json()] == [{"status": "SUCCESS"}, {"status": "SUCCESS"}]
    assert seen == ["event-twice"]
    saved = [call for name, call in fake_dapr.calls if name == "save_state"]
    assert {(call["store_name"], call["key"]) for call in saved} == {({store}, {key})}
    claim = {"contentType": "application/json", "ttlInSeconds": {lease}}
    done = {"contentType": "application/json", "ttlInSeconds": {ttl}}
    assert [(json.loads(call["value"])["done"], call["state_metadata"]) for call in saved] == [
        (False, claim),  # the first delivery claims the id for the lease
        (True, done),  # and marks it done when its handler returned
        (False, claim),  # the redelivery's claim is refused: the record exists
    ]
    assert json.loads(fake_dapr.state[({store}, {key})][0])["done"] is True
"""

_TESTS_CLAIMS = '''
import asyncio

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from grpc.aio import AioRpcError, Metadata

from {package} import subscribers
from {package}.events import EventContext
from tests.conftest import FakeDaprClient


def delivery_context(event_id: str) -> EventContext:
    """The context of a delivery of the first subscribed topic."""
    return EventContext(id=event_id, source="tests", type="com.dapr.event.sent", topic={topic})


def test_two_deliveries_of_one_id_at_the_same_moment_run_the_handler_once(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        await asyncio.sleep(0.05)

    event = {model}.model_validate({payload})
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

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        await asyncio.sleep(0.1)

    event = {model}.model_validate({payload})
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

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        if len(runs) == 1:
            raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "restart")

    event = {model}.model_validate({payload})
    context = delivery_context("event-retried")
    first = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    second = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    assert (first, second, runs) == ("RETRY", "SUCCESS", ["event-retried", "event-retried"])


def test_a_delivery_while_the_store_is_down_is_retried_without_running(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)

    async def store_down(*args: object, **kwargs: object) -> None:
        cause = AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "redis down")
        raise DaprInternalError("redis down") from cause

    monkeypatch.setattr(fake_dapr, "save_state", store_down)
    monkeypatch.setattr(fake_dapr, "get_state", store_down)
    event = {model}.model_validate({payload})
    status = asyncio.run(
        subscribers.run_handler(handle, event, delivery_context("event-down"), fake_dapr)
    )
    assert (status, runs) == ("RETRY", [])
'''

_TESTS_PUBLISHER = """
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

_TESTS_EVENT_IDS = '''
import asyncio

from tests.conftest import FakeDaprClient

from {package}.events import CURRENT_DELIVERY, Delivery, EventContext


def published_ids(dapr: FakeDaprClient) -> list[str]:
    """The CloudEvent ids of the events published through `dapr`, in order."""
    return [c["publish_metadata"]["cloudevent.id"] for n, c in dapr.calls if n == "publish_event"]


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
'''

_TESTS_REPUBLISH = """
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

_EVENTS_DOC = (
    "Events of the {service} service: a pydantic model per topic it subscribes to or publishes, "
    "and the context of a delivery.\n\nModels ignore fields they do not know, so a producer can "
    "add fields without breaking this service."
)

_SUBSCRIBERS_DOC = (
    "Dapr subscriptions of the {service} service: `/dapr/subscribe` and one route per topic.\n\n"
    "Each delivery answers HTTP 200 with SUCCESS, RETRY (transient failure) or DROP (invalid "
    "payload or a failed handler; Dapr dead-letters it to `<topic>.dlq`)."
)

_HANDLERS_DOC = (
    "What the {service} service does with each event: the owner's code, one function per "
    "subscribed topic.\n\nsynth wrote each function once (it only logs the event) and never "
    "rewrites one you changed. Return normally when done; raise to fail: transient failures "
    "(Dapr unreachable, timeouts, gRPC UNAVAILABLE) are retried, any other exception "
    "dead-letters the event."
)

_PUBLISHERS_DOC = (
    "Typed publishers of the {service} service: one function per published topic.\n\n"
    "Events go out as JSON to the pub/sub component named by the `PUBSUB_NAME` setting, keyed by "
    "their partition key, carrying the trace of the event being handled."
)

_SAMPLES: dict[FieldType, cst.BaseExpression] = {
    FieldType.INT: build_int(3),
    FieldType.FLOAT: cst.Float("0.5"),
    FieldType.BOOL: cst.Name("True"),
    FieldType.DATETIME: build_str("2026-01-02T03:04:05Z"),
    FieldType.LIST_STR: build_list([build_str("a"), build_str("b")]),
    FieldType.DICT_STR: build_dict([(build_str("k"), build_str("v"))]),
    FieldType.DICT_INT: build_dict([(build_str("k"), build_int(1))]),
    FieldType.DICT_FLOAT: build_dict([(build_str("k"), cst.Float("0.25"))]),
}


class _Topic:
    """The names synth derives from one topic: `code.error-request` -> `CodeErrorRequest` etc."""

    def __init__(self, spec: TopicSpec, pubsub: str) -> None:
        self.spec = spec
        self.name = spec.topic
        self.snake = spec.topic.replace(".", "_").replace("-", "_")
        pascal = "".join(part[:1].upper() + part[1:] for part in self.snake.split("_") if part)
        self.model = pascal + "Event" if pascal in _RESERVED_MODELS else pascal
        self.route = f"/events/{pubsub}/{spec.topic}"
        self.handler = f"on_{self.snake}"
        self.receiver = f"receive_{self.snake}"
        self.publisher = f"publish_{self.snake}"
        self.payload = f"{self.snake.upper()}_PAYLOAD"


class PubSubFeature(Feature):
    """Typed events, CloudEvent subscribers with explicit statuses, typed publishers."""

    name: ClassVar[FeatureName] = FeatureName.PUBSUB
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed events, CloudEvent subscribers (SUCCESS/RETRY/DROP), publishers"

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        package = build_name(spec.package)
        once = FeatureName.STATE in active
        subscribed = [_Topic(t, spec.pubsub) for t in spec.subscribes]
        published = [_Topic(t, spec.pubsub) for t in spec.publishes]
        topics = _distinct(subscribed + published)
        python: dict[str, tuple[Unit, ...]] = {
            f"{spec.package}/settings.py": settings_units(deployment(spec, active).env),
            f"{spec.package}/events.py": (
                _doc(_EVENTS_DOC, spec),
                *_units(_EVENTS),
                *(_model_unit(t) for t in topics),
            ),
            f"{spec.package}/subscribers.py": self._subscribers(spec, subscribed, package, once),
            f"{spec.package}/main.py": tuple(
                Unit(u.node, u.imports, anchor=("assign", "app"))
                for u in _units(_MAIN, package=package)
            ),
            "tests/test_pubsub.py": self._tests(spec, subscribed, published, topics, once),
        }
        if subscribed:
            python[f"{spec.package}/handlers.py"] = self._handlers(
                spec, subscribed, package, active
            )
        if published:
            python[f"{spec.package}/publishers.py"] = self._publishers(spec, published, package)
        return Contribution(
            python=python,
            deploy=deployment(spec, active),
            readme=(ReadmeSection("Events", _readme(spec, subscribed, published, once)),),
        )

    def _subscribers(
        self, spec: ServiceSpec, subscribed: list[_Topic], package: cst.Name, once: bool
    ) -> tuple[Unit, ...]:
        doc = _doc(_SUBSCRIBERS_DOC, spec)
        core = _units(_SUBSCRIBERS, package=package)
        if once:
            ttl = build_int(PROCESSED_TTL_SECONDS)
            lease = build_int(CLAIM_LEASE_SECONDS)
            runner = _units(_RUN_HANDLER_ONCE, package=package, ttl=ttl, lease=lease)
        else:
            runner = _units(_RUN_HANDLER, package=package)
        receivers: list[Unit] = []
        for topic in subscribed:
            own = (
                ImportRequest(f"{spec.package}.events", topic.model),
                ImportRequest(f"{spec.package}.handlers", topic.handler),
            )
            for unit in _units(
                _RECEIVER,
                topic=build_str(topic.name),
                route=build_str(topic.route),
                receiver=build_name(topic.receiver),
                model=build_name(topic.model),
                handler=build_name(topic.handler),
                doc=build_docstring(
                    f"Deliveries of `{topic.name}`.\n\nValidated into `{topic.model}`, handled by "
                    f"`{topic.handler}`.",
                    indent=4,
                ),
            ):
                receivers.append(Unit(unit.node, (*unit.imports, *own)))
        return (doc, *core, *runner, *receivers)

    def _handlers(
        self,
        spec: ServiceSpec,
        subscribed: list[_Topic],
        package: cst.Name,
        active: frozenset[FeatureName],
    ) -> tuple[Unit, ...]:
        doc = _doc(_HANDLERS_DOC, spec)
        units: list[Unit] = [doc, *_units(_HANDLERS)]
        for topic in subscribed:
            text = f"Handle one `{topic.name}` event.\n\nThis is the extension point: the "
            text += "service's logic goes here."
            for unit in _units(
                _HANDLER,
                package=package,
                handler=build_name(topic.handler),
                model=build_name(topic.model),
                doc=build_docstring(text, indent=4),
            ):
                own = ImportRequest(f"{spec.package}.events", topic.model)
                units.append(Unit(unit.node, (*unit.imports, own)))
        return tuple(units)

    def _publishers(
        self, spec: ServiceSpec, published: list[_Topic], package: cst.Name
    ) -> tuple[Unit, ...]:
        doc = _doc(_PUBLISHERS_DOC, spec)
        units: list[Unit] = [doc, *_units(_PUBLISHERS, package=package)]
        for topic in published:
            key = topic.spec.partition_key
            partition: cst.BaseExpression = (
                cst.Attribute(cst.Name("event"), build_name(key)) if key else cst.Name("None")
            )
            keyed = f", keyed by `{key}`" if key else ""
            for unit in _units(
                _PUBLISHER,
                package=package,
                publisher=build_name(topic.publisher),
                model=build_name(topic.model),
                topic=build_str(topic.name),
                partition=partition,
                doc=build_docstring(
                    f"Publish one `{topic.name}` event{keyed}.\n\nAs JSON, to the pub/sub "
                    "component named by `PUBSUB_NAME`.",
                    indent=4,
                ),
            ):
                own = ImportRequest(f"{spec.package}.events", topic.model)
                units.append(Unit(unit.node, (*unit.imports, own)))
        return tuple(units)

    def _tests(
        self,
        spec: ServiceSpec,
        subscribed: list[_Topic],
        published: list[_Topic],
        topics: list[_Topic],
        once: bool,
    ) -> tuple[Unit, ...]:
        package = build_name(spec.package)
        expected = build_list(
            [
                build_dict(
                    [
                        (build_str("pubsubname"), build_str(spec.pubsub)),
                        (build_str("topic"), build_str(t.name)),
                        (build_str("route"), build_str(t.route)),
                        (build_str("metadata"), cst.Dict([])),
                        (build_str("deadLetterTopic"), build_str(f"{t.name}.dlq")),
                    ]
                )
                for t in subscribed
            ]
        )
        units: list[Unit] = [
            Unit(
                build_docstring(
                    "Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the "
                    "publishers hand to the Dapr client."
                )
            ),
            *_units(_TESTS, pubsub=build_str(spec.pubsub), expected=expected),
        ]
        units.extend(
            Unit(
                cst.SimpleStatementLine(
                    [
                        cst.AnnAssign(
                            build_name(t.payload),
                            build_annotation("dict[str, object]"),
                            value=_payload(t.spec.fields),
                        )
                    ]
                )
            )
            for t in topics
        )
        if subscribed:
            units.extend(self._first_topic_tests(spec, subscribed[0], package, once))
        for topic in subscribed:
            units.extend(self._subscriber_tests(spec, topic, package, once))
        for topic in published:
            units.extend(self._publisher_test(spec, topic, package))
        if published:
            units.extend(self._event_id_tests(spec, subscribed, published[0], package))
        return tuple(units)

    def _first_topic_tests(
        self, spec: ServiceSpec, first: _Topic, package: cst.Name, once: bool
    ) -> list[Unit]:
        """Tests of what every route shares, run on the first subscribed topic."""
        own = (ImportRequest(f"{spec.package}.events", first.model),)
        units = _units(
            _TESTS_FIRST_TOPIC,
            package=package,
            route=build_str(first.route),
            topic=build_str(first.name),
            payload=build_name(first.payload),
            handler=build_str(first.handler),
            model=build_name(first.model),
        )
        if once:
            units += _units(
                _TESTS_CLAIMS,
                package=package,
                topic=build_str(first.name),
                payload=build_name(first.payload),
                model=build_name(first.model),
            )
        return [Unit(u.node, (*u.imports, *own)) for u in units]

    def _event_id_tests(
        self, spec: ServiceSpec, subscribed: list[_Topic], published: _Topic, package: cst.Name
    ) -> list[Unit]:
        """Outgoing CloudEvent ids: derived inside a delivery, fresh outside one."""
        nodes: dict[str, cst.CSTNode] = {
            "package": package,
            "publisher": build_name(published.publisher),
        }
        units = _units(
            _TESTS_EVENT_IDS,
            model=build_name(published.model),
            payload=build_name(published.payload),
            **nodes,
        )
        if subscribed:
            first = subscribed[0]
            units += _units(
                _TESTS_REPUBLISH,
                published=build_name(published.model),
                published_payload=build_name(published.payload),
                handler=build_str(first.handler),
                topic=build_str(first.name),
                route=build_str(first.route),
                payload=build_name(first.payload),
                **nodes,
            )
        own = (
            ImportRequest(f"{spec.package}.events", published.model),
            ImportRequest(f"{spec.package}.publishers", published.publisher),
        )
        return [Unit(u.node, (*u.imports, *own)) for u in units]

    def _subscriber_tests(
        self, spec: ServiceSpec, topic: _Topic, package: cst.Name, once: bool
    ) -> list[Unit]:
        nodes: dict[str, cst.CSTNode] = {
            "package": package,
            "model": build_name(topic.model),
            "handler": build_str(topic.handler),
            "route": build_str(topic.route),
            "topic": build_str(topic.name),
            "payload": build_name(topic.payload),
        }
        own = (ImportRequest(f"{spec.package}.events", topic.model),)
        stem = f"test_{topic.snake}"
        units = _units(
            _TESTS_SUBSCRIBER,
            valid=build_name(f"{stem}_valid_event_reaches_its_handler"),
            malformed=build_name(f"{stem}_malformed_event_is_dropped"),
            transient=build_name(f"{stem}_transient_failure_is_retried"),
            **nodes,
        )
        if once:
            units += _units(
                _TESTS_ONCE,
                duplicate=build_name(f"{stem}_redelivered_event_is_handled_once"),
                store=build_str(spec.state_store),
                key=build_str(f"processed:{topic.name}:event-twice"),
                ttl=build_str(str(PROCESSED_TTL_SECONDS)),
                lease=build_str(str(CLAIM_LEASE_SECONDS)),
                **nodes,
            )
        return [Unit(u.node, (*u.imports, *own)) for u in units]

    def _publisher_test(self, spec: ServiceSpec, topic: _Topic, package: cst.Name) -> list[Unit]:
        metadata: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
        key = topic.spec.partition_key
        if key:
            field = next(f for f in topic.spec.fields if f.name == key)
            value: cst.BaseExpression = (
                _sample(field)
                if field.type is FieldType.STR
                else cst.parse_expression(f"str(event.{key})")
            )
            metadata.append((build_str("partitionKey"), value))
        metadata.append((build_str("cloudevent.traceparent"), cst.Name("TRACEPARENT")))
        metadata.append((build_str("cloudevent.tracestate"), build_str("vendor=1")))
        units = _units(
            _TESTS_PUBLISHER,
            package=package,
            test=build_name(f"test_{topic.publisher}_sends_json_keyed_and_traced"),
            model=build_name(topic.model),
            payload=build_name(topic.payload),
            publisher=build_name(topic.publisher),
            pubsub=build_str(spec.pubsub),
            topic=build_str(topic.name),
            metadata=build_dict(metadata),
        )
        own = (
            ImportRequest(f"{spec.package}.events", topic.model),
            ImportRequest(f"{spec.package}.publishers", topic.publisher),
        )
        return [Unit(u.node, (*u.imports, *own)) for u in units]


def _doc(text: str, spec: ServiceSpec) -> Unit:
    return Unit(build_docstring(text.format(service=spec.name)))


def _units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    return expand_template(template, nodes).units


def _distinct(topics: list[_Topic]) -> list[_Topic]:
    """One model per topic name; two topics must not derive the same Python names."""
    by_name: dict[str, _Topic] = {}
    for topic in topics:
        seen = by_name.get(topic.name)
        if seen is not None and seen.spec.fields != topic.spec.fields:
            raise FeatureError(
                f"topic '{topic.name}' is both subscribed and published with different fields; "
                "give both the same fields"
            )
        by_name.setdefault(topic.name, topic)
    models: dict[str, str] = {}
    for topic in by_name.values():
        for derived in (topic.model, topic.snake):
            other = models.setdefault(derived, topic.name)
            if other != topic.name:
                raise FeatureError(
                    f"topics '{other}' and '{topic.name}' both become `{derived}` in Python; "
                    "rename one of them"
                )
    return list(by_name.values())


def _model_unit(topic: _Topic) -> Unit:
    doc = topic.spec.description or f"The payload of a `{topic.name}` event."
    key = topic.spec.partition_key
    doc += f"\n\nTopic `{topic.name}`" + (f", partitioned by `{key}`." if key else ".")
    body: list[cst.BaseStatement] = [
        build_docstring(doc, indent=4),
        cst.parse_statement('model_config = ConfigDict(extra="ignore")').with_changes(
            leading_lines=[cst.EmptyLine()]
        ),
    ]
    fields = [_field(f) for f in topic.spec.fields]
    fields[0] = fields[0].with_changes(leading_lines=[cst.EmptyLine()])
    body.extend(fields)
    node = cst.ClassDef(
        name=build_name(topic.model),
        bases=[cst.Arg(cst.Name("BaseModel"))],
        body=cst.IndentedBlock(body),
    )
    imports = [ImportRequest("pydantic", "BaseModel"), ImportRequest("pydantic", "ConfigDict")]
    if any(f.type is FieldType.DATETIME for f in topic.spec.fields):
        imports.append(ImportRequest("datetime", "datetime"))
    return Unit(node, tuple(imports))


def _field(spec: FieldSpec) -> cst.SimpleStatementLine:
    annotation = spec.type.value + (" | None" if spec.optional else "")
    value = cst.Name("None") if spec.optional else None
    return cst.SimpleStatementLine(
        [cst.AnnAssign(build_name(spec.name), build_annotation(annotation), value=value)]
    )


def _sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.STR:
        return build_str(f"{field.name}-1")
    return _SAMPLES[field.type]


def _payload(fields: tuple[FieldSpec, ...]) -> cst.Dict:
    return build_dict([(build_str(f.name), _sample(f)) for f in fields])


def _readme(
    spec: ServiceSpec, subscribed: list[_Topic], published: list[_Topic], once: bool
) -> str:
    lines = ["| topic | direction | model | code |", "|---|---|---|---|"]
    lines += [
        f"| `{t.name}` | subscribed | `{t.model}` | `handlers.{t.handler}` |" for t in subscribed
    ]
    lines += [
        f"| `{t.name}` | published | `{t.model}` | `publishers.{t.publisher}` |" for t in published
    ]
    dedupe = (
        " An event id is handled once, even when two replicas get it at the same moment: a "
        "delivery first claims it with a first-write `processed:<topic>:<id>` record (a lease "
        f"of {CLAIM_LEASE_SECONDS} s, renewed while the handler runs, so the event of a "
        "process that died is free again within one lease), runs the handler, then marks the "
        "record done (kept "
        f"{PROCESSED_TTL_SECONDS} s). A delivery of a done event answers `SUCCESS` without "
        "running; one that arrives while another holds the claim answers `RETRY`; a failed "
        "handler releases its claim for the redelivery."
        if once
        else ""
    )
    return (
        "\n".join(lines) + "\n\n"
        "`GET /dapr/subscribe` lists the subscriptions (pub/sub component from `PUBSUB_NAME`, "
        f"default `{spec.pubsub}`; dead letters go to `<topic>.dlq`). Each delivery is a "
        "CloudEvent validated into its model and answered with HTTP 200 and a status: "
        "`SUCCESS`, `RETRY` (Dapr unreachable, timeouts, gRPC UNAVAILABLE) or `DROP` (an "
        "invalid or undecodable payload, JSON nested too deep, a request too large for Dapr, or "
        f"a handler that failed for good).{dedupe}\n\n"
        "Events published while a delivery is handled take CloudEvent ids (`cloudevent.id`) "
        "derived from the app, the incoming event and the outgoing topic, so a retried handler "
        "republishes under the ids of its first run and downstream dedupe drops the copies; "
        "anywhere else each event gets a fresh id. `/openapi.json` documents each route's body "
        "as a CloudEvent whose `data` is the topic's model.\n\n"
        f"`{spec.package}/handlers.py` is where this service's logic goes: synth generates one "
        "function per subscribed topic that only logs the event, and never rewrites it once you "
        "have changed it. That is the extension point, not unfinished work."
    )
