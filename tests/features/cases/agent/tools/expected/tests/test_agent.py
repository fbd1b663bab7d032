"""The agent through the SDK's own `Model` seam, with `ScriptedModel`, a test double that plays
scripted outputs: no LLM is called and no reply here is a real model's answer.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from agents import ModelResponse, ModelSettings, OpenAIChatCompletionsModel, Tool, Usage
from agents.models.interface import Model, ModelTracing
from fastapi.testclient import TestClient
from openai import AsyncOpenAI
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)

from tests.conftest import FakeDaprClient, ReadyConnection, as_client
from tutor.agent_runtime import MODEL_SLOT
from tutor.main import app
from tutor.settings import get_settings
from tutor.state import ProfileState, save_profile

REQUEST: dict[str, object] = {
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "question": "question-1",
    "level": 3,
}

REQUEST_TOPIC = "tutor.question"

ROUTE = "/events/pubsub/tutor.question"

RESPONSE_TOPIC = "tutor.answer"

ANSWER_FIELD = "answer"

PUBLISHED: dict[str, object] = {
    "user_id": "user_id-1",
    "session_id": "session_id-1",
    "answer": "scripted reply",
    "level": 3,
    "sources": None,
}

STORE = "statestore"

INSTRUCTIONS = "Answer the learner's question at their level; read their profile first."

TOOL = "read_profile"

TOOL_ARGUMENTS: dict[str, str] = {}


class ScriptedModel(Model):
    """Test double at the SDK's model seam: plays scripted outputs; no LLM is ever called."""

    def __init__(self, *outputs: list[Any], delay: float = 0.0) -> None:
        self.outputs = list(outputs)
        self.delay = delay
        self.calls: list[tuple[str | None, Any, list[str]]] = []

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: Any,
        handoffs: list[Any],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any,
    ) -> ModelResponse:
        self.calls.append((system_instructions, input, [tool.name for tool in tools]))
        await asyncio.sleep(self.delay)
        return ModelResponse(output=self.outputs.pop(0), usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the service never streams")


def scripted_text(text: str, item_id: str) -> list[Any]:
    """A scripted model output: one assistant message."""
    return [
        ResponseOutputMessage(
            id=item_id,
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(text=text, type="output_text", annotations=[])],
        )
    ]


def scripted_tool_call(name: str, arguments: dict[str, str], call_id: str) -> list[Any]:
    """A scripted model output: one call of the tool `name`."""
    return [
        ResponseFunctionToolCall(
            id=call_id,
            call_id=call_id,
            type="function_call",
            name=name,
            arguments=json.dumps(arguments),
        )
    ]


@pytest.fixture
def agent_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A key for the agent (the scripted model never sends it anywhere); settings re-read."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-read-by-no-model")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    MODEL_SLOT.model = None


@contextmanager
def replica(dapr: FakeDaprClient) -> Iterator[TestClient]:
    """One app instance talking to its own Dapr client (replicas share the store's `state`)."""
    app.state.dapr = ReadyConnection(as_client(dapr))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.dapr = None


def delivery(data: object, event_id: str) -> dict[str, object]:
    """A CloudEvent delivery of the request topic, as daprd makes it."""
    return {
        "data": data,
        "datacontenttype": "application/json",
        "id": event_id,
        "source": "tests",
        "specversion": "1.0",
        "topic": REQUEST_TOPIC,
        "type": "com.dapr.event.sent",
    }


def served_model(status: int, body: str, content_type: str = "application/json") -> Model:
    """The configured kind of model (OpenAI chat completions) on a model server that answers
    every request with `status` and `body`: an in-process transport, nothing leaves the test."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"content-type": content_type})

    # openai types `http_client` with the httpx it is built on (`httpx2` in its newer
    # releases), and accepts httpx's client all the same
    http: Any = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = AsyncOpenAI(
        api_key="test-key", base_url="http://model.test/v1", max_retries=0, http_client=http
    )
    return OpenAIChatCompletionsModel(model="test-model", openai_client=client)


REFUSAL = json.dumps({"error": {"message": "refused by this test", "type": "test"}})


def published(dapr: FakeDaprClient) -> list[dict[str, Any]]:
    """The events published through `dapr`, decoded."""
    return [json.loads(c["data"]) for n, c in dapr.calls if n == "publish_event"]


def stored_conversation(dapr: FakeDaprClient) -> list[dict[str, Any]]:
    """The items stored for the test session's conversation ([] when none)."""
    data, _ = dapr.state.get((STORE, "conversation:session_id-1"), (b"", ""))
    return json.loads(data)["items"] if data else []


def test_a_conversation_continues_on_another_replica(agent_settings: pytest.MonkeyPatch) -> None:
    replica_a = FakeDaprClient()
    replica_b = FakeDaprClient(state=replica_a.state)
    first = ScriptedModel(scripted_text("scripted reply one", "msg-1"))
    MODEL_SLOT.model = first
    with replica(replica_a) as client:
        answer = client.post("/agent/ask", json=REQUEST)
    assert answer.status_code == 200, answer.text
    assert answer.json()[ANSWER_FIELD] == "scripted reply one"
    second = ScriptedModel(scripted_text("scripted reply two", "msg-2"))
    MODEL_SLOT.model = second
    with replica(replica_b) as client:
        answer = client.post("/agent/ask", json=REQUEST)
    assert answer.json()[ANSWER_FIELD] == "scripted reply two"
    instructions, seen, _ = second.calls[0]
    assert instructions == INSTRUCTIONS
    assert [item.get("role") for item in seen] == ["user", "assistant", "user"]
    assert seen[1]["content"][0]["text"] == "scripted reply one"
    texts = [item["content"] for item in stored_conversation(replica_b) if item["role"] == "user"]
    assert [json.loads(text) for text in texts] == [REQUEST, REQUEST]
    reads = [c["key"] for n, c in replica_b.calls if n == "get_state"]
    assert "conversation:session_id-1" in reads


def test_a_request_event_is_answered_and_the_reply_published(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    MODEL_SLOT.model = ScriptedModel(scripted_text("scripted reply", "msg-1"))
    response = app_client.post(ROUTE, json=delivery(REQUEST, "event-1"))
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    assert [{key: e[key] for key in PUBLISHED} for e in published(fake_dapr)] == [PUBLISHED]
    assert [c["topic_name"] for n, c in fake_dapr.calls if n == "publish_event"] == [RESPONSE_TOPIC]


def test_a_model_timeout_is_retried_and_nothing_is_published(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    agent_settings.setenv("AGENT_TIMEOUT_SECONDS", "0.05")
    get_settings.cache_clear()
    MODEL_SLOT.model = ScriptedModel(scripted_text("too late", "msg-1"), delay=5.0)
    response = app_client.post(ROUTE, json=delivery(REQUEST, "event-slow"))
    assert (response.status_code, response.json()) == (200, {"status": "RETRY"})
    assert published(fake_dapr) == []
    assert stored_conversation(fake_dapr) == []
    assert app_client.post("/agent/ask", json=REQUEST).status_code == 504


def test_without_a_key_the_agent_is_disabled_and_says_why(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    get_settings.cache_clear()
    try:
        answer = app_client.post("/agent/ask", json=REQUEST)
        ready = app_client.get("/ready")
        delivered = app_client.post(ROUTE, json=delivery(REQUEST, "event-no-key"))
    finally:
        get_settings.cache_clear()
    assert answer.status_code == 503
    assert answer.json() == {"detail": "agent disabled: OPENAI_API_KEY is not set"}
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "agent": "disabled: OPENAI_API_KEY is not set"},
    )
    assert delivered.json() == {"status": "RETRY"}
    assert published(fake_dapr) == []


@pytest.mark.parametrize(
    ("status", "body", "content_type", "answered", "delivered", "named"),
    [
        (401, REFUSAL, "application/json", 503, "RETRY", "OPENAI_API_KEY"),
        (403, REFUSAL, "application/json", 503, "RETRY", "OPENAI_API_KEY"),
        (404, REFUSAL, "application/json", 503, "RETRY", "OPENAI_BASE_URL"),
        (400, REFUSAL, "application/json", 503, "RETRY", "OPENAI_MODEL"),
        (429, REFUSAL, "application/json", 503, "RETRY", "the model server failed"),
        (500, REFUSAL, "application/json", 503, "RETRY", "the model server failed"),
        (200, "<html>a web page</html>", "text/html", 502, "DROP", "OPENAI_BASE_URL"),
        (200, "not json", "application/json", 502, "DROP", "not a chat completion"),
    ],
)
def test_model_server_errors_are_classified_not_500(
    app_client: TestClient,
    fake_dapr: FakeDaprClient,
    agent_settings: pytest.MonkeyPatch,
    status: int,
    body: str,
    content_type: str,
    answered: int,
    delivered: str,
    named: str,
) -> None:
    MODEL_SLOT.model = served_model(status, body, content_type)
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert (answer.status_code, named in answer.json()["detail"]) == (answered, True)
    response = app_client.post(ROUTE, json=delivery(REQUEST, "event-model-error"))
    assert response.json() == {"status": delivered}
    assert published(fake_dapr) == []


def test_a_call_of_a_tool_the_agent_lacks_is_a_bad_gateway(
    app_client: TestClient, agent_settings: pytest.MonkeyPatch
) -> None:
    MODEL_SLOT.model = ScriptedModel(scripted_tool_call("no_such_tool", {}, "call-1"))
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert (answer.status_code, "misbehaved" in answer.json()["detail"]) == (502, True)


def test_the_stored_conversation_is_bounded_in_bytes(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    agent_settings.setenv("AGENT_HISTORY_MAX_BYTES", "2500")
    get_settings.cache_clear()
    MODEL_SLOT.model = ScriptedModel(
        scripted_text("x" * 1500, "msg-1"),
        scripted_text("y" * 1500, "msg-2"),
        scripted_text("z" * 3000, "msg-3"),
    )
    kept: list[list[str]] = []
    for _ in range(3):
        assert app_client.post("/agent/ask", json=REQUEST).status_code == 200
        data, _ = fake_dapr.state[(STORE, "conversation:session_id-1")]
        assert len(data) <= 2500
        items = json.loads(data)["items"]
        kept.append([i["content"][0]["text"][0] for i in items if i["role"] == "assistant"])
    assert kept == [["x"], ["y"], []]


def test_the_agent_reads_profile_through_its_tool(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    value = ProfileState(known=["a", "b"], updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    asyncio.run(save_profile(as_client(fake_dapr), "user_id-1", value))
    model = ScriptedModel(
        scripted_tool_call(TOOL, TOOL_ARGUMENTS, "call-1"),
        scripted_text("scripted reply after reading state", "msg-1"),
    )
    MODEL_SLOT.model = model
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert answer.json()[ANSWER_FIELD] == "scripted reply after reading state"
    assert TOOL in model.calls[0][2]
    outputs = [item for item in model.calls[1][1] if item.get("type") == "function_call_output"]
    assert [json.loads(item["output"]) for item in outputs] == [value.model_dump(mode="json")]


def test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    agent_settings.setenv("AGENT_MAX_TURNS", "2")
    get_settings.cache_clear()
    model = ScriptedModel(
        *(scripted_tool_call(TOOL, TOOL_ARGUMENTS, f"call-{n}") for n in range(4))
    )
    MODEL_SLOT.model = model
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert (answer.status_code, len(model.calls)) == (502, 2)
    assert "AGENT_MAX_TURNS" in answer.json()["detail"]
    response = app_client.post(ROUTE, json=delivery(REQUEST, "event-endless"))
    assert (response.json(), len(model.calls)) == ({"status": "DROP"}, 4)
    assert published(fake_dapr) == []
