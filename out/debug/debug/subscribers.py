"""Dapr subscriptions of the debug service: `/dapr/subscribe` and one route per topic.

Each delivery answers HTTP 200 with SUCCESS, RETRY (transient failure) or DROP (invalid
payload or a failed handler; Dapr dead-letters it to `<topic>.dlq`).
"""

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

from debug.dapr_client import get_dapr_connection
from debug.events import CodeErrorRequest, EventContext
from debug.handlers import on_code_error_request
from debug.logs import dapr_operation
from debug.settings import get_settings

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
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
    }
)

subscriptions_router = APIRouter(tags=["pubsub"])


@dataclass(frozen=True)
class Subscription:
    """One programmatic subscription: a topic and the route Dapr delivers its events to."""

    topic: str
    route: str


SUBSCRIPTIONS: list[Subscription] = []


def subscriber(topic: str, route: str) -> Callable[[Receiver], Receiver]:
    """Serve `POST route` for deliveries of `topic` and list it in `/dapr/subscribe`."""

    def register(receiver: Receiver) -> Receiver:
        subscriptions_router.add_api_route(route, receiver, methods=["POST"])
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


def is_transient(error: BaseException) -> bool:
    """True for failures worth a redelivery: Dapr or a dependency unreachable or slow."""
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
    except ValueError:
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


PROCESSED_TTL_SECONDS = 86400


async def was_processed(client: DaprClient, key: str) -> bool:
    """True when the dedupe record `key` exists: the event was handled already."""
    store = get_settings().state_store
    async with dapr_operation("state.get", store=store, key=key):
        response = await client.get_state(store, key)
    return bool(response.data)


async def remember_processed(client: DaprClient, key: str) -> None:
    """Write the dedupe record `key` for PROCESSED_TTL_SECONDS; failing only risks a rerun."""
    store = get_settings().state_store
    metadata = {"ttlInSeconds": str(PROCESSED_TTL_SECONDS)}
    try:
        async with dapr_operation("state.save", store=store, key=key):
            await client.save_state(store, key, "1", state_metadata=metadata)
    except Exception as error:
        logger.warning("could not record %s as processed: %s", key, error)


async def run_handler(
    handler: Handler[EventT], event: EventT, context: EventContext, client: DaprClient
) -> Status:
    """Run `handler` once per event id: a redelivery of a handled event is acknowledged."""
    key = f"processed:{context.topic}:{context.id}"
    try:
        if context.id and await was_processed(client, key):
            logger.info("event %s on %s was handled already", context.id, context.topic)
            return Status.SUCCESS
        await handler(event, context, client)
    except Exception as error:
        return failure_status(error, context)
    if context.id:
        await remember_processed(client, key)
    return Status.SUCCESS


@subscriber("code.error-request", "/events/pubsub/code.error-request")
async def receive_code_error_request(request: Request) -> dict[str, str]:
    """Deliveries of `code.error-request`.

    Validated into `CodeErrorRequest`, handled by `on_code_error_request`.
    """
    return await deliver(request, CodeErrorRequest, on_code_error_request)
