"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

from sessions.settings import get_settings
from sessions.state import (
    ConfigState,
    SessionState,
    delete_config,
    delete_session,
    get_config,
    get_session,
    is_etag_conflict,
    save_config,
    save_session,
    update_config,
    update_session,
)
from tests.conftest import FakeDaprClient


def test_session_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = SessionState(user_id="sample")
    asyncio.run(save_session(fake_dapr, "id-1", value))
    stored = asyncio.run(get_session(fake_dapr, "id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "session:id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {
        "contentType": "application/json",
        "ttlInSeconds": "3600",
    }


def test_session_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_session(fake_dapr, "id-1")) is None


def test_session_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_session(fake_dapr, "id-1", SessionState(user_id="sample")))
    stored = asyncio.run(get_session(fake_dapr, "id-1"))
    assert stored is not None
    asyncio.run(save_session(fake_dapr, "id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_session(fake_dapr, "id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_session_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_session(fake_dapr, "id-1", SessionState(user_id="sample")))
    seen: list[SessionState | None] = []

    def change(current: SessionState | None) -> SessionState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("session:id-1")
        return SessionState(user_id="sample")

    asyncio.run(update_session(fake_dapr, "id-1", change))
    assert len(seen) == 2
    assert seen[1] == SessionState(user_id="sample")


def test_session_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[SessionState | None] = []

    def change(current: SessionState | None) -> SessionState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "session:id-1",
                SessionState(user_id="sample").model_dump_json(),
            )
        return SessionState(user_id="sample")

    asyncio.run(update_session(fake_dapr, "id-1", change))
    assert seen[0] is None
    assert seen[1] == SessionState(user_id="sample")


def test_session_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_session(fake_dapr, "id-1", SessionState(user_id="sample")))
    asyncio.run(delete_session(fake_dapr, "id-1"))
    assert asyncio.run(get_session(fake_dapr, "id-1")) is None


def test_config_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = ConfigState(flags=["a", "b"])
    asyncio.run(save_config(fake_dapr, value))
    stored = asyncio.run(get_config(fake_dapr))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "settings"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_config_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_config(fake_dapr)) is None


def test_config_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_config(fake_dapr, ConfigState(flags=["a", "b"])))
    stored = asyncio.run(get_config(fake_dapr))
    assert stored is not None
    asyncio.run(save_config(fake_dapr, stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_config(fake_dapr, stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_config_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_config(fake_dapr, ConfigState(flags=["a", "b"])))
    seen: list[ConfigState | None] = []

    def change(current: ConfigState | None) -> ConfigState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("settings")
        return ConfigState(flags=["a", "b"])

    asyncio.run(update_config(fake_dapr, change))
    assert len(seen) == 2
    assert seen[1] == ConfigState(flags=["a", "b"])


def test_config_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[ConfigState | None] = []

    def change(current: ConfigState | None) -> ConfigState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "settings",
                ConfigState(flags=["a", "b"]).model_dump_json(),
            )
        return ConfigState(flags=["a", "b"])

    asyncio.run(update_config(fake_dapr, change))
    assert seen[0] is None
    assert seen[1] == ConfigState(flags=["a", "b"])


def test_config_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_config(fake_dapr, ConfigState(flags=["a", "b"])))
    asyncio.run(delete_config(fake_dapr))
    assert asyncio.run(get_config(fake_dapr)) is None
