"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

from exercise.settings import get_settings
from exercise.state import (
    AttemptsState,
    ExerciseState,
    delete_attempts,
    delete_exercise,
    get_attempts,
    get_exercise,
    is_etag_conflict,
    save_attempts,
    save_exercise,
    update_attempts,
    update_exercise,
)
from tests.conftest import FakeDaprClient


def test_exercise_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ExerciseState(user_id="sample", concept="sample", prompt="sample")
    asyncio.run(save_exercise(fake_dapr, "id-1", value))
    stored = asyncio.run(get_exercise(fake_dapr, "id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "exercise:id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_exercise_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_exercise(fake_dapr, "id-1")) is None


def test_exercise_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_exercise(
            fake_dapr, "id-1", ExerciseState(user_id="sample", concept="sample", prompt="sample")
        )
    )
    stored = asyncio.run(get_exercise(fake_dapr, "id-1"))
    assert stored is not None
    asyncio.run(save_exercise(fake_dapr, "id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_exercise(fake_dapr, "id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_exercise_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_exercise(
            fake_dapr, "id-1", ExerciseState(user_id="sample", concept="sample", prompt="sample")
        )
    )
    seen: list[ExerciseState | None] = []

    def change(current: ExerciseState | None) -> ExerciseState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("exercise:id-1")
        return ExerciseState(user_id="sample", concept="sample", prompt="sample")

    asyncio.run(update_exercise(fake_dapr, "id-1", change))
    assert len(seen) == 2
    assert seen[1] == ExerciseState(user_id="sample", concept="sample", prompt="sample")


def test_exercise_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ExerciseState | None] = []

    def change(current: ExerciseState | None) -> ExerciseState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "exercise:id-1",
                ExerciseState(
                    user_id="sample", concept="sample", prompt="sample"
                ).model_dump_json(),
            )
        return ExerciseState(user_id="sample", concept="sample", prompt="sample")

    asyncio.run(update_exercise(fake_dapr, "id-1", change))
    assert seen[0] is None
    assert seen[1] == ExerciseState(user_id="sample", concept="sample", prompt="sample")


def test_exercise_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_exercise(
            fake_dapr, "id-1", ExerciseState(user_id="sample", concept="sample", prompt="sample")
        )
    )
    asyncio.run(delete_exercise(fake_dapr, "id-1"))
    assert asyncio.run(get_exercise(fake_dapr, "id-1")) is None


def test_attempts_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = AttemptsState(total=3, failed=3)
    asyncio.run(save_attempts(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_attempts(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "attempts:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_attempts_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_attempts(fake_dapr, "user_id-1")) is None


def test_attempts_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(total=3, failed=3)))
    stored = asyncio.run(get_attempts(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_attempts(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_attempts(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_attempts_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(total=3, failed=3)))
    seen: list[AttemptsState | None] = []

    def change(current: AttemptsState | None) -> AttemptsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("attempts:user_id-1")
        return AttemptsState(total=3, failed=3)

    asyncio.run(update_attempts(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == AttemptsState(total=3, failed=3)


def test_attempts_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[AttemptsState | None] = []

    def change(current: AttemptsState | None) -> AttemptsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "attempts:user_id-1",
                AttemptsState(total=3, failed=3).model_dump_json(),
            )
        return AttemptsState(total=3, failed=3)

    asyncio.run(update_attempts(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == AttemptsState(total=3, failed=3)


def test_attempts_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(total=3, failed=3)))
    asyncio.run(delete_attempts(fake_dapr, "user_id-1"))
    assert asyncio.run(get_attempts(fake_dapr, "user_id-1")) is None
