"""Typed state of the ledger service: a value model and helpers per key.

Keys follow the spec's templates; values are JSON in the Dapr state store named by the
`STATE_STORE` setting.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import grpc
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency, StateOptions
from grpc.aio import AioRpcError
from pydantic import BaseModel

from ledger.logs import dapr_operation
from ledger.settings import get_settings

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Stored(Generic[ModelT]):
    """A value read from the state store, with the ETag that guards the next write."""

    value: ModelT
    etag: str


class StateConflictError(RuntimeError):
    """A read-modify-write lost the ETag race more often than MAX_CONFLICT_RETRIES."""


def is_etag_conflict(error: BaseException) -> bool:
    """True when Dapr refused a write because the ETag did not match (gRPC ABORTED)."""
    cause = error.__cause__ if isinstance(error, DaprInternalError) else error
    return isinstance(cause, AioRpcError) and cause.code() == grpc.StatusCode.ABORTED


async def read_value(client: DaprClient, key: str, model: type[ModelT]) -> Stored[ModelT] | None:
    """Read `key` as `model`; None when it is not stored."""
    store = get_settings().state_store
    async with dapr_operation("state.get", store=store, key=key):
        response = await client.get_state(store, key)
    if not response.data:
        return None
    return Stored(model.model_validate_json(response.data), response.etag)


async def write_value(
    client: DaprClient,
    key: str,
    value: BaseModel,
    *,
    etag: str | None = None,
    ttl_seconds: int | None = None,
    first_write: bool = False,
) -> None:
    """Write `value` as JSON; with `etag`, only if the stored ETag still matches.

    `first_write` without an ETag creates the key only if nobody else has (first-write wins).
    """
    store = get_settings().state_store
    metadata = {"contentType": "application/json"}
    if ttl_seconds is not None:
        metadata["ttlInSeconds"] = str(ttl_seconds)
    guarded = etag is not None or first_write
    options = StateOptions(concurrency=Concurrency.first_write) if guarded else None
    async with dapr_operation("state.save", store=store, key=key):
        await client.save_state(
            store,
            key,
            value.model_dump_json(),
            etag=etag,
            options=options,
            state_metadata=metadata,
        )


async def remove_value(client: DaprClient, key: str, *, etag: str | None = None) -> None:
    """Delete `key`; with `etag`, only if the stored ETag still matches."""
    store = get_settings().state_store
    async with dapr_operation("state.delete", store=store, key=key):
        await client.delete_state(store, key, etag=etag)


async def update_value(
    client: DaprClient,
    key: str,
    model: type[ModelT],
    change: Callable[[ModelT | None], ModelT],
    *,
    ttl_seconds: int | None = None,
) -> ModelT:
    """Read-modify-write `key` under its ETag, retrying on conflict with a short backoff.

    A missing key is created with first-write concurrency, so two replicas creating it at
    once do not lose an update: the loser sees the key on its re-read and retries.
    """
    for attempt in range(MAX_CONFLICT_RETRIES + 1):
        current = await read_value(client, key, model)
        value = change(current.value if current is not None else None)
        try:
            await write_value(
                client,
                key,
                value,
                etag=current.etag if current is not None else None,
                ttl_seconds=ttl_seconds,
                first_write=current is None,
            )
        except DaprInternalError as error:
            lost_race = is_etag_conflict(error) or (
                current is None and await read_value(client, key, model) is not None
            )
            if not lost_race:
                raise
            await asyncio.sleep(0.005 * 2**attempt)
            continue
        return value
    raise StateConflictError(f"{key}: still conflicting after {MAX_CONFLICT_RETRIES} retries")


class ScoreState(BaseModel):
    """A learner's scores in one topic."""

    scores: dict[str, float]
    attempts: int
    updated_at: datetime | None = None


def score_key(user_id: str, topic: str) -> str:
    """The state key `score:{user_id}:{topic}`."""
    return f"score:{user_id}:{topic}"


async def get_score(client: DaprClient, user_id: str, topic: str) -> Stored[ScoreState] | None:
    """Read `score:{user_id}:{topic}`; None when it is not stored."""
    return await read_value(client, score_key(user_id, topic), ScoreState)


async def save_score(
    client: DaprClient, user_id: str, topic: str, value: ScoreState, *, etag: str | None = None
) -> None:
    """Write `score:{user_id}:{topic}`; with `etag`, only if nobody wrote it since it was read."""
    await write_value(client, score_key(user_id, topic), value, etag=etag, ttl_seconds=None)


async def delete_score(
    client: DaprClient, user_id: str, topic: str, *, etag: str | None = None
) -> None:
    """Delete `score:{user_id}:{topic}`; with `etag`, only if unchanged."""
    await remove_value(client, score_key(user_id, topic), etag=etag)


async def update_score(
    client: DaprClient, user_id: str, topic: str, change: Callable[[ScoreState | None], ScoreState]
) -> ScoreState:
    """Read-modify-write `score:{user_id}:{topic}` under its ETag, retrying on conflict."""
    return await update_value(
        client, score_key(user_id, topic), ScoreState, change, ttl_seconds=None
    )
