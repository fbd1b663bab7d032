"""Dapr subscriptions of the exercise service: `/dapr/subscribe` and one route per topic.

Each delivery answers HTTP 200 with SUCCESS, RETRY (transient failure) or DROP (invalid
payload or a failed handler; Dapr dead-letters it to `<topic>.dlq`).
"""

import asyncio
import contextlib
import logging
import uuid
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

from exercise.dapr_client import get_dapr_connection
from exercise.events import CURRENT_DELIVERY, Delivery, EventContext, ExerciseRequest
from exercise.handlers import on_exercise_request
from exercise.logs import dapr_operation
from exercise.settings import get_settings
from exercise.state import remove_value, write_value

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


def subscriber(topic: str, route: str, model: type[BaseModel]) -> Callable[[Receiver], Receiver]:
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


PROCESSED_TTL_SECONDS = 86400

# A claim lives CLAIM_LEASE_SECONDS unless its holder renews it: a running handler renews it
# every CLAIM_RENEWAL_SECONDS, so a long handler keeps it while one that died (kill -9, a lost
# node) frees its event for a redelivery within one lease. The lease is shorter than the
# redeliveries Dapr makes before it dead-letters an event (the Resiliency's 3 x 2 s), so the
# event of a handler that died is handled again, not dead-lettered.
CLAIM_LEASE_SECONDS = 5

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
            await write_value(client, key, found[0], etag=found[1], ttl_seconds=CLAIM_LEASE_SECONDS)
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


@subscriber("exercise.request", "/events/pubsub/exercise.request", ExerciseRequest)
async def receive_exercise_request(request: Request) -> dict[str, str]:
    """Deliveries of `exercise.request`.

    Validated into `ExerciseRequest`, handled by `on_exercise_request`.
    """
    return await deliver(request, ExerciseRequest, on_exercise_request)
