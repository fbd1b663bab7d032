"""Typed state of the sessions service: a value model and helpers per key.

Keys follow the spec's templates; values are JSON in the Dapr state store named by the
`STATE_STORE` setting.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import grpc
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency, StateOptions
from grpc.aio import AioRpcError
from pydantic import BaseModel

from sessions.logs import dapr_operation
from sessions.settings import get_settings

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


class SessionState(BaseModel):
    """Value stored under `session:{id}`."""

    user_id: str


def session_key(id: str) -> str:
    """The state key `session:{id}`."""
    return f"session:{id}"


async def get_session(client: DaprClient, id: str) -> Stored[SessionState] | None:
    """Read `session:{id}`; None when it is not stored."""
    return await read_value(client, session_key(id), SessionState)


async def save_session(
    client: DaprClient, id: str, value: SessionState, *, etag: str | None = None
) -> None:
    """Write `session:{id}`; with `etag`, only if nobody wrote it since it was read."""
    await write_value(client, session_key(id), value, etag=etag, ttl_seconds=3600)


async def delete_session(client: DaprClient, id: str, *, etag: str | None = None) -> None:
    """Delete `session:{id}`; with `etag`, only if unchanged."""
    await remove_value(client, session_key(id), etag=etag)


async def update_session(
    client: DaprClient, id: str, change: Callable[[SessionState | None], SessionState]
) -> SessionState:
    """Read-modify-write `session:{id}` under its ETag, retrying on conflict."""
    return await update_value(client, session_key(id), SessionState, change, ttl_seconds=3600)


class ConfigState(BaseModel):
    """Value stored under `settings`."""

    flags: list[str]


def config_key() -> str:
    """The state key `settings`."""
    return "settings"


async def get_config(client: DaprClient) -> Stored[ConfigState] | None:
    """Read `settings`; None when it is not stored."""
    return await read_value(client, config_key(), ConfigState)


async def save_config(client: DaprClient, value: ConfigState, *, etag: str | None = None) -> None:
    """Write `settings`; with `etag`, only if nobody wrote it since it was read."""
    await write_value(client, config_key(), value, etag=etag, ttl_seconds=None)


async def delete_config(client: DaprClient, *, etag: str | None = None) -> None:
    """Delete `settings`; with `etag`, only if unchanged."""
    await remove_value(client, config_key(), etag=etag)


async def update_config(
    client: DaprClient, change: Callable[[ConfigState | None], ConfigState]
) -> ConfigState:
    """Read-modify-write `settings` under its ETag, retrying on conflict."""
    return await update_value(client, config_key(), ConfigState, change, ttl_seconds=None)
