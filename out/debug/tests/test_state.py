"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

from debug.settings import get_settings
from debug.state import (
    AttemptsState,
    ErrorState,
    delete_attempts,
    delete_error,
    get_attempts,
    get_error,
    is_etag_conflict,
    save_attempts,
    save_error,
    update_attempts,
    update_error,
)
from tests.conftest import FakeDaprClient


def test_error_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ErrorState(error="sample", hint="sample", seen=3)
    asyncio.run(save_error(fake_dapr, "hash-1", value))
    stored = asyncio.run(get_error(fake_dapr, "hash-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "error:hash-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {
        "contentType": "application/json",
        "ttlInSeconds": "604800",
    }


def test_error_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_error(fake_dapr, "hash-1")) is None


def test_error_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_error(fake_dapr, "hash-1", ErrorState(error="sample", hint="sample", seen=3)))
    stored = asyncio.run(get_error(fake_dapr, "hash-1"))
    assert stored is not None
    asyncio.run(save_error(fake_dapr, "hash-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_error(fake_dapr, "hash-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_error_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_error(fake_dapr, "hash-1", ErrorState(error="sample", hint="sample", seen=3)))
    seen: list[ErrorState | None] = []

    def change(current: ErrorState | None) -> ErrorState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("error:hash-1")
        return ErrorState(error="sample", hint="sample", seen=3)

    asyncio.run(update_error(fake_dapr, "hash-1", change))
    assert len(seen) == 2
    assert seen[1] == ErrorState(error="sample", hint="sample", seen=3)


def test_error_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ErrorState | None] = []

    def change(current: ErrorState | None) -> ErrorState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "error:hash-1",
                ErrorState(error="sample", hint="sample", seen=3).model_dump_json(),
            )
        return ErrorState(error="sample", hint="sample", seen=3)

    asyncio.run(update_error(fake_dapr, "hash-1", change))
    assert seen[0] is None
    assert seen[1] == ErrorState(error="sample", hint="sample", seen=3)


def test_error_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_error(fake_dapr, "hash-1", ErrorState(error="sample", hint="sample", seen=3)))
    asyncio.run(delete_error(fake_dapr, "hash-1"))
    assert asyncio.run(get_error(fake_dapr, "hash-1")) is None


def test_attempts_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = AttemptsState(count=3)
    asyncio.run(save_attempts(fake_dapr, "user_id-1", value))
    stored = asyncio.run(get_attempts(fake_dapr, "user_id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "attempts:user_id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_attempts_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_attempts(fake_dapr, "user_id-1")) is None


def test_attempts_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(count=3)))
    stored = asyncio.run(get_attempts(fake_dapr, "user_id-1"))
    assert stored is not None
    asyncio.run(save_attempts(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_attempts(fake_dapr, "user_id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_attempts_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(count=3)))
    seen: list[AttemptsState | None] = []

    def change(current: AttemptsState | None) -> AttemptsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("attempts:user_id-1")
        return AttemptsState(count=3)

    asyncio.run(update_attempts(fake_dapr, "user_id-1", change))
    assert len(seen) == 2
    assert seen[1] == AttemptsState(count=3)


def test_attempts_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[AttemptsState | None] = []

    def change(current: AttemptsState | None) -> AttemptsState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "attempts:user_id-1",
                AttemptsState(count=3).model_dump_json(),
            )
        return AttemptsState(count=3)

    asyncio.run(update_attempts(fake_dapr, "user_id-1", change))
    assert seen[0] is None
    assert seen[1] == AttemptsState(count=3)


def test_attempts_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_attempts(fake_dapr, "user_id-1", AttemptsState(count=3)))
    asyncio.run(delete_attempts(fake_dapr, "user_id-1"))
    assert asyncio.run(get_attempts(fake_dapr, "user_id-1")) is None
