"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

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
from tests.conftest import FakeDaprClient


def test_review_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ReviewState(user_id="sample", code="sample", feedback="sample")
    asyncio.run(save_review(fake_dapr, "id-1", value))
    stored = asyncio.run(get_review(fake_dapr, "id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "review:id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_review_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_review(fake_dapr, "id-1")) is None


def test_review_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_review(
            fake_dapr, "id-1", ReviewState(user_id="sample", code="sample", feedback="sample")
        )
    )
    stored = asyncio.run(get_review(fake_dapr, "id-1"))
    assert stored is not None
    asyncio.run(save_review(fake_dapr, "id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_review(fake_dapr, "id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_review_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_review(
            fake_dapr, "id-1", ReviewState(user_id="sample", code="sample", feedback="sample")
        )
    )
    seen: list[ReviewState | None] = []

    def change(current: ReviewState | None) -> ReviewState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("review:id-1")
        return ReviewState(user_id="sample", code="sample", feedback="sample")

    asyncio.run(update_review(fake_dapr, "id-1", change))
    assert len(seen) == 2
    assert seen[1] == ReviewState(user_id="sample", code="sample", feedback="sample")


def test_review_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ReviewState | None] = []

    def change(current: ReviewState | None) -> ReviewState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "review:id-1",
                ReviewState(user_id="sample", code="sample", feedback="sample").model_dump_json(),
            )
        return ReviewState(user_id="sample", code="sample", feedback="sample")

    asyncio.run(update_review(fake_dapr, "id-1", change))
    assert seen[0] is None
    assert seen[1] == ReviewState(user_id="sample", code="sample", feedback="sample")


def test_review_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_review(
            fake_dapr, "id-1", ReviewState(user_id="sample", code="sample", feedback="sample")
        )
    )
    asyncio.run(delete_review(fake_dapr, "id-1"))
    assert asyncio.run(get_review(fake_dapr, "id-1")) is None


def test_patterns_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = PatternsState(counts={"k": 1})
    asyncio.run(save_patterns(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_patterns(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "patterns:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_patterns_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_patterns(fake_dapr, "user_id-1")) is None


def test_patterns_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_patterns(fake_dapr, "user_id-1", PatternsState(counts={"k": 1})))
    stored = asyncio.run(get_patterns(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_patterns(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_patterns(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_patterns_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_patterns(fake_dapr, "user_id-1", PatternsState(counts={"k": 1})))
    seen: list[PatternsState | None] = []

    def change(current: PatternsState | None) -> PatternsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("patterns:user_id-1")
        return PatternsState(counts={"k": 1})

    asyncio.run(update_patterns(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == PatternsState(counts={"k": 1})


def test_patterns_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[PatternsState | None] = []

    def change(current: PatternsState | None) -> PatternsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "patterns:user_id-1",
                PatternsState(counts={"k": 1}).model_dump_json(),
            )
        return PatternsState(counts={"k": 1})

    asyncio.run(update_patterns(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == PatternsState(counts={"k": 1})


def test_patterns_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_patterns(fake_dapr, "user_id-1", PatternsState(counts={"k": 1})))
    asyncio.run(delete_patterns(fake_dapr, "user_id-1"))
    assert asyncio.run(get_patterns(fake_dapr, "user_id-1")) is None
