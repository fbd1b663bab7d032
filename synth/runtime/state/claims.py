"""Exactly-once deliveries: a first-write claim per event id, renewed while its handler runs."""

import asyncio
import contextlib
import uuid

from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from pydantic import BaseModel, ValidationError

from synth.runtime.app.logs import dapr_operation
from synth.runtime.pubsub.events import CURRENT_DELIVERY, Delivery, EventContext
from synth.runtime.pubsub.subscribers import (
    EventT,
    Handler,
    Status,
    failure_status,
    logger,
)
from synth.runtime.standin.settings import get_settings
from synth.runtime.state.state import remove_value, write_value

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
