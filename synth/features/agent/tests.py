"""`tests/test_agent.py`: the agent through the SDK's own `Model` seam (`ScriptedModel`).

The fixed seams and tests are the runtime module `synth/runtime/agent/test_agent.py`; the tests
that name the spec (its sample request, route, reply fields, state key and tool) are built here
and placed among them in the order of `_ORDER`.
"""

from __future__ import annotations

from synth.codegen import Unit, build_dict, build_docstring, build_name, build_str
from synth.codegen.runtime import runtime_units
from synth.features.agent.nodes import build_text, in_order, units
from synth.features.agent.reply import Reply
from synth.features.agent.samples import sample
from synth.features.agent.tool_tests import tool_tests
from synth.spec import AgentSpec, ServiceSpec, StateKeySpec

__all__ = ["test_units"]

_ORDER = (
    "REQUEST",
    "ScriptedModel",
    "scripted_text",
    "scripted_tool_call",
    "agent_settings",
    "replica",
    "delivery",
    "served_model",
    "REFUSAL",
    "published",
    "stored_conversation",
    "test_a_conversation_continues_on_another_replica",
    "test_a_request_event_is_answered_and_the_reply_published",
    "test_a_model_timeout_is_retried_and_nothing_is_published",
    "test_without_a_key_the_agent_is_disabled_and_says_why",
    "test_model_server_errors_are_classified_not_500",
    "test_a_call_of_a_tool_the_agent_lacks_is_a_bad_gateway",
    "test_the_stored_conversation_is_bounded_in_bytes",
)

_REQUEST = """
REQUEST: dict[str, object] = {payload}
"""

_HELPERS = '''
import json
from typing import Any

import httpx
from agents import OpenAIChatCompletionsModel
from agents.models.interface import Model
from openai import AsyncOpenAI

from tests.conftest import FakeDaprClient


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


def stored_conversation(dapr: FakeDaprClient) -> list[dict[str, Any]]:
    """The items stored for the test session's conversation ([] when none)."""
    data, _ = dapr.state.get(({store}, {conversation_key}), (b"", ""))
    return json.loads(data)["items"] if data else []
'''

_SHAPED = """
import json

import pytest
from fastapi.testclient import TestClient

from {package}.agent_runtime import MODEL_SLOT
from {package}.settings import get_settings
from tests.conftest import FakeDaprClient


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
"""


def test_units(
    spec: ServiceSpec, agent: AgentSpec, reply: Reply, keys: list[StateKeySpec]
) -> tuple[Unit, ...]:
    """`tests/test_agent.py`: the runtime's seams and tests with the spec's around them, and a
    test of the first state-reading tool when the agent has one."""
    request = reply.request
    payload = {f.name: sample(f) for f in request.fields}
    package = build_name(spec.package)
    route = build_str(request.route(spec.pubsub))
    store = build_str(spec.state_store)
    conversation = build_str("conversation:session_id-1")
    shaped = units(
        _SHAPED,
        package=package,
        route=route,
        store=store,
        conversation_key=conversation,
        answer_field=build_str(reply.answer),
        response_topic=build_str(reply.response.topic),
        expected=build_dict(
            [(build_str(name), value) for name, value in reply.expected(payload, "scripted reply")]
        ),
        instructions=build_text(agent.instructions),
    )
    placed = in_order(
        _ORDER,
        runtime_units("agent/test_agent.py", spec.package, docstring=False).units,
        units(_REQUEST, payload=build_dict([(build_str(k), v) for k, v in payload.items()])),
        units(
            _HELPERS,
            request_topic=build_str(request.topic),
            store=store,
            conversation_key=conversation,
        ),
        shaped,
    )
    doc = build_docstring(
        "The agent through the SDK's own `Model` seam, with `ScriptedModel`, a test double that "
        "plays scripted outputs: no LLM is called and no reply here is a real model's answer."
    )
    tools = tool_tests(spec, reply, keys[0], payload) if keys else ()
    return (Unit(doc), *placed, *tools)
