"""Before/after tests of the state helpers, once per state key (`KEYS`, generated from the spec)."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple

import pytest
from dapr.clients.exceptions import DaprInternalError
from pydantic import BaseModel

from concepts.settings import get_settings
from concepts.state import (
    CacheConceptState,
    MasteryState,
    delete_cache_concept,
    delete_mastery,
    get_cache_concept,
    get_mastery,
    is_etag_conflict,
    save_cache_concept,
    save_mastery,
    update_cache_concept,
    update_mastery,
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
        name="cache_concept",
        save=save_cache_concept,
        get=get_cache_concept,
        update=update_cache_concept,
        delete=delete_cache_concept,
        args=("name-1",),
        sample=CacheConceptState(explanation="sample", level="sample"),
        key="cache:concept:name-1",
        metadata={"contentType": "application/json", "ttlInSeconds": "604800"},
    ),
    StateKey(
        name="mastery",
        save=save_mastery,
        get=get_mastery,
        update=update_mastery,
        delete=delete_mastery,
        args=("user_id-1",),
        sample=MasteryState(scores={"k": 0.25}),
        key="mastery:user_id-1",
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
