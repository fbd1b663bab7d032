"""Before/after tests of the state helpers."""

import asyncio

import pytest
from dapr.clients.exceptions import DaprInternalError

from tests.conftest import FakeDaprClient
from triage.settings import get_settings
from triage.state import (
    RoutingRulesState,
    SessionState,
    delete_routing_rules,
    delete_session,
    get_routing_rules,
    get_session,
    is_etag_conflict,
    save_routing_rules,
    save_session,
    update_routing_rules,
    update_session,
)


def test_session_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = SessionState(user_id="sample", last_target="sample", turns=3)
    asyncio.run(save_session(fake_dapr, "id-1", value))
    stored = asyncio.run(get_session(fake_dapr, "id-1"))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "session:id-1"
    assert fake_dapr.calls[0][1]["state_metadata"] == {
        "contentType": "application/json",
        "ttlInSeconds": "86400",
    }


def test_session_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_session(fake_dapr, "id-1")) is None


def test_session_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_session(
            fake_dapr, "id-1", SessionState(user_id="sample", last_target="sample", turns=3)
        )
    )
    stored = asyncio.run(get_session(fake_dapr, "id-1"))
    assert stored is not None
    asyncio.run(save_session(fake_dapr, "id-1", stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_session(fake_dapr, "id-1", stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_session_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_session(
            fake_dapr, "id-1", SessionState(user_id="sample", last_target="sample", turns=3)
        )
    )
    seen: list[SessionState | None] = []

    def change(current: SessionState | None) -> SessionState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("session:id-1")
        return SessionState(user_id="sample", last_target="sample", turns=3)

    asyncio.run(update_session(fake_dapr, "id-1", change))
    assert len(seen) == 2
    assert seen[1] == SessionState(user_id="sample", last_target="sample", turns=3)


def test_session_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[SessionState | None] = []

    def change(current: SessionState | None) -> SessionState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "session:id-1",
                SessionState(user_id="sample", last_target="sample", turns=3).model_dump_json(),
            )
        return SessionState(user_id="sample", last_target="sample", turns=3)

    asyncio.run(update_session(fake_dapr, "id-1", change))
    assert seen[0] is None
    assert seen[1] == SessionState(user_id="sample", last_target="sample", turns=3)


def test_session_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(
        save_session(
            fake_dapr, "id-1", SessionState(user_id="sample", last_target="sample", turns=3)
        )
    )
    asyncio.run(delete_session(fake_dapr, "id-1"))
    assert asyncio.run(get_session(fake_dapr, "id-1")) is None


def test_routing_rules_saved_value_reads_back_with_its_etag(fake_dapr: FakeDaprClient) -> None:
    value = RoutingRulesState(keywords={"k": "v"})
    asyncio.run(save_routing_rules(fake_dapr, value))
    stored = asyncio.run(get_routing_rules(fake_dapr))
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == "routing:rules"
    assert fake_dapr.calls[0][1]["state_metadata"] == {"contentType": "application/json"}


def test_routing_rules_missing_reads_as_none(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run(get_routing_rules(fake_dapr)) is None


def test_routing_rules_write_with_a_stale_etag_is_refused(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_routing_rules(fake_dapr, RoutingRulesState(keywords={"k": "v"})))
    stored = asyncio.run(get_routing_rules(fake_dapr))
    assert stored is not None
    asyncio.run(save_routing_rules(fake_dapr, stored.value, etag=stored.etag))
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run(save_routing_rules(fake_dapr, stored.value, etag=stored.etag))
    assert is_etag_conflict(caught.value)


def test_routing_rules_update_retries_after_a_conflict(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_routing_rules(fake_dapr, RoutingRulesState(keywords={"k": "v"})))
    seen: list[RoutingRulesState | None] = []

    def change(current: RoutingRulesState | None) -> RoutingRulesState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch("routing:rules")
        return RoutingRulesState(keywords={"k": "v"})

    asyncio.run(update_routing_rules(fake_dapr, change))
    assert len(seen) == 2
    assert seen[1] == RoutingRulesState(keywords={"k": "v"})


def test_routing_rules_concurrent_creation_loses_no_update(fake_dapr: FakeDaprClient) -> None:
    seen: list[RoutingRulesState | None] = []

    def change(current: RoutingRulesState | None) -> RoutingRulesState:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(
                get_settings().state_store,
                "routing:rules",
                RoutingRulesState(keywords={"k": "v"}).model_dump_json(),
            )
        return RoutingRulesState(keywords={"k": "v"})

    asyncio.run(update_routing_rules(fake_dapr, change))
    assert seen[0] is None
    assert seen[1] == RoutingRulesState(keywords={"k": "v"})


def test_routing_rules_delete_removes_the_value(fake_dapr: FakeDaprClient) -> None:
    asyncio.run(save_routing_rules(fake_dapr, RoutingRulesState(keywords={"k": "v"})))
    asyncio.run(delete_routing_rules(fake_dapr))
    assert asyncio.run(get_routing_rules(fake_dapr)) is None
