"""Before/after tests of the state helpers."""

import asyncio
from datetime import UTC, datetime

import pytest
from dapr.clients.exceptions import DaprInternalError

from progress.settings import get_settings
from progress.state import (
    ProgressState,
    StreakState,
    delete_progress,
    delete_streak,
    get_progress,
    get_streak,
    is_etag_conflict,
    save_progress,
    save_streak,
    update_progress,
    update_streak,
)
from tests.conftest import FakeDaprClient


def test_progress_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ProgressState(events=3, topics={"k": 1}, failed={"k": 1})
    asyncio.run(save_progress(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_progress(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "progress:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_progress_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_progress(fake_dapr, "user_id-1")) is None


def test_progress_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_progress(
            fake_dapr, "user_id-1", ProgressState(events=3, topics={"k": 1}, failed={"k": 1})
        )
    )
    stored = asyncio.run(get_progress(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_progress(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_progress(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_progress_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_progress(
            fake_dapr, "user_id-1", ProgressState(events=3, topics={"k": 1}, failed={"k": 1})
        )
    )
    seen: list[ProgressState | None] = []

    def change(current: ProgressState | None) -> ProgressState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("progress:user_id-1")
        return ProgressState(events=3, topics={"k": 1}, failed={"k": 1})

    asyncio.run(update_progress(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == ProgressState(events=3, topics={"k": 1}, failed={"k": 1})


def test_progress_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ProgressState | None] = []

    def change(current: ProgressState | None) -> ProgressState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "progress:user_id-1",
                ProgressState(events=3, topics={"k": 1}, failed={"k": 1}).model_dump_json(),
            )
        return ProgressState(events=3, topics={"k": 1}, failed={"k": 1})

    asyncio.run(update_progress(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == ProgressState(events=3, topics={"k": 1}, failed={"k": 1})


def test_progress_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_progress(
            fake_dapr, "user_id-1", ProgressState(events=3, topics={"k": 1}, failed={"k": 1})
        )
    )
    asyncio.run(delete_progress(fake_dapr, "user_id-1"))
    assert asyncio.run(get_progress(fake_dapr, "user_id-1")) is None


def test_streak_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    asyncio.run(save_streak(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_streak(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "streak:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_streak_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_streak(fake_dapr, "user_id-1")) is None


def test_streak_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_streak(
            fake_dapr,
            "user_id-1",
            StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        )
    )
    stored = asyncio.run(get_streak(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_streak(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_streak(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_streak_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_streak(
            fake_dapr,
            "user_id-1",
            StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        )
    )
    seen: list[StreakState | None] = []

    def change(current: StreakState | None) -> StreakState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("streak:user_id-1")
        return StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    asyncio.run(update_streak(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_streak_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[StreakState | None] = []

    def change(current: StreakState | None) -> StreakState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "streak:user_id-1",
                StreakState(
                    days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
                ).model_dump_json(),
            )
        return StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    asyncio.run(update_streak(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_streak_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_streak(
            fake_dapr,
            "user_id-1",
            StreakState(days=3, last_active=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        )
    )
    asyncio.run(delete_streak(fake_dapr, "user_id-1"))
    assert asyncio.run(get_streak(fake_dapr, "user_id-1")) is None
