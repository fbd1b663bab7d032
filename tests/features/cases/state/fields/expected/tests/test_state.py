"""Before/after tests of the state helpers."""

import asyncio
from datetime import UTC, datetime

import pytest
from dapr.clients.exceptions import DaprInternalError

from ledger.settings import get_settings
from ledger.state import (
    ScoreState,
    delete_score,
    get_score,
    is_etag_conflict,
    save_score,
    update_score,
)
from tests.conftest import FakeDaprClient


def test_score_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ScoreState(
        scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    asyncio.run(save_score(fake_dapr, "user_id-1", "topic-1", value))
    stored = asyncio.run(get_score(fake_dapr, "user_id-1", "topic-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "score:user_id-1:topic-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_score_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_score(fake_dapr, "user_id-1", "topic-1")) is None


def test_score_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_score(
            fake_dapr,
            "user_id-1",
            "topic-1",
            ScoreState(
                scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
            ),
        )
    )
    stored = asyncio.run(get_score(fake_dapr, "user_id-1", "topic-1"))
    assert stored is not None
    asyncio.run(save_score(fake_dapr, "user_id-1", "topic-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_score(fake_dapr, "user_id-1", "topic-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_score_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_score(
            fake_dapr,
            "user_id-1",
            "topic-1",
            ScoreState(
                scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
            ),
        )
    )
    seen: list[ScoreState | None] = []

    def change(current: ScoreState | None) -> ScoreState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("score:user_id-1:topic-1")
        return ScoreState(
            scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        )

    asyncio.run(update_score(fake_dapr, "user_id-1", "topic-1", change))
    assert len(seen) == 2
    assert seen[1] == ScoreState(
        scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )


def test_score_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ScoreState | None] = []

    def change(current: ScoreState | None) -> ScoreState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "score:user_id-1:topic-1",
                ScoreState(
                    scores={"k": 0.25},
                    attempts=3,
                    updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                ).model_dump_json(),
            )
        return ScoreState(
            scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        )

    asyncio.run(update_score(fake_dapr, "user_id-1", "topic-1", change))
    assert seen[0] is None
    assert seen[1] == ScoreState(
        scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )


def test_score_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_score(
            fake_dapr,
            "user_id-1",
            "topic-1",
            ScoreState(
                scores={"k": 0.25}, attempts=3, updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
            ),
        )
    )
    asyncio.run(delete_score(fake_dapr, "user_id-1", "topic-1"))
    assert asyncio.run(get_score(fake_dapr, "user_id-1", "topic-1")) is None
