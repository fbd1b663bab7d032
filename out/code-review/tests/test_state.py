"""Before/after tests of the state helpers, once per state key (`KEYS`, generated from the spec)."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple

import pytest
from dapr.clients.exceptions import DaprInternalError
from pydantic import BaseModel

from code_review.settings import get_settings
from code_review.state import (
    PatternsState,
    ReviewState,
    delete_patterns,
    delete_review,
    get_patterns,
    get_review,
    is_etag_conflict,
    save_patterns,
    save_review,
    update_patterns,
    update_review,
)
from tests.conftest import FakeDaprClient, as_client

Helper = Callable[..., Coroutine[Any, Any, Any]]


class StateKey(NamedTuple):
    """A state key as its tests see it: its helpers, their key arguments, what they store."""

    name: str
    save: Helper
    get: Helper
    update: Helper
    delete: Helper
    args: tuple[str, ...]
    sample: BaseModel
    key: str
    metadata: dict[str, str]


KEYS = (
    StateKey(
        name="review",
        save=save_review,
        get=get_review,
        update=update_review,
        delete=delete_review,
        args=("id-1",),
        sample=ReviewState(user_id="sample", code="sample", feedback="sample"),
        key="review:id-1",
        metadata={"contentType": "application/json"},
    ),
    StateKey(
        name="patterns",
        save=save_patterns,
        get=get_patterns,
        update=update_patterns,
        delete=delete_patterns,
        args=("user_id-1",),
        sample=PatternsState(counts={"k": 1}),
        key="patterns:user_id-1",
        metadata={"contentType": "application/json"},
    ),
)

# A test of each state key: it runs once per key (its `key`), named by the key's helpers.
EACH_KEY = pytest.mark.parametrize("key", KEYS, ids=[k.name for k in KEYS])


@EACH_KEY
def test_a_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    asyncio.run(key.save(as_client(fake_dapr), *key.args, key.sample))
    stored = asyncio.run(key.get(as_client(fake_dapr), *key.args))
    assert stored is not None
    assert stored.value == key.sample
    assert fake_dapr.calls[0][1]["key"] == key.key
    assert fake_dapr.calls[0][1]["state_metadata"] == key.metadata


@EACH_KEY
def test_a_missing_value_reads_as_none(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    assert asyncio.run(key.get(as_client(fake_dapr), *key.args)) is None


@EACH_KEY
def test_a_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    asyncio.run(key.save(as_client(fake_dapr), *key.args, key.sample))
    stored = asyncio.run(key.get(as_client(fake_dapr), *key.args))
    assert stored is not None
    asyncio.run(key.save(as_client(fake_dapr), *key.args, stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(key.save(as_client(fake_dapr), *key.args, stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


@EACH_KEY
def test_an_update_retries_after_a_conflict(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    asyncio.run(key.save(as_client(fake_dapr), *key.args, key.sample))
    seen: list[BaseModel | None] = []

    def change(current: BaseModel | None) -> BaseModel:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch(key.key)
        return key.sample

    asyncio.run(key.update(as_client(fake_dapr), *key.args, change))
    assert len(seen) == 2
    assert seen[1] == key.sample


@EACH_KEY
def test_a_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    seen: list[BaseModel | None] = []

    def change(current: BaseModel | None) -> BaseModel:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(get_settings().state_store, key.key, key.sample.model_dump_json())
        return key.sample

    asyncio.run(key.update(as_client(fake_dapr), *key.args, change))
    assert seen[0] is None
    assert seen[1] == key.sample


@EACH_KEY
def test_a_delete_removes_the_value(fake_dapr: FakeDaprClient, key: StateKey) -> None:
    asyncio.run(key.save(as_client(fake_dapr), *key.args, key.sample))
    asyncio.run(key.delete(fake_dapr, *key.args))
    assert asyncio.run(key.get(as_client(fake_dapr), *key.args)) is None
