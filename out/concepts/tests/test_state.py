"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

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
from tests.conftest import FakeDaprClient


def test_cache_concept_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = CacheConceptState(explanation="sample", level="sample")
    asyncio.run(save_cache_concept(fake_dapr, "name-1", value))
    stored = asyncio.run(get_cache_concept(fake_dapr, "name-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "cache:concept:name-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {
        "contentType": "application/json",
        "ttlInSeconds": "604800",
    }


def test_cache_concept_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_cache_concept(fake_dapr, "name-1")) is None


def test_cache_concept_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_cache_concept(
            fake_dapr, "name-1", CacheConceptState(explanation="sample", level="sample")
        )
    )
    stored = asyncio.run(get_cache_concept(fake_dapr, "name-1"))
    assert stored is not None
    asyncio.run(save_cache_concept(fake_dapr, "name-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_cache_concept(fake_dapr, "name-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_cache_concept_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_cache_concept(
            fake_dapr, "name-1", CacheConceptState(explanation="sample", level="sample")
        )
    )
    seen: list[CacheConceptState | None] = []

    def change(current: CacheConceptState | None) -> CacheConceptState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("cache:concept:name-1")
        return CacheConceptState(explanation="sample", level="sample")

    asyncio.run(update_cache_concept(fake_dapr, "name-1", change))
    assert len(seen) == 2
    assert seen[1] == CacheConceptState(explanation="sample", level="sample")


def test_cache_concept_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[CacheConceptState | None] = []

    def change(current: CacheConceptState | None) -> CacheConceptState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "cache:concept:name-1",
                CacheConceptState(explanation="sample", level="sample").model_dump_json(),
            )
        return CacheConceptState(explanation="sample", level="sample")

    asyncio.run(update_cache_concept(fake_dapr, "name-1", change))
    assert seen[0] is None
    assert seen[1] == CacheConceptState(explanation="sample", level="sample")


def test_cache_concept_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_cache_concept(
            fake_dapr, "name-1", CacheConceptState(explanation="sample", level="sample")
        )
    )
    asyncio.run(delete_cache_concept(fake_dapr, "name-1"))
    assert asyncio.run(get_cache_concept(fake_dapr, "name-1")) is None


def test_mastery_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = MasteryState(scores={"k": 0.25})
    asyncio.run(save_mastery(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_mastery(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "mastery:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_mastery_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_mastery(fake_dapr, "user_id-1")) is None


def test_mastery_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_mastery(fake_dapr, "user_id-1", MasteryState(scores={"k": 0.25})))
    stored = asyncio.run(get_mastery(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_mastery(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_mastery(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_mastery_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_mastery(fake_dapr, "user_id-1", MasteryState(scores={"k": 0.25})))
    seen: list[MasteryState | None] = []

    def change(current: MasteryState | None) -> MasteryState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("mastery:user_id-1")
        return MasteryState(scores={"k": 0.25})

    asyncio.run(update_mastery(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == MasteryState(scores={"k": 0.25})


def test_mastery_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[MasteryState | None] = []

    def change(current: MasteryState | None) -> MasteryState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "mastery:user_id-1",
                MasteryState(scores={"k": 0.25}).model_dump_json(),
            )
        return MasteryState(scores={"k": 0.25})

    asyncio.run(update_mastery(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == MasteryState(scores={"k": 0.25})


def test_mastery_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_mastery(fake_dapr, "user_id-1", MasteryState(scores={"k": 0.25})))
    asyncio.run(delete_mastery(fake_dapr, "user_id-1"))
    assert asyncio.run(get_mastery(fake_dapr, "user_id-1")) is None
