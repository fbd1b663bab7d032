"""The agent feature's runtime, run directly: conversation keys and bounds, the `/ready` note,
and the message that names the setting a model server refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from openai import APIStatusError

from synth.features import agent as feature
from synth.runtime.agent.agent import (
    CONVERSATION_TTL_SECONDS,
    HISTORY_LIMIT,
    AgentConfigurationError,
    AgentUnavailableError,
    Conversation,
    agent_problem,
    conversation_key,
    remember,
)
from synth.runtime.agent.agent_runtime import CONFIGURATION_STATUSES, configuration_error
from synth.runtime.standin.settings import get_settings


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The environment the settings are read from, re-read for each test."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _user(n: int) -> dict[str, Any]:
    return {"role": "user", "content": f"question {n}"}


def _assistant(n: int, size: int = 10) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"text": str(n) * size}]}


def test_the_feature_documents_the_limits_the_runtime_keeps() -> None:
    assert (feature.HISTORY_LIMIT, feature.CONVERSATION_TTL_SECONDS) == (
        HISTORY_LIMIT,
        CONVERSATION_TTL_SECONDS,
    )


def test_a_session_has_one_conversation_key() -> None:
    assert conversation_key("s-1") == "conversation:s-1"


def test_remember_appends_a_turn() -> None:
    first = remember(None, [_user(1), _assistant(1)], 10_000)
    second = remember(first, [_user(2), _assistant(2)], 10_000)
    assert second.items == [_user(1), _assistant(1), _user(2), _assistant(2)]


def test_remember_keeps_the_last_items_and_starts_at_a_user_message() -> None:
    turns = [item for n in range(HISTORY_LIMIT) for item in (_user(n), _assistant(n))]
    kept = remember(Conversation(items=turns[:-1]), turns[-1:], 1_000_000)
    assert len(kept.items) == HISTORY_LIMIT
    assert kept.items[0] == _user(HISTORY_LIMIT // 2)
    assert kept.items[-1] == turns[-1]


def test_remember_cuts_to_the_byte_bound_at_a_user_message() -> None:
    old = Conversation(items=[_user(1), _assistant(1, 500)])
    kept = remember(old, [_user(2), {"role": "tool", "content": "x"}, _assistant(2)], 300)
    assert kept.items[0] == _user(2)
    assert len(kept.model_dump_json().encode()) <= 300


def test_remember_keeps_nothing_when_the_newest_turn_does_not_fit() -> None:
    assert remember(None, [_user(1), _assistant(1, 500)], 100) == Conversation()


def test_without_a_key_the_agent_says_it_is_disabled(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("OPENAI_API_KEY", "")
    assert agent_problem() == "disabled: OPENAI_API_KEY is not set"
    settings.setenv("OPENAI_API_KEY", "a-key")
    get_settings.cache_clear()
    assert agent_problem() == ""


def _refused(code: int) -> APIStatusError:
    request = httpx.Request("POST", "http://model.test/v1/chat/completions")
    response = httpx.Response(code, request=request)
    # the OpenAI client types its own httpx; the error only reads status, headers, request
    return APIStatusError("refused by this test", response=cast(Any, response), body=None)


@pytest.mark.parametrize(
    ("code", "named"),
    [
        (401, "OPENAI_API_KEY was refused"),
        (403, "OPENAI_API_KEY may not use OPENAI_MODEL 'm-1'"),
        (404, "OPENAI_BASE_URL 'http://model.test/v1' or OPENAI_MODEL 'm-1' was not found"),
        (400, "check OPENAI_MODEL 'm-1'"),
        (422, "check OPENAI_MODEL 'm-1'"),
    ],
)
def test_a_refused_setting_is_named_and_is_unavailability(
    settings: pytest.MonkeyPatch, code: int, named: str
) -> None:
    settings.setenv("OPENAI_BASE_URL", "http://model.test/v1")
    settings.setenv("OPENAI_MODEL", "m-1")
    error = configuration_error(_refused(code))
    assert code in CONFIGURATION_STATUSES
    assert isinstance(error, AgentConfigurationError)
    assert isinstance(error, AgentUnavailableError | ConnectionError)
    assert named in str(error)
    assert f"(HTTP {code}: refused by this test)" in str(error)
