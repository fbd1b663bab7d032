"""The `agent` feature: an OpenAI Agents SDK agent that answers the spec's request topic.

For `concepts` (request `learning.concept-request`, response `learning.concept-response`,
reading `mastery:{user_id}`) it generates:

    <pkg>/agent.py          answer_request(event, context, client)  # the request topic's handler
                            ask_agent(client, event) -> LearningConceptResponse
                            @agent_router.post("/agent/ask")        # direct calls, 503 without key
                            @readiness_note("agent") agent_problem() # "disabled: ... not set"
    <pkg>/agent_runtime.py  everything that imports the SDK (loaded on first use only):
                            INSTRUCTIONS, MODEL_SLOT, mastery_tool(client, event), build_agent,
                            run_agent(client, event, history) -> (answer, turn items)

The conversation of a session lives in the state store under `conversation:{session_id}` (the
last 20 items, appended under its ETag), so any replica serves any turn.

The reply event is derived from the spec, field by field, in the response topic's order:
a field the request also has with the same type is copied from the request (a required field
whose request counterpart is optional falls back to its type's empty value); the first required
`str` field that the request does not have carries the model's answer; every other field is
None when optional, else its type's empty value ("", 0, 0.0, False, [], {}, now for a datetime).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_annotation,
    build_dict,
    build_docstring,
    build_list,
    build_name,
    build_str,
    expand_template,
)
from synth.codegen.template import names_in
from synth.errors import FeatureError
from synth.features.agent.deploy import deployment
from synth.features.base import Contribution, Feature, ReadmeSection, settings_units
from synth.spec import (
    AgentSpec,
    FeatureName,
    FieldSpec,
    FieldType,
    ServiceSpec,
    StateKeySpec,
    TopicSpec,
)

__all__ = ["AgentFeature"]

HISTORY_LIMIT = 20
CONVERSATION_TTL_SECONDS = 604800
_CHUNK = 84

_AGENT = '''
import asyncio
import importlib
import logging
from typing import Annotated, Any

from dapr.aio.clients import DaprClient
from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from {package}.dapr_client import get_dapr_client
from {package}.events import EventContext
from {package}.health import readiness_note
from {package}.settings import get_settings
from {package}.state import read_value, update_value

logger = logging.getLogger(__name__)

HISTORY_LIMIT = {history_limit}

CONVERSATION_TTL_SECONDS = {ttl}

agent_router = APIRouter(tags=["agent"])


class AgentUnavailableError(ConnectionError):
    """No model can be reached: no API key, or the model server is unreachable or busy.

    A ConnectionError, so a subscriber answers RETRY: the event is valid, and a replica that
    reaches a model answers it; Dapr dead-letters it once its retries run out.
    """


class AgentConfigurationError(AgentUnavailableError):
    """The model server refused the settings (key, base URL, model); the message names which.

    Unavailable until someone fixes the setting: 503 on `/agent/ask`, RETRY for events, as
    with a missing key, so no event is dead-lettered for a mistake in the deployment.
    """


class AgentAnswerError(RuntimeError):
    """The model misbehaved: no answer, an answer that is not a chat completion, or more
    model calls than AGENT_MAX_TURNS. Nothing is made up in its place.

    Permanent for this event: 502 on `/agent/ask`; an event is dropped to the dead-letter
    topic (DROP) rather than retried, since every retry pays for model calls that are likely
    to misbehave again.
    """


class Conversation(BaseModel):
    """One session's last HISTORY_LIMIT items, in the Agents SDK's input format."""

    items: list[dict[str, Any]] = Field(default_factory=list)


def conversation_key(session_id: str) -> str:
    """The state key of one session's conversation."""
    return f"conversation:{session_id}"


@readiness_note("agent")
def agent_problem() -> str:
    """Why the agent cannot run in this process, or "" when it can (a note in `/ready`)."""
    key = get_settings().openai_api_key
    if key is None or not key.get_secret_value():
        return "disabled: OPENAI_API_KEY is not set"
    return ""


def remember(
    current: Conversation | None, turn: list[dict[str, Any]], max_bytes: int
) -> Conversation:
    """The conversation with `turn` appended, cut to its last HISTORY_LIMIT items and to at
    most `max_bytes` of JSON (AGENT_HISTORY_MAX_BYTES; far below gRPC's 4 MiB message limit).

    Every cut starts at a user message, so a tool call never loses the request it answers;
    when not even the newest turn fits, nothing is kept.
    """
    items = [*(current.items if current is not None else []), *turn][-HISTORY_LIMIT:]
    for start, item in enumerate(items):
        if item.get("role") != "user":
            continue
        kept = Conversation(items=items[start:])
        if len(kept.model_dump_json().encode()) <= max_bytes:
            return kept
    return Conversation()
'''

_REPLY = """
from datetime import UTC, datetime


def reply_event(event: {request}, answer: str) -> {response}:
    {doc}
    return {reply}
"""

_ASK = '''
import asyncio
import importlib
from typing import Annotated

from dapr.aio.clients import DaprClient
from fastapi import Depends, HTTPException, status

from {package}.dapr_client import get_dapr_client
from {package}.events import EventContext
from {package}.settings import get_settings
from {package}.state import read_value, update_value


async def ask_agent(client: DaprClient, event: {request}) -> {response}:
    """One turn of the agent in the event's session: the reply event with the model's answer.

    Raises AgentUnavailableError (no key, model unreachable), AgentConfigurationError (the
    model server refused a setting), TimeoutError (no answer within AGENT_TIMEOUT_SECONDS) or
    AgentAnswerError (the model misbehaved); it never answers without the model.
    """
    problem = agent_problem()
    if problem:
        raise AgentUnavailableError(f"agent {problem}")
    # The SDK takes seconds to import: the first turn imports it off the event loop.
    await asyncio.to_thread(importlib.import_module, ".agent_runtime", __package__)
    from {package}.agent_runtime import run_agent

    key = conversation_key(event.session_id)
    stored = await read_value(client, key, Conversation)
    history = stored.value.items if stored is not None else []
    async with asyncio.timeout(get_settings().agent_timeout_seconds):
        answer, turn = await run_agent(client, event, history)
    if not answer.strip():
        raise AgentAnswerError("the model finished without an answer")
    await update_value(
        client,
        key,
        Conversation,
        lambda current: remember(current, turn, get_settings().agent_history_max_bytes),
        ttl_seconds=CONVERSATION_TTL_SECONDS,
    )
    logger.info(
        "agent answered in session %s",
        event.session_id,
        extra={"fields": {"session_id": event.session_id, "items": len(turn)}},
    )
    return reply_event(event, answer)


async def answer_request(event: {request}, context: EventContext, client: DaprClient) -> None:
    {answer_doc}
    reply = await ask_agent(client, event)
    await {publisher}(client, reply, trace=context)


@agent_router.post(
    "/agent/ask",
    responses={
        502: {"description": "The model misbehaved (no answer, or over AGENT_MAX_TURNS)"},
        503: {
            "description": "No model can be reached (no OPENAI_API_KEY, a setting the model "
            "server refused, or the server down), with the reason"
        },
        504: {"description": "The model did not answer within AGENT_TIMEOUT_SECONDS"},
    },
)
async def ask(
    event: {request}, client: Annotated[DaprClient, Depends(get_dapr_client)]
) -> {response}:
    """Ask the agent directly: the request event in, the reply event out (nothing published)."""
    try:
        return await ask_agent(client, event)
    except AgentUnavailableError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from error
    except TimeoutError as error:
        detail = "the model did not answer within AGENT_TIMEOUT_SECONDS"
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, detail=detail) from error
    except AgentAnswerError as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(error)) from error
'''

_RUNTIME = '''
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from agents import (
    Agent,
    FunctionTool,
    ModelSettings,
    OpenAIChatCompletionsModel,
    RunConfig,
    Runner,
    TResponseInputItem,
    function_tool,
)
from agents.models.interface import Model
from dapr.aio.clients import DaprClient
from openai import APIStatusError, AsyncOpenAI

from {package}.agent import AgentConfigurationError
from {package}.settings import get_settings

INSTRUCTIONS = {instructions}

# Answers that mean the settings are wrong, not the moment: retrying cannot help until someone
# fixes OPENAI_API_KEY, OPENAI_BASE_URL or OPENAI_MODEL. Every other status (408, 409, 429,
# 5xx) is the server's moment and is retried.
CONFIGURATION_STATUSES = frozenset({400, 401, 403, 404, 422})


@dataclass
class ModelSlot:
    """The model the agent runs on when one is installed instead of the configured one."""

    model: Model | None = None


MODEL_SLOT = ModelSlot()


@lru_cache(maxsize=1)
def configured_model() -> Model:
    """The chat model of any OpenAI-compatible server the settings name (one per process)."""
    settings = get_settings()
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    client = AsyncOpenAI(api_key=key, base_url=settings.openai_base_url)
    return OpenAIChatCompletionsModel(model=settings.openai_model, openai_client=client)


def configuration_error(error: APIStatusError) -> AgentConfigurationError:
    """The refusal of a 4xx as an error naming the setting to fix."""
    settings = get_settings()
    url, model, code = settings.openai_base_url, settings.openai_model, error.status_code
    if code == 401:
        problem = "OPENAI_API_KEY was refused by the model server"
    elif code == 403:
        problem = f"OPENAI_API_KEY may not use OPENAI_MODEL {model!r}"
    elif code == 404:
        problem = (
            f"OPENAI_BASE_URL {url!r} or OPENAI_MODEL {model!r} was not found "
            "(an OpenAI-compatible base URL usually ends in /v1)"
        )
    else:
        problem = f"the model server refused the request; check OPENAI_MODEL {model!r}"
    return AgentConfigurationError(f"agent misconfigured: {problem} (HTTP {code}: {error.message})")
'''

_BUILD = '''
from typing import Any, cast

from agents import (
    Agent,
    ModelSettings,
    RunConfig,
    Runner,
    TResponseInputItem,
)
from agents.exceptions import MaxTurnsExceeded, ModelBehaviorError
from dapr.aio.clients import DaprClient
from openai import APIConnectionError, APIResponseValidationError, APIStatusError

from {package}.agent import AgentAnswerError, AgentUnavailableError
from {package}.settings import get_settings


def build_agent(client: DaprClient, event: {request}) -> Agent[None]:
    """The agent for one request: its instructions, the model, and its state-reading tools."""
    settings = get_settings()
    return Agent(
        name={name},
        instructions=INSTRUCTIONS,
        model=MODEL_SLOT.model or configured_model(),
        model_settings=ModelSettings(max_tokens=settings.agent_max_output_tokens),
        tools={tools},
    )


async def run_agent(
    client: DaprClient, event: {request}, history: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """Run one turn after `history`: the answer, and the turn's items (the request onwards)."""
    turn: list[TResponseInputItem] = [{"role": "user", "content": event.model_dump_json()}]
    items = [*cast(list[TResponseInputItem], history), *turn]
    try:
        result = await Runner.run(
            build_agent(client, event),
            items,
            max_turns=get_settings().agent_max_turns,
            run_config=RunConfig(tracing_disabled=True),
        )
    except APIConnectionError as error:
        raise AgentUnavailableError(f"the model server is unreachable: {error}") from error
    except APIStatusError as error:
        if error.status_code in CONFIGURATION_STATUSES:
            if error.code == "context_length_exceeded":
                raise AgentAnswerError(f"the request is too long: {error.message}") from error
            raise configuration_error(error) from error
        raise AgentUnavailableError(f"the model server failed: {error}") from error
    except MaxTurnsExceeded as error:
        turns = get_settings().agent_max_turns
        raise AgentAnswerError(
            f"the model made AGENT_MAX_TURNS ({turns}) calls without answering"
        ) from error
    except ModelBehaviorError as error:
        raise AgentAnswerError(f"the model misbehaved: {error}") from error
    except (APIResponseValidationError, ValueError, TypeError, AttributeError) as error:
        # What the OpenAI client raises for a 2xx answer that is not a chat completion (not
        # JSON, or JSON of another shape): the server at OPENAI_BASE_URL answers, but not as
        # an OpenAI-compatible API.
        raise AgentAnswerError(
            f"the model server's answer is not a chat completion ({type(error).__name__}); "
            "is OPENAI_BASE_URL an OpenAI-compatible API?"
        ) from error
    answer = result.final_output if isinstance(result.final_output, str) else ""
    return answer, cast(list[dict[str, Any]], result.to_input_list()[len(history) :])
'''

_TOOL = """
from agents import FunctionTool, function_tool
from dapr.aio.clients import DaprClient


def {factory}(client: DaprClient, event: {request}) -> FunctionTool:
    {factory_doc}

    async def {tool}({params}) -> str:
        {tool_doc}
        stored = await {read}
        return stored.value.model_dump_json() if stored is not None else "none"

    return function_tool({tool})
"""

_MAIN = """
from {package}.agent import agent_router

app.include_router(agent_router)
"""

_TESTS = '''
import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
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

from {package}.agent_runtime import MODEL_SLOT
from {package}.main import app
from {package}.settings import get_settings
from tests.conftest import FakeDaprClient, ReadyConnection

REQUEST: dict[str, object] = {payload}


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


def delivery(data: object, event_id: str) -> dict[str, object]:
    """A CloudEvent delivery of the request topic, as daprd makes it."""
    return {
        "data": data,
        "datacontenttype": "application/json",
        "id": event_id,
        "source": "tests",
        "specversion": "1.0",
        "topic": {request_topic},
        "type": "com.dapr.event.sent",
    }


def served_model(status: int, body: str, content_type: str = "application/json") -> Model:
    """The configured kind of model (OpenAI chat completions) on a model server that answers
    every request with `status` and `body`: an in-process transport, nothing leaves the test."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"content-type": content_type})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
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
    data, _ = dapr.state.get(({store}, {conversation_key}), (b"", ""))
    return json.loads(data)["items"] if data else []


def test_a_conversation_continues_on_another_replica(agent_settings: pytest.MonkeyPatch) -> None:
    replica_a = FakeDaprClient()
    replica_b = FakeDaprClient(state=replica_a.state)
    first = ScriptedModel(scripted_text("scripted reply one", "msg-1"))
    MODEL_SLOT.model = first
    with replica(replica_a) as client:
        answer = client.post("/agent/ask", json=REQUEST)
    assert answer.status_code == 200, answer.text
    assert answer.json()[{answer_field}] == "scripted reply one"
    second = ScriptedModel(scripted_text("scripted reply two", "msg-2"))
    MODEL_SLOT.model = second
    with replica(replica_b) as client:
        answer = client.post("/agent/ask", json=REQUEST)
    assert answer.json()[{answer_field}] == "scripted reply two"
    instructions, seen, _ = second.calls[0]
    assert instructions == {instructions}
    assert [item.get("role") for item in seen] == ["user", "assistant", "user"]
    assert seen[1]["content"][0]["text"] == "scripted reply one"
    texts = [item["content"] for item in stored_conversation(replica_b) if item["role"] == "user"]
    assert [json.loads(text) for text in texts] == [REQUEST, REQUEST]
    reads = [c["key"] for n, c in replica_b.calls if n == "get_state"]
    assert {conversation_key} in reads


def test_a_request_event_is_answered_and_the_reply_published(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    MODEL_SLOT.model = ScriptedModel(scripted_text("scripted reply", "msg-1"))
    response = app_client.post({route}, json=delivery(REQUEST, "event-1"))
    assert (response.status_code, response.json()) == (200, {"status": "SUCCESS"})
    expected = {expected}
    assert [{key: e[key] for key in expected} for e in published(fake_dapr)] == [expected]
    assert [c["topic_name"] for n, c in fake_dapr.calls if n == "publish_event"] == [
        {response_topic}
    ]


def test_a_model_timeout_is_retried_and_nothing_is_published(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    agent_settings.setenv("AGENT_TIMEOUT_SECONDS", "0.05")
    get_settings.cache_clear()
    MODEL_SLOT.model = ScriptedModel(scripted_text("too late", "msg-1"), delay=5.0)
    response = app_client.post({route}, json=delivery(REQUEST, "event-slow"))
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
        delivered = app_client.post({route}, json=delivery(REQUEST, "event-no-key"))
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
    response = app_client.post({route}, json=delivery(REQUEST, "event-model-error"))
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
        data, _ = fake_dapr.state[({store}, {conversation_key})]
        assert len(data) <= 2500
        items = json.loads(data)["items"]
        kept.append([i["content"][0]["text"][0] for i in items if i["role"] == "assistant"])
    assert kept == [["x"], ["y"], []]
'''

_TEST_TOOL = """
import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from {package}.agent_runtime import MODEL_SLOT
from {package}.settings import get_settings
from tests.conftest import FakeDaprClient


def {test}(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    value = {sample}
    asyncio.run({save})
    model = ScriptedModel(
        scripted_tool_call({tool}, {arguments}, "call-1"),
        scripted_text("scripted reply after reading state", "msg-1"),
    )
    MODEL_SLOT.model = model
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert answer.json()[{answer_field}] == "scripted reply after reading state"
    assert {tool} in model.calls[0][2]
    outputs = [item for item in model.calls[1][1] if item.get("type") == "function_call_output"]
    assert [json.loads(item["output"]) for item in outputs] == [value.model_dump(mode="json")]


def test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway(
    app_client: TestClient, fake_dapr: FakeDaprClient, agent_settings: pytest.MonkeyPatch
) -> None:
    agent_settings.setenv("AGENT_MAX_TURNS", "2")
    get_settings.cache_clear()
    model = ScriptedModel(*(scripted_tool_call({tool}, {arguments}, f"call-{n}") for n in range(4)))
    MODEL_SLOT.model = model
    answer = app_client.post("/agent/ask", json=REQUEST)
    assert (answer.status_code, len(model.calls)) == (502, 2)
    assert "AGENT_MAX_TURNS" in answer.json()["detail"]
    response = app_client.post({route}, json=delivery(REQUEST, "event-endless"))
    assert (response.json(), len(model.calls)) == ({"status": "DROP"}, 4)
    assert published(fake_dapr) == []
"""

_SAMPLES: dict[FieldType, cst.BaseExpression] = {
    FieldType.INT: cst.Integer("3"),
    FieldType.FLOAT: cst.Float("0.5"),
    FieldType.BOOL: cst.Name("True"),
    FieldType.DATETIME: build_str("2026-01-02T03:04:05Z"),
    FieldType.LIST_STR: build_list([build_str("a"), build_str("b")]),
    FieldType.DICT_STR: build_dict([(build_str("k"), build_str("v"))]),
    FieldType.DICT_INT: build_dict([(build_str("k"), cst.Integer("1"))]),
    FieldType.DICT_FLOAT: build_dict([(build_str("k"), cst.Float("0.25"))]),
}

_EMPTY: dict[FieldType, str] = {
    FieldType.STR: '""',
    FieldType.INT: "0",
    FieldType.FLOAT: "0.0",
    FieldType.BOOL: "False",
    FieldType.DATETIME: "datetime.now(UTC)",
    FieldType.LIST_STR: "[]",
    FieldType.DICT_STR: "{}",
    FieldType.DICT_INT: "{}",
    FieldType.DICT_FLOAT: "{}",
}


class AgentFeature(Feature):
    """An Agents SDK agent on the request topic and `POST /agent/ask`; history in state."""

    name: ClassVar[FeatureName] = FeatureName.AGENT
    requires: ClassVar[tuple[FeatureName, ...]] = (
        FeatureName.APP,
        FeatureName.STATE,
        FeatureName.PUBSUB,
    )
    summary: ClassVar[str] = (
        "OpenAI Agents SDK agent on the request topic and POST /agent/ask; history in state"
    )

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        agent, request, response = _checked(spec)
        plan = _Reply(request, response)
        names = _Names(spec, request, response)
        keys = [k for k in spec.state if k.helper_name in agent.reads_state]
        pkg = spec.package
        return Contribution(
            python={
                f"{pkg}/settings.py": settings_units(deployment(spec, active).env),
                f"{pkg}/agent.py": self._agent(spec, agent, names, plan),
                f"{pkg}/agent_runtime.py": self._runtime(spec, agent, names, request, keys),
                f"{pkg}/main.py": tuple(
                    Unit(u.node, u.imports, anchor=("assign", "app"))
                    for u in _units(_MAIN, package=names.package)
                ),
                "tests/test_agent.py": self._tests(spec, agent, names, plan, request, keys),
            },
            dependencies=("openai-agents>=0.24",),
            deploy=deployment(spec, active),
            readme=(ReadmeSection("Agent", _readme(spec, agent, plan, keys)),),
        )

    def _agent(
        self, spec: ServiceSpec, agent: AgentSpec, names: _Names, plan: _Reply
    ) -> tuple[Unit, ...]:
        doc = build_docstring(
            f"The agent of the {spec.name} service: it answers `{agent.request_topic}` events "
            f"with `{agent.response_topic}` events, and `POST /agent/ask` directly.\n\n"
            "Stateless: a session's conversation lives in the state store under "
            f"`conversation:{{session_id}}` (the last {HISTORY_LIMIT} items, appended under its "
            "ETag), so any replica serves any turn. The Agents SDK is imported on the first "
            "turn only (`agent_runtime`). Without OPENAI_API_KEY the agent is off: `/agent/ask` "
            "answers 503, request events are retried, and `/ready` says why."
        )
        core = _units(
            _AGENT,
            package=names.package,
            history_limit=cst.Integer(str(HISTORY_LIMIT)),
            ttl=cst.Integer(str(CONVERSATION_TTL_SECONDS)),
        )
        reply = _units(
            _REPLY,
            request=names.request,
            response=names.response,
            reply=plan.call(names.response.value),
            doc=build_docstring(plan.describe(), indent=4),
        )
        ask = _units(
            _ASK,
            package=names.package,
            request=names.request,
            response=names.response,
            publisher=names.publisher,
            answer_doc=build_docstring(
                f"Answer one `{agent.request_topic}` event: publish the agent's reply to "
                f"`{agent.response_topic}`, with the request's trace.\n\nNo key, a setting the "
                "model server refuses, an unreachable model or a timeout raise transient errors, "
                "so the event is retried (and dead-lettered once Dapr's retries run out); a "
                "model that misbehaves dead-letters it at once. Nothing is published without "
                "the model's answer.",
                indent=4,
            ),
        )
        own = (
            ImportRequest(f"{spec.package}.events", names.request.value),
            ImportRequest(f"{spec.package}.events", names.response.value),
            ImportRequest(f"{spec.package}.publishers", names.publisher.value),
        )
        return (Unit(doc), *core, *_with(reply, own), *_with(ask, own))

    def _runtime(
        self,
        spec: ServiceSpec,
        agent: AgentSpec,
        names: _Names,
        request: TopicSpec,
        keys: list[StateKeySpec],
    ) -> tuple[Unit, ...]:
        doc = build_docstring(
            f"Everything of the {spec.name} agent that touches the OpenAI Agents SDK.\n\n"
            "`agent.py` imports this module on the first turn, so the rest of the service never "
            "pays for the SDK. `MODEL_SLOT.model` replaces the configured model (tests install a "
            "scripted one there)."
        )
        core = _units(_RUNTIME, package=names.package, instructions=_build_text(agent.instructions))
        tools: list[Unit] = []
        factories: list[cst.BaseExpression] = []
        carried = {f.name for f in request.fields if f.type is FieldType.STR and not f.optional}
        for key in keys:
            factory = f"{key.helper_name}_tool"
            factories.append(_call(factory, [cst.Name("client"), cst.Name("event")]))
            asked = [p for p in key.params if p not in carried]
            args = [cst.Name("client")] + [
                cst.Attribute(cst.Name("event"), build_name(p)) if p in carried else build_name(p)
                for p in key.params
            ]
            bound = ", ".join(f"`{p}`" for p in key.params if p in carried)
            what = f"`{key.key}` from the state store" + (
                f" ({key.description})" if key.description else ""
            )
            params = [cst.Param(build_name(p), build_annotation("str")) for p in asked]
            units = _units(
                _TOOL,
                factory=build_name(factory),
                tool=build_name(f"read_{key.helper_name}"),
                request=names.request,
                params=cst.Parameters(params),
                read=_call(f"get_{key.helper_name}", args),
                factory_doc=build_docstring(
                    f"The tool that reads `{key.key}` for the request"
                    + (f" ({bound} from the request, never from the model)." if bound else "."),
                    indent=4,
                ),
                tool_doc=build_docstring(
                    f"Read {what}.\n\nIts value as JSON, or `none` when nothing is stored.",
                    indent=8,
                ),
            )
            own = (
                ImportRequest(f"{spec.package}.events", names.request.value),
                ImportRequest(f"{spec.package}.state", f"get_{key.helper_name}"),
            )
            tools.extend(_with(units, own))
        build = _units(
            _BUILD,
            package=names.package,
            request=names.request,
            name=build_str(spec.name),
            tools=build_list(factories),
        )
        build_imports = (ImportRequest(f"{spec.package}.events", names.request.value),)
        return (Unit(doc), *core, *tools, *_with(build, build_imports))

    def _tests(
        self,
        spec: ServiceSpec,
        agent: AgentSpec,
        names: _Names,
        plan: _Reply,
        request: TopicSpec,
        keys: list[StateKeySpec],
    ) -> tuple[Unit, ...]:
        payload = {f.name: _sample(f) for f in request.fields}
        expected = build_dict(
            [(build_str(name), value) for name, value in plan.expected(payload, "scripted reply")]
        )
        units: list[Unit] = [
            Unit(
                build_docstring(
                    "The agent through the SDK's own `Model` seam, with `ScriptedModel`, a test "
                    "double that plays scripted outputs: no LLM is called and no reply here is "
                    "a real model's answer."
                )
            ),
            *_units(
                _TESTS,
                package=names.package,
                payload=build_dict([(build_str(k), v) for k, v in payload.items()]),
                request_topic=build_str(request.topic),
                response_topic=build_str(plan.response.topic),
                route=build_str(f"/events/{spec.pubsub}/{request.topic}"),
                store=build_str(spec.state_store),
                conversation_key=build_str("conversation:session_id-1"),
                answer_field=build_str(plan.answer),
                expected=expected,
                instructions=_build_text(agent.instructions),
            ),
        ]
        if keys:
            units.extend(self._tool_test(spec, names, request, keys[0], payload, plan.answer))
        return tuple(units)

    def _tool_test(
        self,
        spec: ServiceSpec,
        names: _Names,
        request: TopicSpec,
        key: StateKeySpec,
        payload: dict[str, cst.BaseExpression],
        answer: str,
    ) -> tuple[Unit, ...]:
        carried = {f.name for f in request.fields if f.type is FieldType.STR and not f.optional}
        key_args: list[cst.BaseExpression] = [cst.Name("fake_dapr")]
        arguments: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
        for param in key.params:
            if param in carried:
                key_args.append(payload[param])
            else:
                key_args.append(build_str(f"{param}-1"))
                arguments.append((build_str(param), build_str(f"{param}-1")))
        sample = cst.Call(
            build_name(key.model_name),
            [cst.Arg(_state_sample(f), keyword=build_name(f.name)) for f in key.fields],
        )
        units = _units(
            _TEST_TOOL,
            package=names.package,
            test=build_name(f"test_the_agent_reads_{key.helper_name}_through_its_tool"),
            sample=sample,
            save=_call(f"save_{key.helper_name}", [*key_args, cst.Name("value")]),
            tool=build_str(f"read_{key.helper_name}"),
            arguments=build_dict(arguments),
            answer_field=build_str(answer),
            route=build_str(f"/events/{spec.pubsub}/{request.topic}"),
        )
        own = (
            ImportRequest(f"{spec.package}.state", key.model_name),
            ImportRequest(f"{spec.package}.state", f"save_{key.helper_name}"),
        )
        return _with(units, own)


class _Names:
    """The Python names the agent's code uses, derived as the pubsub feature derives them."""

    def __init__(self, spec: ServiceSpec, request: TopicSpec, response: TopicSpec) -> None:
        self.package = build_name(spec.package)
        self.request = build_name(_model_name(request.topic))
        self.response = build_name(_model_name(response.topic))
        self.publisher = build_name("publish_" + _snake(response.topic))


class _Reply:
    """How the reply event is filled from the request and the answer (the module docstring's
    rule), decided once per spec."""

    def __init__(self, request: TopicSpec, response: TopicSpec) -> None:
        self.response = response
        asked = {f.name: f for f in request.fields}
        self.copied: dict[str, FieldSpec] = {
            f.name: asked[f.name]
            for f in response.fields
            if f.name in asked and asked[f.name].type is f.type
        }
        answers = [
            f.name
            for f in response.fields
            if f.type is FieldType.STR and not f.optional and f.name not in asked
        ]
        if not answers:
            raise FeatureError(
                f"agent: response topic '{response.topic}' needs a required str field that "
                f"'{request.topic}' does not have, to carry the model's answer; add one"
            )
        self.answer = answers[0]

    def _value(self, field: FieldSpec) -> cst.BaseExpression:
        if field.name == self.answer:
            return cst.Name("answer")
        source = self.copied.get(field.name)
        if source is not None:
            value = cst.Attribute(cst.Name("event"), build_name(field.name))
            if source.optional and not field.optional:
                return cst.IfExp(
                    test=cst.Comparison(
                        value, [cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))]
                    ),
                    body=value,
                    orelse=cst.parse_expression(_EMPTY[field.type]),
                )
            return value
        if field.optional:
            return cst.Name("None")
        return cst.parse_expression(_EMPTY[field.type])

    def call(self, model: str) -> cst.Call:
        return cst.Call(
            build_name(model),
            [cst.Arg(self._value(f), keyword=build_name(f.name)) for f in self.response.fields],
        )

    def describe(self) -> str:
        copied = ", ".join(f"`{name}`" for name in self.copied) or "no field"
        rest = [f.name for f in self.response.fields if f.name not in self.copied]
        others = [f"`{name}`" for name in rest if name != self.answer]
        text = (
            f"The reply to `event`: {copied} copied from it, the model's answer in "
            f"`{self.answer}`."
        )
        if others:
            text += (
                f"\n\n{', '.join(others)}: not produced by the agent, so None or their type's "
                "empty value; fill them here if this service knows them."
            )
        return text

    def expected(
        self, payload: dict[str, cst.BaseExpression], answer: str
    ) -> list[tuple[str, cst.BaseExpression]]:
        """The reply to `payload` as the generated test expects it (JSON values; a datetime
        filled with "now" is left out)."""
        out: list[tuple[str, cst.BaseExpression]] = []
        for field in self.response.fields:
            if field.name == self.answer:
                out.append((field.name, build_str(answer)))
            elif field.name in self.copied:
                out.append((field.name, payload[field.name]))
            elif field.optional:
                out.append((field.name, cst.Name("None")))
            elif field.type is FieldType.DATETIME:
                continue  # "now": the moment of the reply, not compared
            else:
                out.append((field.name, cst.parse_expression(_EMPTY[field.type])))
        return out


def _checked(spec: ServiceSpec) -> tuple[AgentSpec, TopicSpec, TopicSpec]:
    """The spec's agent and its two topics, or a FeatureError that says what to add."""
    agent = spec.agent
    if agent is None:
        raise FeatureError(
            f"service '{spec.name}' has no `agent:` in its spec; add one (instructions, "
            "request_topic, response_topic) or leave out the agent feature"
        )
    if agent.request_topic is None or agent.response_topic is None:
        raise FeatureError(
            f"service '{spec.name}': the agent needs `request_topic` and `response_topic`; "
            "add both to `agent:`"
        )
    request = next((t for t in spec.subscribes if t.topic == agent.request_topic), None)
    response = next((t for t in spec.publishes if t.topic == agent.response_topic), None)
    if request is None:
        raise FeatureError(
            f"agent.request_topic '{agent.request_topic}' is not in `subscribes:`; add it there"
        )
    if response is None:
        raise FeatureError(
            f"agent.response_topic '{agent.response_topic}' is not in `publishes:`; add it there"
        )
    session = next((f for f in request.fields if f.name == "session_id"), None)
    if session is None or session.type is not FieldType.STR or session.optional:
        raise FeatureError(
            f"agent: request topic '{request.topic}' needs a required `session_id: str` field "
            "(the conversation's key); add it"
        )
    return agent, request, response


def _snake(topic: str) -> str:
    return topic.replace(".", "_").replace("-", "_")


def _model_name(topic: str) -> str:
    pascal = "".join(part[:1].upper() + part[1:] for part in _snake(topic).split("_") if part)
    return pascal + "Event" if pascal in _RESERVED_MODELS else pascal


_RESERVED_MODELS = frozenset(
    {"EventContext", "BaseModel", "ConfigDict", "Self", "Mapping", "Delivery", "ContextVar"}
)


def _build_text(text: str) -> cst.BaseExpression:
    """A string literal holding `text`, split into implicitly joined pieces that fit a line."""
    words = re.findall(r"\S+\s*|\s+", text)
    chunks: list[str] = []
    for word in words:
        if chunks and len(chunks[-1]) + len(word) <= _CHUNK:
            chunks[-1] += word
        else:
            chunks.append(word)
    if len(chunks) <= 1:
        return build_str(text)
    node: cst.BaseExpression = build_str(chunks[-1])
    for chunk in reversed(chunks[:-1]):
        node = cst.ConcatenatedString(build_str(chunk), node)  # type: ignore[arg-type]
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _call(function: str, args: Sequence[cst.BaseExpression]) -> cst.Call:
    return cst.Call(build_name(function), [cst.Arg(a) for a in args])


def _sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.STR:
        return build_str(f"{field.name}-1")
    return _SAMPLES[field.type]


def _state_sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.DATETIME:
        return cst.parse_expression("datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)")
    return _sample(field)


def _units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    return expand_template(template, nodes).units


def _with(units: tuple[Unit, ...], own: tuple[ImportRequest, ...]) -> tuple[Unit, ...]:
    """`units` with the first-party imports among `own` that each one uses."""
    out = []
    for unit in units:
        used = names_in(unit.node)
        extra = tuple(i for i in own if i.name in used)
        out.append(Unit(unit.node, (*unit.imports, *extra), unit.container))
    return tuple(out)


def _readme(spec: ServiceSpec, agent: AgentSpec, plan: _Reply, keys: list[StateKeySpec]) -> str:
    tools = ", ".join(f"`read_{k.helper_name}` (`{k.key}`)" for k in keys) or "none"
    copied = ", ".join(f"`{n}`" for n in plan.copied) or "none"
    return (
        f"An OpenAI Agents SDK agent answers `{agent.request_topic}` events with "
        f"`{agent.response_topic}` events (`{spec.package}/agent.py`), and `POST /agent/ask` "
        "answers the same request directly (nothing is published). Its tools read state: "
        f"{tools}; a key placeholder the request carries is taken from the request, never from "
        "the model.\n\n"
        f"The reply copies {copied} from the request and carries the model's answer in "
        f"`{plan.answer}` (the first required `str` field the request does not have); any other "
        "field is None or its type's empty value.\n\n"
        f"Stateless: a session's conversation is kept under `conversation:{{session_id}}` in the "
        f"state store (last {HISTORY_LIMIT} items and at most `AGENT_HISTORY_MAX_BYTES` of JSON, "
        f"{CONVERSATION_TTL_SECONDS} s TTL, appended under its ETag), so any replica serves any "
        "turn.\n\n"
        "Any OpenAI-compatible server works (`OPENAI_BASE_URL`, `OPENAI_MODEL`). Without "
        "`OPENAI_API_KEY` the agent is off and never makes up an answer: `/agent/ask` answers "
        "503 with the reason, request events are answered RETRY (Dapr redelivers them and "
        "dead-letters them once its retries run out), and `/ready` reports "
        '`"agent": "disabled: OPENAI_API_KEY is not set"`. A turn longer than '
        "`AGENT_TIMEOUT_SECONDS` is a RETRY (504 on `/agent/ask`).\n\n"
        "Model errors are classified: a model server that is unreachable, rate-limited (429) "
        "or failing (5xx) is RETRY (503); one that refuses the settings (401, 403, 404 such as "
        "a base URL without `/v1`, 400) is RETRY too (503), with a message naming "
        "`OPENAI_API_KEY`, `OPENAI_BASE_URL` or `OPENAI_MODEL`, so a deployment mistake "
        "dead-letters nothing before it is fixed. A model that misbehaves (no answer, an answer "
        "that is not a chat completion, more than `AGENT_MAX_TURNS` model calls) is DROP "
        "(502): each retry would pay for model calls likely to misbehave again, and the "
        "dead-letter topic keeps the event."
    )
