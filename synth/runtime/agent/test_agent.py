"""The agent's fixed test seams: a scripted model at the SDK's `Model` seam, scripted outputs,
and replicas; no LLM is called.

The feature adds the spec-shaped tests around these (the request payload, its route and reply);
`REQUEST` here stands in for the spec's sample request, which the feature writes in its place.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from agents import ModelResponse, ModelSettings, Tool, Usage
from agents.models.interface import Model, ModelTracing
from fastapi.testclient import TestClient
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)

from synth.runtime.agent.agent_runtime import MODEL_SLOT
from synth.runtime.app.conftest import FakeDaprClient, ReadyConnection
from synth.runtime.standin.main import app
from synth.runtime.standin.settings import get_settings

REQUEST: dict[str, object] = {"session_id": "session_id-1"}


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
    app.state.dapr = ReadyConnection(dapr)  # type: ignore[arg-type]
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.dapr = None


REFUSAL = json.dumps({"error": {"message": "refused by this test", "type": "test"}})


def published(dapr: FakeDaprClient) -> list[dict[str, Any]]:
    """The events published through `dapr`, decoded."""
    return [json.loads(c["data"]) for n, c in dapr.calls if n == "publish_event"]


def test_a_call_of_a_tool_the_agent_lacks_is_a_bad_gateway(
    app_client: TestClient, agent_settings: pytest.MonkeyPatch
) -> None:
    MODEL_SLOT.model = ScriptedModel(scripted_tool_call("no_such_tool", {}, "call-1"))
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert (answer.status_code, "misbehaved" in answer.json()["detail"]) == (502, True)
